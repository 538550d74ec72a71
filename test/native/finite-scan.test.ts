/**
 * The addon's finiteness scan, which the facade's input checks use for long
 * float32 arrays (lib/finite.ts): the same index as a JS loop for every kind
 * of bad value, anywhere in its 1024-value blocks, and in views at an offset.
 */
import { describe, expect, it } from 'vitest';
import { firstNonFinite } from '../../lib/finite';
import { looseAddon } from './helpers';

const addon = looseAddon();

function jsFirstNonFinite(values: Float32Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** Finite values of every kind the scan must pass: zeros, subnormals, the float32 extremes. */
function finiteValues(length: number): Float32Array {
  const kinds = [0, -0, 1.5, -2, 1e-45, -1e-40, 3.4028234663852886e38, -3.4028234663852886e38];
  return new Float32Array(length).map((_, i) => kinds[i % kinds.length]);
}

describe('addon.firstNonFinite', () => {
  const lengths = [1, 7, 255, 1023, 1024, 1025, 3000];
  const bad = [NaN, Infinity, -Infinity];

  it('finds nothing in finite values of any length', () => {
    for (const length of [0, ...lengths]) {
      expect(addon.firstNonFinite(finiteValues(length), 0, length)).toBe(-1);
    }
  });

  it('finds the first bad value wherever it is, as the JS loop does', () => {
    for (const length of lengths) {
      for (const at of new Set([0, 1, length >> 1, 1023, 1024, length - 1].filter((i) => i < length))) {
        for (const value of bad) {
          const values = finiteValues(length);
          values[at] = value;
          if (at + 3 < length) values[at + 3] = NaN;
          expect(addon.firstNonFinite(values, 0, length)).toBe(at);
          expect(addon.firstNonFinite(values, 0, length)).toBe(jsFirstNonFinite(values, 0, length));
        }
      }
    }
  });

  it('looks only at [from, to), and answers indices of the whole array', () => {
    const values = finiteValues(3000);
    values[10] = NaN;
    values[2500] = Infinity;
    expect(addon.firstNonFinite(values, 0, 3000)).toBe(10);
    expect(addon.firstNonFinite(values, 11, 3000)).toBe(2500);
    expect(addon.firstNonFinite(values, 11, 2500)).toBe(-1);
    expect(addon.firstNonFinite(values, 2500, 2500)).toBe(-1);
  });

  it('reads a view at its own offset', () => {
    const buffer = finiteValues(2100);
    buffer[3] = NaN;
    buffer[2049] = -Infinity;
    const view = buffer.subarray(5, 2095);
    expect(addon.firstNonFinite(view, 0, view.length)).toBe(2044);
  });

  it('is what the facade uses for long float32 arrays, with the same answers', () => {
    const values = finiteValues(5000);
    values[4097] = NaN;
    expect(firstNonFinite(values)).toBe(4097);
    expect(firstNonFinite(values, 4098)).toBe(-1);
    expect(firstNonFinite(Array.from(values))).toBe(4097);
  });
});
