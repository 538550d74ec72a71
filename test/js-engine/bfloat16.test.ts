/**
 * The pure-TS engine's bfloat16 emulation: rounding against a reference
 * round-to-nearest-even computed by value (ties, subnormals, overflow,
 * infinities, NaN, random bit patterns), and the three GEMMs with rounding
 * against a float64 product of the rounded operands, odd sizes 1…70.
 */
import { describe, expect, it } from 'vitest';
import { roundBitsToBfloat16, roundToBfloat16 } from '../../lib/backends/js/bfloat16';
import { gemmNN, gemmNT, gemmTN } from '../../lib/backends/js/gemm';
import { random, uniform } from '../api/fixtures';

const view = new DataView(new ArrayBuffer(4));
function fromBits(bits: number): number {
  view.setUint32(0, bits >>> 0);
  return view.getFloat32(0);
}
function toBits(value: number): number {
  view.setFloat32(0, value);
  return view.getUint32(0);
}

/** The nearer of the two bfloat16 neighbours by value (2^128 past the largest), the even one on a tie. */
function referenceRoundedBits(bits: number): number {
  const x = fromBits(bits);
  if (!Number.isFinite(x)) return bits;
  const down = (bits & 0xffff0000) >>> 0;
  const up = down + 0x10000;
  const downValue = Math.abs(fromBits(down));
  const upValue = ((up & 0x7fffffff) >>> 0) === 0x7f800000 ? 2 ** 128 : Math.abs(fromBits(up));
  const below = Math.abs(x) - downValue;
  const above = upValue - Math.abs(x);
  if (below < above) return down;
  if (above < below) return up >>> 0;
  return (down & 0x10000) === 0 ? down : up >>> 0;
}

const EDGES = [
  0x00000000, 0x80000000, 0x3f800000, 0x3f808000, 0x3f818000, 0x3f808001, 0x3f807fff, 0xbf818000,
  0x7f7fffff, 0xff7fffff, 0x7f7f8000, 0x7f7f7fff, 0x7f800000, 0xff800000, 0x00000001, 0x00008000,
  0x00018000, 0x0000ffff, 0x807fffff, 0x00800000,
];
const NANS = [0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fbfffff];

describe('rounding to bfloat16', () => {
  it('matches round-to-nearest-even on ties, subnormals, overflow and infinities', () => {
    const bits = Uint32Array.from(EDGES);
    roundBitsToBfloat16(bits, 0, bits.length);
    expect(Array.from(bits, (b) => b.toString(16))).toEqual(EDGES.map((b) => referenceRoundedBits(b).toString(16)));
    // Spot values a reader can check by hand: a tie to even, overflow, the smallest subnormal.
    expect(roundToBfloat16(1 + 2 ** -8)).toBe(1);
    expect(roundToBfloat16(1 + 3 * 2 ** -8)).toBe(1 + 2 ** -6);
    expect(roundToBfloat16(3.4028234663852886e38)).toBe(Infinity);
    expect(roundToBfloat16(-(2 ** -149))).toBe(-0);
  });

  it('keeps NaN a NaN, with its sign, never an infinity', () => {
    const bits = Uint32Array.from(NANS);
    roundBitsToBfloat16(bits, 0, bits.length);
    bits.forEach((b, i) => {
      expect(Number.isNaN(fromBits(b))).toBe(true);
      expect(b & 0xffff).toBe(0);
      expect(b >>> 31).toBe(NANS[i] >>> 31);
    });
  });

  it('matches the reference on random bit patterns', () => {
    const next = random(0xbf16);
    const inputs = Uint32Array.from({ length: 50_000 }, () => Math.floor(next() * 2 ** 32));
    const rounded = inputs.slice();
    roundBitsToBfloat16(rounded, 0, rounded.length);
    let wrong = 0;
    inputs.forEach((b, i) => {
      const nan = Number.isNaN(fromBits(b));
      if (nan ? !Number.isNaN(fromBits(rounded[i])) : rounded[i] !== referenceRoundedBits(b)) wrong++;
      if (!nan && toBits(roundToBfloat16(fromBits(b))) !== rounded[i]) wrong++;
    });
    expect(wrong).toBe(0);
  });
});

type Variant = 'NT' | 'NN' | 'TN';
const GEMMS = { NT: gemmNT, NN: gemmNN, TN: gemmTN } as const;

describe('bfloat16 GEMMs of the pure-TS engine', () => {
  it.each(['NT', 'NN', 'TN'] as Variant[])('%s against a float64 product of the rounded operands, sizes 1…70', (variant) => {
    const next = random(variant.charCodeAt(0) * 7 + variant.charCodeAt(1));
    let wrong = 0;
    for (let trial = 0; trial < 40; trial++) {
      const [m, n, k] = [1 + Math.floor(next() * 70), 1 + Math.floor(next() * 70), 1 + Math.floor(next() * 70)];
      // Stored shapes: A m×k (NT, NN) or k×m (TN); B n×k (NT) or k×n (NN, TN).
      const a = uniform(next, variant === 'TN' ? k : m, variant === 'TN' ? m : k);
      const b = uniform(next, variant === 'NT' ? n : k, variant === 'NT' ? k : n);
      const c = uniform(next, m, n);
      const before = c.slice();
      GEMMS[variant](m, n, k, a, 0, b, 0, c, 0, true);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let sum = before[i * n + j];
          let magnitude = Math.abs(sum);
          for (let p = 0; p < k; p++) {
            const x = roundToBfloat16(variant === 'TN' ? a[p * m + i] : a[i * k + p]);
            const y = roundToBfloat16(variant === 'NT' ? b[j * k + p] : b[p * n + j]);
            sum += x * y;
            magnitude += Math.abs(x * y);
          }
          // Float32 stores of exact double sums: within 2^-23 of the magnitude; unrounded operands miss by ~2^-9.
          if (!(Math.abs(c[i * n + j] - sum) <= 2 ** -22 * magnitude)) wrong++;
        }
      }
    }
    expect(wrong).toBe(0);
  });
});
