/**
 * Finiteness in float32: what the engines compute in, and what the model
 * files hold. A number beyond ±3.4028235e38 (more exactly, at or past the
 * point where rounding to float32 gives Infinity) is not representable.
 */

/** For messages: the largest finite float32. */
export const FLOAT32_RANGE = '±3.4028235e38';

/** A scan of float32 values: index of the first NaN or infinite value in values[from, to), or −1. */
export type Float32Scan = (values: Float32Array, from: number, to: number) => number;

/**
 * Below this many values the JS loop is as fast as a call into the addon;
 * above it the addon's scan (a few hundred values per microsecond more) wins.
 */
const NATIVE_SCAN_MIN = 256;

let float32Scan: Float32Scan | null = null;

/** Makes firstNonFinite use `scan` (the native addon's, once it has loaded) for float32 arrays. */
export function useFloat32Scan(scan: Float32Scan): void {
  float32Scan = scan;
}

/** Index of the first NaN or infinite value in values[from, to), or −1. */
export function firstNonFinite(values: ArrayLike<number>, from = 0, to = values.length): number {
  if (float32Scan !== null && to - from >= NATIVE_SCAN_MIN && values instanceof Float32Array) {
    return float32Scan(values, from, to);
  }
  for (let i = from; i < to; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}
