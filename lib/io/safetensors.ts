/**
 * The safetensors format: an 8-byte little-endian header length, a JSON
 * header (padded with spaces to a multiple of 8 bytes) naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data. Only F32 is
 * written or read here. The header is encoded and parsed on its own, so that
 * tensor data moves between a file and a network's parameters in pieces,
 * whatever the file's size; the parser trusts nothing in the file.
 */
import { FormatError } from '../errors';
import { scanJsonObject } from './json-scan';

/** A tensor to write: its shape and its values. */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A tensor as the header describes it: byte range [begin, end) within the data. */
export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly metadata: Record<string, string>;
  /** In the order of their data. */
  readonly tensors: readonly TensorEntry[];
  /** Bytes before the data: 8 + the header's length. */
  readonly dataStart: number;
}

/** Headers larger than this are refused before they are read (the reference implementation uses 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** The file's first bytes: the length prefix and the padded JSON header. */
export function encodeHeader(tensors: ReadonlyMap<string, Tensor>, metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, tensor] of tensors) {
    const bytes = tensor.data.length * 4;
    header[name] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json, 'utf8') % 8)) % 8);
  const text = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + text.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  return out;
}

/** Names the file (or other source) in every error. */
type Fail = (message: string) => never;

function failFor(source: string): Fail {
  return (message) => {
    throw new FormatError(`${source}: safetensors ${message}`);
  };
}

/** The header's length from the file's first 8 bytes, checked against the file's size. */
export function headerLength(prefix: Uint8Array, fileLength: number, source: string): number {
  const bad = failFor(source);
  if (fileLength < 8 || prefix.length < 8) bad(`file is ${fileLength} bytes, shorter than the 8-byte header length`);
  const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) bad(`header length ${length} exceeds ${MAX_HEADER_BYTES} bytes`);
  const value = Number(length);
  if (8 + value > fileLength) bad(`header length ${value} runs past the end of the ${fileLength}-byte file`);
  return value;
}

function parseMetadata(value: unknown, bad: Fail): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('__metadata__ is not an object');
  // A null-prototype record: a "__proto__" key is an ordinary entry, as it is in the file.
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') bad(`__metadata__.${key} is not a string`);
    metadata[key] = v;
  }
  return metadata;
}

function parseTensor(name: string, entry: unknown, bad: Fail): TensorEntry {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) bad(`tensor "${name}" is not an object`);
  const { dtype, shape, data_offsets: offsets, ...rest } = entry as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) bad(`tensor "${name}" has unknown keys ${extra.join(', ')}`);
  if (dtype !== 'F32') bad(`tensor "${name}" has dtype ${JSON.stringify(dtype)}, only F32 is supported`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    bad(`tensor "${name}" has an invalid shape`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    bad(`tensor "${name}" has invalid data_offsets`);
  }
  const [begin, end] = offsets as number[];
  if (begin > end) bad(`tensor "${name}" data_offsets [${begin}, ${end}] are reversed`);
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  if (elements * 4 !== end - begin) bad(`tensor "${name}" shape [${shape.join(', ')}] does not match its data_offsets [${begin}, ${end}] (${end - begin} bytes)`);
  return { name, shape: shape as number[], begin, end };
}

function parseJson(text: string, bad: Fail): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return bad(`header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
}

/** Called with the metadata and the number of tensors before any tensor entry is parsed: may refuse the file. */
export type HeaderCheck = (metadata: Record<string, string>, tensorCount: number) => void;

/**
 * Parses the header (the bytes after the length prefix). `dataLength` is the
 * file's size after the header: the tensors must cover it exactly, in one
 * run without gaps or overlaps, as save writes them.
 */
export function parseHeader(text: Uint8Array, dataLength: number, source: string, check?: HeaderCheck): SafetensorsHeader {
  const bad = failFor(source);
  let decoded = '';
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(text);
  } catch (error) {
    bad(`header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  // First the top level alone: the metadata and the entry count decide
  // whether the entries are worth building (a header of millions is not).
  const top = scanJsonObject(decoded, '__metadata__', false);
  if (top.duplicate !== undefined) bad(`header repeats the key ${JSON.stringify(top.duplicate)}`);
  if (check && top.captured !== undefined) {
    const early = parseMetadata(parseJson(top.captured, bad), bad);
    check(early, top.keys - 1);
  }
  const header = parseJson(decoded, bad);
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad('header is not a JSON object');
  const duplicate = scanJsonObject(decoded, '__metadata__', true).duplicate;
  if (duplicate !== undefined) bad(`header repeats the key ${JSON.stringify(duplicate)}`);
  const metadata = parseMetadata((header as Record<string, unknown>).__metadata__, bad);
  if (check && top.captured === undefined) check(metadata, Object.keys(header as object).length);
  const tensors: TensorEntry[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name !== '__metadata__') tensors.push(parseTensor(name, entry, bad));
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  for (const tensor of tensors) {
    if (tensor.begin < position) bad(`tensors overlap at "${tensor.name}"`);
    if (tensor.begin > position) bad(`data has a gap of ${tensor.begin - position} bytes before "${tensor.name}"`);
    position = tensor.end;
  }
  if (position !== dataLength) {
    bad(
      position > dataLength
        ? `tensor data_offsets run to byte ${position}, outside the ${dataLength}-byte data`
        : `file has ${dataLength - position} bytes after the last tensor`,
    );
  }
  return { metadata, tensors, dataStart: 8 + text.length };
}

/** Copies little-endian float32 bytes into `into` (whatever the host's byte order). */
export function copyFloats(bytes: Uint8Array, into: Float32Array, at: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < bytes.length / 4; i++) into[at + i] = view.getFloat32(4 * i, true);
}
