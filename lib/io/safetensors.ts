/**
 * The safetensors format: an 8-byte little-endian header length, a JSON
 * header (padded with spaces to a multiple of 8 bytes) naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data. Only F32 is
 * written or read here; the decoder trusts nothing in the file.
 */
import { FormatError } from '../errors';

export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface SafetensorsContent {
  readonly tensors: Map<string, Tensor>;
  readonly metadata: Record<string, string>;
}

/** Headers larger than this are refused before they are read (the reference implementation uses 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

export function encodeSafetensors(tensors: ReadonlyMap<string, Tensor>, metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, tensor] of tensors) {
    const bytes = tensor.data.length * 4;
    header[name] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (jsonBytes % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const tensor of tensors.values()) {
    for (let i = 0; i < tensor.data.length; i++, position += 4) view.setFloat32(position, tensor.data[i], true);
  }
  return out;
}

/** Names the file (or other source) in every error. */
type Fail = (message: string) => never;

function failFor(source: string): Fail {
  return (message) => {
    throw new FormatError(`${source}: safetensors ${message}`);
  };
}

function parseHeader(bytes: Uint8Array, bad: Fail): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8) bad(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) bad(`header length ${length} exceeds ${MAX_HEADER_BYTES} bytes`);
  const headerLength = Number(length);
  if (8 + headerLength > bytes.length) bad(`header length ${headerLength} runs past the end of the ${bytes.length}-byte file`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    bad(`header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad('header is not a JSON object');
  return { header: header as Record<string, unknown>, dataStart: 8 + headerLength };
}

function parseMetadata(value: unknown, bad: Fail): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('__metadata__ is not an object');
  const metadata: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') bad(`__metadata__.${key} is not a string`);
    metadata[key] = v;
  }
  return metadata;
}

function parseTensor(name: string, entry: unknown, dataLength: number, bad: Fail): { shape: number[]; begin: number; end: number } {
  if (typeof entry !== 'object' || entry === null) bad(`tensor "${name}" is not an object`);
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (dtype !== 'F32') bad(`tensor "${name}" has dtype ${JSON.stringify(dtype)}, only F32 is supported`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    bad(`tensor "${name}" has an invalid shape`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    bad(`tensor "${name}" has invalid data_offsets`);
  }
  const [begin, end] = offsets as number[];
  if (begin > end || end > dataLength) bad(`tensor "${name}" data_offsets [${begin}, ${end}] are outside the ${dataLength}-byte data`);
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  if (elements * 4 !== end - begin) bad(`tensor "${name}" shape [${shape.join(', ')}] does not match its ${end - begin} bytes`);
  return { shape: shape as number[], begin, end };
}

export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsContent {
  const bad = failFor(source);
  const { header, dataStart } = parseHeader(bytes, bad);
  const dataLength = bytes.length - dataStart;
  const metadata = parseMetadata(header.__metadata__, bad);
  const ranges: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name !== '__metadata__') ranges.push({ name, ...parseTensor(name, entry, dataLength, bad) });
  }
  ranges.sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i].begin < ranges[i - 1].end) bad(`tensors "${ranges[i - 1].name}" and "${ranges[i].name}" overlap`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart, dataLength);
  const tensors = new Map<string, Tensor>();
  for (const { name, shape, begin, end } of ranges) {
    const data = new Float32Array((end - begin) / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(begin + 4 * i, true);
    tensors.set(name, { shape, data });
  }
  return { tensors, metadata };
}
