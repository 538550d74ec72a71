/**
 * IDX files (the MNIST format), plain or gzip-compressed: a 4-byte magic
 * (two zero bytes, a type code, the number of dimensions), one big-endian
 * uint32 per dimension, then the values, big-endian, row-major.
 */
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { BackpropError, FormatError, ShapeError } from '../errors';
import { allocating } from '../memory-estimate';
import { fileError, openRegularFile, readExactly } from './file-access';
import { fail } from '../validate';

/** Samples of an IDX file: the first dimension counts them, the others make one input row. */
export interface IdxData {
  /** rows × inputs, row-major, the file's values unchanged (MNIST pixels are 0…255). */
  x: Float32Array;
  rows: number;
  inputs: number;
  /** The file's dimensions, e.g. [60000, 28, 28]. */
  shape: number[];
  /** Class labels from the labels file, when one was given. */
  y?: Int32Array;
}

/** Bytes per value and a big-endian reader, by IDX type code. */
const TYPES: Record<number, { bytes: number; read: (view: DataView, offset: number) => number }> = {
  0x08: { bytes: 1, read: (v, o) => v.getUint8(o) },
  0x09: { bytes: 1, read: (v, o) => v.getInt8(o) },
  0x0b: { bytes: 2, read: (v, o) => v.getInt16(o) },
  0x0c: { bytes: 4, read: (v, o) => v.getInt32(o) },
  0x0d: { bytes: 4, read: (v, o) => v.getFloat32(o) },
  0x0e: { bytes: 8, read: (v, o) => v.getFloat64(o) },
};

interface IdxHeader {
  type: { bytes: number; read: (view: DataView, offset: number) => number };
  shape: number[];
  dataStart: number;
  /** The file's length the dimensions imply. */
  length: number;
}

/** The magic and dimensions at the start of `bytes`, or null when fewer bytes than the header are there yet. */
function idxHeader(bytes: Uint8Array, source: string): IdxHeader | null {
  if (bytes.length >= 4 && (bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2] in TYPES) || bytes[3] === 0)) {
    throw new FormatError(`${source}: not an IDX file (expected the magic 00 00 <type> <dimensions>)`);
  }
  if (bytes.length < 4 || bytes.length < 4 + 4 * bytes[3]) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = TYPES[bytes[2]];
  const dataStart = 4 + 4 * bytes[3];
  const shape = Array.from({ length: bytes[3] }, (_, i) => view.getUint32(4 + 4 * i));
  return { type, shape, dataStart, length: dataStart + shape.reduce((a, b) => a * b, 1) * type.bytes };
}

/** The values of IDX bytes are held as float32, so a file may hold at most this many. */
const MAX_VALUES = 2 ** 31 - 1;

function checkPlausible(header: IdxHeader, source: string): void {
  if ((header.length - header.dataStart) / header.type.bytes > MAX_VALUES) {
    throw new FormatError(`${source}: IDX shape [${header.shape.join(', ')}] holds more than ${MAX_VALUES} values`);
  }
}

/**
 * A gzip IDX file inflated as a stream into one array of exactly the size
 * its header's dimensions imply: peak memory is the result plus one buffer,
 * and data that inflates past that size is refused as soon as it does.
 */
async function inflateIdx(stream: Readable, source: string): Promise<Uint8Array> {
  const inflated = stream.pipe(createGunzip());
  stream.once('error', (error) => inflated.destroy(error));
  let head = new Uint8Array(0);
  let out: Uint8Array | null = null;
  let filled = 0;
  try {
    for await (const chunk of inflated as AsyncIterable<Buffer>) {
      if (out === null) {
        head = Buffer.concat([head, chunk]);
        const header = idxHeader(head, source);
        if (header === null) continue;
        checkPlausible(header, source);
        out = allocating(`${source}: the inflated IDX data`, () => new Uint8Array(header.length));
        if (head.length > out.length) tooLong(source, out.length);
        out.set(head);
        filled = head.length;
        continue;
      }
      if (filled + chunk.length > out.length) tooLong(source, out.length);
      out.set(chunk, filled);
      filled += chunk.length;
    }
  } catch (error) {
    if (error instanceof BackpropError) throw error;
    if ((error as { code?: string }).code?.startsWith('Z_')) {
      throw new FormatError(`${source}: broken gzip data (${(error as Error).message})`);
    }
    throw fileError(error, source, 'read');
  } finally {
    inflated.destroy();
    stream.destroy();
  }
  return out === null ? head : out.subarray(0, filled);
}

