/**
 * The three matrix products backprop needs, on row-major Float32Arrays:
 *
 *   gemmNT  C += A·Bᵀ   forward      Z  = X·Wᵀ   (A rows × k, B n × k)
 *   gemmNN  C += A·B    input grad   dX = dZ·W   (A m × k,    B k × n)
 *   gemmTN  C += Aᵀ·B   weight grad  dW = dZᵀ·X  (A k × m,    B k × n)
 *
 * All three share one Goto-style loop nest: the depth is cut into KC-long
 * slices and the columns into NC-wide blocks; each block of B (in panels of
 * 4 columns) and each 2-row strip of A is packed k-major, lanes interleaved,
 * zero padded, into module scratch, so one register-tiled micro-kernel
 * serves every layout and every edge. The transposes live only in the
 * packing strides.
 *
 * The tile is 2×4: V8 computes in doubles held in 16 xmm registers; 8
 * accumulators plus 2 + 1 operands fit, where a 4×4 tile spills (kernel
 * alone measured ~2.2 vs ~1.6 GMAC/s here).
 *
 * With `bfloat16` set, both operands are rounded to bfloat16 as they are
 * packed (precision 'bfloat16': rounded operands, sums as without it).
 *
 * C is accumulated into, never overwritten: callers prefill it with the bias
 * (forward) or zeros (gradients). That makes depth slicing free of special
 * cases and fuses the bias into the product.
 */

import { roundBitsToBfloat16 } from './bfloat16';

/** Depth of one slice: a packed strip of A and a panel of B (6·KC floats) sit in L1. */
const KC = 256;
/** Columns of one block: a packed B block (NC·KC floats, 128 KiB) stays in L2. */
const NC = 128;
/** Rows of A per strip and columns of B per panel: the micro-kernel's tile. */
const MR = 2;
const NR = 4;

const packedA = new Float32Array(MR * KC);
const packedB = new Float32Array(NC * KC);
const packedABits = new Uint32Array(packedA.buffer);
const packedBBits = new Uint32Array(packedB.buffer);
/** Accumulators of an edge tile, spilled so that only its valid part is stored. */
const edgeTile = new Float64Array(MR * NR);

/**
 * C[m×n] (at cOff, row stride n) += Σ_p A(i,p)·B(p,j), where
 * A(i,p) = a[aOff + i·aRow + p·aDepth] and B(p,j) = b[bOff + j·bCol + p·bDepth].
 */
function gemm(
  m: number, n: number, k: number,
  a: Float32Array, aOff: number, aRow: number, aDepth: number,
  b: Float32Array, bOff: number, bCol: number, bDepth: number,
  c: Float32Array, cOff: number, bfloat16: boolean,
): void {
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0);
    for (let j0 = 0; j0 < n; j0 += NC) {
      const nc = Math.min(NC, n - j0);
      packPanels(b, bOff + j0 * bCol + p0 * bDepth, bCol, bDepth, nc, NR, kc, packedB);
      if (bfloat16) roundBitsToBfloat16(packedBBits, 0, Math.ceil(nc / NR) * NR * kc);
      for (let i = 0; i < m; i += MR) {
        const rows = Math.min(MR, m - i);
        packPanels(a, aOff + i * aRow + p0 * aDepth, aRow, aDepth, rows, MR, kc, packedA);
        if (bfloat16) roundBitsToBfloat16(packedABits, 0, MR * kc);
        for (let jp = 0; jp < nc; jp += NR) {
          microKernel(kc, jp * kc, c, cOff + i * n + j0 + jp, n, rows, Math.min(NR, nc - jp));
        }
      }
    }
  }
}

/**
 * Packs `lanes` vectors of length kc (lane l, step p at src[off + l·laneStride
 * + p·depthStride]) into panels of `width` lanes:
 * dst[panel·width·kc + p·width + l % width]. Lanes past `lanes` in the last
 * panel are zeros.
 */
