/**
 * Finiteness in float32: what the engines compute in, and what the model
 * files hold. A number beyond ±3.4028235e38 (more exactly, at or past the
 * point where rounding to float32 gives Infinity) is not representable.
 */

/** For messages: the largest finite float32. */
export const FLOAT32_RANGE = '±3.4028235e38';

/** Index of the first NaN or infinite value in values[from, to), or −1. */
export function firstNonFinite(values: ArrayLike<number>, from = 0, to = values.length): number {
  for (let i = from; i < to; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}