function tooLong(source: string, length: number): never {
  throw new FormatError(`${source}: gzip data inflates past the ${length} bytes its IDX header's dimensions imply`);
}

/** The file's bytes (inflated when they start with the gzip magic 1f 8b, whatever the file's name), checked against the header's size before all are read. */
async function readIdxBytes(path: string): Promise<Uint8Array> {
  const { handle, size } = await openRegularFile(path);
  let closeHandle = true;
  try {
    const start = new Uint8Array(Math.min(size, 4 + 4 * 255));
    await readExactly(handle, start, 0, path);
    if (start.length >= 2 && start[0] === 0x1f && start[1] === 0x8b) {
      closeHandle = false;
      return await inflateIdx(handle.createReadStream(), path);
    }
    const header = idxHeader(start, path);
    if (header !== null) {
      checkPlausible(header, path);
      checkLength(header, size, path);
    }
    const bytes = allocating(`${path}: the IDX data`, () => new Uint8Array(size));
    await readExactly(handle, bytes, 0, path);
    return bytes;
  } finally {
    if (closeHandle) await handle.close();
  }
}

function checkLength({ length, shape }: IdxHeader, fileLength: number, source: string): void {
  if (fileLength !== length) {
    const what = fileLength < length ? 'truncated' : 'too long';
    throw new FormatError(`${source}: IDX data ${what}: ${fileLength} bytes, expected ${length} for shape [${shape.join(', ')}]`);
  }
}

/** Decodes IDX bytes into their dimensions and values; `source` names the file in errors. */
export function decodeIdx<Values extends Float32Array | Float64Array = Float32Array>(
  bytes: Uint8Array,
  source: string,
  Values: new (length: number) => Values = Float32Array as unknown as new (length: number) => Values,
): { shape: number[]; values: Values } {
  const header = idxHeader(bytes, source);
  if (header === null) {
    if (bytes.length < 4) throw new FormatError(`${source}: not an IDX file (expected the magic 00 00 <type> <dimensions>)`);
    throw new FormatError(`${source}: IDX header truncated (${bytes.length} bytes)`);
  }
  checkLength(header, bytes.length, source);
  const { type, dataStart, length, shape } = header;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Values((length - dataStart) / type.bytes);
  for (let i = 0; i < values.length; i++) values[i] = type.read(view, dataStart + i * type.bytes);
  return { shape, values };
}

/**
 * Reads an IDX file of samples (e.g. train-images-idx3-ubyte, or its .gz)
 * and, optionally, an IDX file of one integer class label per sample. Gzip
 * is detected by its magic bytes. Throws a FormatError for a wrong magic, a
 * truncated file or non-integer labels, a ShapeError when the counts differ.
 */
export async function loadIdx(imagesPath: string, labelsPath?: string): Promise<IdxData> {
  if (typeof imagesPath !== 'string' || imagesPath === '') fail('imagesPath', 'a non-empty string', imagesPath);
  if (labelsPath !== undefined && (typeof labelsPath !== 'string' || labelsPath === '')) {
    fail('labelsPath', 'a non-empty string or undefined', labelsPath);
  }
  const images = decodeIdx(await readIdxBytes(imagesPath), imagesPath);
  const rows = images.shape[0];
  if (rows === 0 || images.values.length === 0) throw new FormatError(`${imagesPath}: no samples`);
  const data: IdxData = { x: images.values, rows, inputs: images.values.length / rows, shape: images.shape };
  if (labelsPath === undefined) return data;
  // Float64: a label like 2147483647 is exact there, and float32 would round it.
  const labels = decodeIdx(await readIdxBytes(labelsPath), labelsPath, Float64Array);
  if (labels.shape.length !== 1) {
    throw new FormatError(`${labelsPath}: labels must be 1-dimensional, got shape [${labels.shape.join(', ')}]`);
  }
  if (labels.shape[0] !== rows) throw new ShapeError(`${labelsPath} has ${labels.shape[0]} labels, ${imagesPath} has ${rows} samples`);
  const y = new Int32Array(rows);
  labels.values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) {
      throw new FormatError(`${labelsPath}: label ${i} is ${v}, expected an integer in [0, 2147483647]`);
    }
    y[i] = v;
  });
  return { ...data, y };
}