function packPanels(
  src: Float32Array, off: number, laneStride: number, depthStride: number,
  lanes: number, width: number, kc: number, dst: Float32Array,
): void {
  for (let l0 = 0; l0 < lanes; l0 += width) {
    const valid = Math.min(width, lanes - l0);
    const base = l0 * kc;
    for (let l = 0; l < width; l++) {
      if (l < valid) {
        let s = off + (l0 + l) * laneStride;
        for (let p = 0, d = base + l; p < kc; p++, d += width, s += depthStride) dst[d] = src[s];
      } else {
        for (let p = 0, d = base + l; p < kc; p++, d += width) dst[d] = 0;
      }
    }
  }
}

/**
 * One 2×4 tile: packedA (a strip) times the packed B panel at bStart, over
 * kc steps, accumulated in 8 locals and added to the rows×cols valid part of
 * C at cAt (row stride ldc).
 */
function microKernel(
  kc: number, bStart: number, c: Float32Array, cAt: number, ldc: number, rows: number, cols: number,
): void {
  const pa = packedA;
  const pb = packedB;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  const end = kc * MR;
  for (let p = 0, q = bStart; p < end; p += MR, q += NR) {
    const a0 = pa[p], a1 = pa[p + 1];
    let w = pb[q];
    c00 += a0 * w; c10 += a1 * w;
    w = pb[q + 1];
    c01 += a0 * w; c11 += a1 * w;
    w = pb[q + 2];
    c02 += a0 * w; c12 += a1 * w;
    w = pb[q + 3];
    c03 += a0 * w; c13 += a1 * w;
  }
  if (rows === MR && cols === NR) {
    c[cAt] += c00; c[cAt + 1] += c01; c[cAt + 2] += c02; c[cAt + 3] += c03;
    const o = cAt + ldc;
    c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13;
    return;
  }
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
  t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < cols; s++) c[cAt + r * ldc + s] += t[r * NR + s];
  }
}

/** C[m×n] += A[m×k] · B[n×k]ᵀ (forward: Z += X·Wᵀ). */
export function gemmNT(
  m: number, n: number, k: number,
  a: Float32Array, aOff: number, b: Float32Array, bOff: number, c: Float32Array, cOff: number,
  bfloat16 = false,
): void {
  gemm(m, n, k, a, aOff, k, 1, b, bOff, k, 1, c, cOff, bfloat16);
}

/** C[m×n] += A[m×k] · B[k×n] (input gradient: dX += dZ·W). */
export function gemmNN(
  m: number, n: number, k: number,
  a: Float32Array, aOff: number, b: Float32Array, bOff: number, c: Float32Array, cOff: number,
  bfloat16 = false,
): void {
  gemm(m, n, k, a, aOff, k, 1, b, bOff, 1, n, c, cOff, bfloat16);
}

/** C[m×n] += A[k×m]ᵀ · B[k×n] (weight gradient: dW += dZᵀ·X). */
export function gemmTN(
  m: number, n: number, k: number,
  a: Float32Array, aOff: number, b: Float32Array, bOff: number, c: Float32Array, cOff: number,
  bfloat16 = false,
): void {
  gemm(m, n, k, a, aOff, 1, m, b, bOff, 1, n, c, cOff, bfloat16);
}

/** Sets each of `rows` rows of C (width cols, at cOff) to the vector v[vOff … vOff+cols). */
export function fillRows(
  c: Float32Array, cOff: number, rows: number, cols: number, v: Float32Array, vOff: number,
): void {
  for (let r = 0, o = cOff; r < rows; r++) {
    for (let j = 0; j < cols; j++, o++) c[o] = v[vOff + j];
  }
}

/** out[outOff + j] = Σ_r d[r·cols + j], summed in double (the bias gradient). */
export function columnSums(
  d: Float32Array, rows: number, cols: number, out: Float32Array, outOff: number,
): void {
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let r = 0, o = j; r < rows; r++, o += cols) s += d[o];
    out[outOff + j] = s;
  }
}
