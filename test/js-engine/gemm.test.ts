import { describe, expect, it } from 'vitest';
import { columnSums, fillRows, gemmNN, gemmNT, gemmTN } from '../../lib/backends/js/gemm.js';
import { randomArray } from './helpers';

type Product = typeof gemmNT;

/** Element getters of op(A) (m×k) and op(B) (k×n) as each product reads its operands. */
const variants: ReadonlyArray<{
  name: string;
  product: Product;
  aAt: (a: Float32Array, i: number, p: number, m: number, k: number) => number;
  bAt: (b: Float32Array, p: number, j: number, n: number, k: number) => number;
}> = [
  { name: 'NT', product: gemmNT, aAt: (a, i, p, _m, k) => a[i * k + p], bAt: (b, p, j, _n, k) => b[j * k + p] },
  { name: 'NN', product: gemmNN, aAt: (a, i, p, _m, k) => a[i * k + p], bAt: (b, p, j, n) => b[p * n + j] },
  { name: 'TN', product: gemmTN, aAt: (a, i, p, m) => a[p * m + i], bAt: (b, p, j, n) => b[p * n + j] },
];

const primesAndEdges = [1, 2, 3, 4, 5, 7, 8, 13, 17, 31, 64, 70];
/** Shapes (m, n, k): every edge case of the 4×4 tile, plus depths and widths past one slice/block. */
const shapes: ReadonlyArray<readonly [number, number, number]> = [
  ...primesAndEdges.map((s) => [s, s, s] as const),
  [1, 70, 3], [70, 1, 5], [5, 3, 70], [13, 64, 1], [2, 17, 31], [31, 2, 64], [67, 7, 1],
  [9, 150, 300], [6, 261, 513],
];

describe.each(variants)('gemm$name', ({ product, aAt, bAt }) => {
  it.each(shapes)('m=%d n=%d k=%d: C += op(A)·op(B) like a naive loop, at offsets', (m, n, k) => {
    const aOff = 3;
    const bOff = 5;
    const cOff = 7;
    const a = randomArray(aOff + m * k, m * 1000 + k);
    const b = randomArray(bOff + k * n, n * 1000 + k + 1);
    const c = randomArray(cOff + m * n + 4, m + n + k);
    const before = c.slice();
    product(m, n, k, a, aOff, b, bOff, c, cOff);
    const aView = a.subarray(aOff);
    const bView = b.subarray(bOff);
    let worst = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = before[cOff + i * n + j];
        for (let p = 0; p < k; p++) s += aAt(aView, i, p, m, k) * bAt(bView, p, j, n, k);
        worst = Math.max(worst, Math.abs(c[cOff + i * n + j] - s));
      }
    }
    expect(worst).toBeLessThan(1e-5 * Math.max(1, Math.sqrt(k)));
    // Nothing outside C is touched.
    for (let i = 0; i < cOff; i++) expect(c[i]).toBe(before[i]);
    for (let i = cOff + m * n; i < c.length; i++) expect(c[i]).toBe(before[i]);
  });
});

describe('fillRows', () => {
  it('copies one vector into every row', () => {
    const c = new Float32Array(2 + 3 * 4).fill(-1);
    const v = Float32Array.of(9, 1, 2, 3, 4);
    fillRows(c, 2, 3, 4, v, 1);
    expect(Array.from(c)).toEqual([-1, -1, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
  });
});

describe('columnSums', () => {
  it('sums each column over the rows into out at an offset', () => {
    const d = Float32Array.of(1, 2, 3, 10, 20, 30);
    const out = new Float32Array(5).fill(-1);
    columnSums(d, 2, 3, out, 1);
    expect(Array.from(out)).toEqual([-1, 11, 22, 33, -1]);
  });
});
