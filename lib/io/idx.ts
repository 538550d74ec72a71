/**
 * IDX files (the MNIST format), plain or gzip-compressed: a 4-byte magic
 * (two zero bytes, a type code, the number of dimensions), one big-endian
 * uint32 per dimension, then the values, big-endian, row-major.
 */
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { FormatError, ShapeError } from '../errors';
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

const gunzipAsync = promisify(gunzip);

/** The file's bytes, decompressed when they start with the gzip magic (1f 8b), whatever the file's name. */
async function readMaybeGzip(path: string): Promise<Uint8Array> {
  const bytes = await fs.readFile(path);
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return await gunzipAsync(bytes);
  } catch (error) {
    throw new FormatError(`${path}: broken gzip data (${(error as Error).message})`);
  }
}

/** Decodes IDX bytes into their dimensions and values; `source` names the file in errors. */
export function decodeIdx(bytes: Uint8Array, source: string): { shape: number[]; values: Float32Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2] in TYPES) || bytes[3] === 0) {
    throw new FormatError(`${source}: not an IDX file (expected the magic 00 00 <type> <dimensions>)`);
  }
  const type = TYPES[bytes[2]];
  const dimensions = bytes[3];
  const dataStart = 4 + 4 * dimensions;
  if (bytes.length < dataStart) throw new FormatError(`${source}: IDX header truncated (${bytes.length} bytes)`);
  const shape = Array.from({ length: dimensions }, (_, i) => view.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = dataStart + count * type.bytes;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'too long';
    throw new FormatError(`${source}: IDX data ${what}: ${bytes.length} bytes, expected ${expected} for shape [${shape.join(', ')}]`);
  }
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = type.read(view, dataStart + i * type.bytes);
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
  const images = decodeIdx(await readMaybeGzip(imagesPath), imagesPath);
  const rows = images.shape[0];
  if (rows === 0 || images.values.length === 0) throw new FormatError(`${imagesPath}: no samples`);
  const data: IdxData = { x: images.values, rows, inputs: images.values.length / rows, shape: images.shape };
  if (labelsPath === undefined) return data;
  const labels = decodeIdx(await readMaybeGzip(labelsPath), labelsPath);
  if (labels.shape.length !== 1) {
    throw new FormatError(`${labelsPath}: labels must be 1-dimensional, got shape [${labels.shape.join(', ')}]`);
  }
  if (labels.shape[0] !== rows) throw new ShapeError(`${labelsPath} has ${labels.shape[0]} labels, ${imagesPath} has ${rows} samples`);
  const y = new Int32Array(rows);
  labels.values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0) throw new FormatError(`${labelsPath}: label ${i} is ${v}, expected an integer ≥ 0`);
    y[i] = v;
  });
  return { ...data, y };
}
