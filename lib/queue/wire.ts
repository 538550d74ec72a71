/**
 * Typed arrays inside a job's JSON: BullMQ stores job data as JSON, where a
 * Float32Array would turn into an object of decimal strings. Each typed
 * array becomes `{ dtype, base64 }` (its little-endian bytes), and back.
 */
import { checkKeys, checkOneOf, fail, isPlainObject } from '../validate';

const DTYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
} as const;

export type Dtype = keyof typeof DTYPES;
export type TypedArray = InstanceType<(typeof DTYPES)[Dtype]>;

/** A typed array as job JSON holds it: the base64 of its little-endian bytes. */
export interface EncodedArray {
  dtype: Dtype;
  base64: string;
}

const DTYPE_NAMES = Object.keys(DTYPES) as Dtype[];

function dtypeOf(value: ArrayBufferView): Dtype | undefined {
  return DTYPE_NAMES.find((dtype) => value instanceof DTYPES[dtype]);
}

export function isEncodedArray(value: unknown): value is EncodedArray {
  return isPlainObject(value) && typeof value.dtype === 'string' && typeof value.base64 === 'string' && Object.keys(value).length === 2;
}

/** Copies every typed array found in plain objects and arrays into its encoded form; other values are kept. */
export function encodeTypedArrays(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) {
    const dtype = dtypeOf(value);
    if (dtype === undefined) return value;
    return { dtype, base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') } satisfies EncodedArray;
  }
  if (Array.isArray(value)) return value.map(encodeTypedArrays);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, encodeTypedArrays(v)]));
  return value;
}

export function decodeArray(value: EncodedArray, name: string): TypedArray {
  checkKeys(value as unknown as Record<string, unknown>, name, ['dtype', 'base64']);
  const Type = DTYPES[checkOneOf<Dtype>(value.dtype, `${name}.dtype`, DTYPE_NAMES)];
  const bytes = Buffer.from(value.base64, 'base64');
  if (bytes.length % Type.BYTES_PER_ELEMENT !== 0) {
    fail(`${name}.base64`, `a whole number of ${value.dtype} values (${Type.BYTES_PER_ELEMENT} bytes each)`, `${bytes.length} bytes`);
  }
  // A copy: Buffer's pooled memory may not be aligned for the element type.
  const out = new Type(bytes.length / Type.BYTES_PER_ELEMENT);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** The inverse of encodeTypedArrays. `name` prefixes error messages (e.g. 'data'). */
export function decodeTypedArrays(value: unknown, name: string): unknown {
  if (isEncodedArray(value)) return decodeArray(value, name);
  if (Array.isArray(value)) return value.map((v, i) => decodeTypedArrays(v, `${name}[${i}]`));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, decodeTypedArrays(v, `${name}.${key}`)]));
  return value;
}
