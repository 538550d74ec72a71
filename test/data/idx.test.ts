/** loadIdx: plain and gzip IDX files, every value type, and malformed files. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FormatError, loadIdx, ShapeError } from '../../lib/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'backprop-idx-'));

function file(name: string, bytes: Uint8Array): string {
  const full = path.join(dir, name);
  writeFileSync(full, bytes);
  return full;
}

/** IDX bytes with the given type code and big-endian payload. */
function idx(type: number, shape: number[], payload: Buffer): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header.writeUInt8(type, 2);
  header.writeUInt8(shape.length, 3);
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, payload]);
}

const images = idx(0x08, [3, 2, 2], Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]));
const labels = idx(0x08, [3], Buffer.from([2, 0, 1]));

describe('loadIdx', () => {
  it('reads samples (values unchanged) and labels', async () => {
    const data = await loadIdx(file('images-idx3-ubyte', images), file('labels-idx1-ubyte', labels));
    expect(data).toEqual({
      x: Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255),
      rows: 3,
      inputs: 4,
      shape: [3, 2, 2],
      y: Int32Array.of(2, 0, 1),
    });
  });

  it('detects gzip by its magic bytes, whatever the name', async () => {
    const data = await loadIdx(file('gz.idx3', gzipSync(images)));
    expect(data.x).toEqual(Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255));
    expect(data.y).toBeUndefined();
  });

  it('reads the signed, short, int, float and double types, big-endian', async () => {
    const payloads: [number, (b: Buffer, v: number, o: number) => void, number][] = [
      [0x09, (b, v, o) => b.writeInt8(v, o), 1],
      [0x0b, (b, v, o) => b.writeInt16BE(v, o), 2],
      [0x0c, (b, v, o) => b.writeInt32BE(v, o), 4],
      [0x0d, (b, v, o) => b.writeFloatBE(v, o), 4],
      [0x0e, (b, v, o) => b.writeDoubleBE(v, o), 8],
    ];
    for (const [type, write, bytes] of payloads) {
      const payload = Buffer.alloc(2 * bytes);
      write(payload, -3, 0);
      write(payload, 100, bytes);
      const data = await loadIdx(file(`t${type}.idx`, idx(type, [2, 1], payload)));
      expect(Array.from(data.x)).toEqual([-3, 100]);
    }
  });

  it.each([
    ['magic', Buffer.from('PK\u0003\u0004zip'), /not an IDX file/],
    ['type', Buffer.from([0, 0, 0x07, 1, 0, 0, 0, 0]), /not an IDX file/],
    ['header', Buffer.from([0, 0, 8, 3, 0, 0, 0, 1]), /IDX header truncated \(8 bytes\)/],
    ['truncated', images.subarray(0, images.length - 1), /IDX data truncated: 27 bytes, expected 28 for shape \[3, 2, 2\]/],
    ['long', Buffer.concat([images, Buffer.from([0])]), /IDX data too long: 29 bytes, expected 28/],
    ['empty', idx(0x08, [0, 28, 28], Buffer.alloc(0)), /no samples/],
    ['gzip', gzipSync(images).subarray(0, 20), /broken gzip data/],
  ])('refuses a file with a bad %s', async (name, bytes, message) => {
    const promise = loadIdx(file(`bad-${name}`, bytes));
    await expect(promise).rejects.toThrow(FormatError);
    await expect(promise).rejects.toThrow(message);
  });

  it('refuses labels that do not fit the samples', async () => {
    const imagesPath = file('ok-idx3-ubyte', images);
    await expect(loadIdx(imagesPath, file('two', idx(0x08, [2], Buffer.from([0, 1]))))).rejects.toThrow(ShapeError);
    await expect(loadIdx(imagesPath, file('flat', idx(0x08, [3, 1], Buffer.from([0, 1, 2]))))).rejects.toThrow(
      /labels must be 1-dimensional, got shape \[3, 1\]/,
    );
    await expect(loadIdx(imagesPath, file('neg', idx(0x09, [3], Buffer.from([0, 255, 1]))))).rejects.toThrow(
      /label 1 is -1, expected an integer in \[0, 2147483647\]/,
    );
    await expect(loadIdx(imagesPath, '')).rejects.toThrow(/labelsPath must be a non-empty string or undefined/);
  });
});
