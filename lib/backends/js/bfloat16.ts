/**
 * Rounding to bfloat16 (the upper 16 bits of a float32), round to nearest
 * even, as the native engine does it (native/core/bfloat16.h): overflow
 * gives ±Infinity, a NaN stays a NaN (made quiet), subnormals round like
 * every other value. Works on the float32 bits through a Uint32Array view.
 */

/** Rounds bits[start … end) in place: float32 bit patterns become those of the nearest bfloat16. */
export function roundBitsToBfloat16(bits: Uint32Array, start: number, end: number): void {
  for (let i = start; i < end; i++) {
    const u = bits[i];
    // Typed-array stores wrap to 32 bits, so the sign bit survives `&`'s int32 result.
    bits[i] = (u & 0x7fffffff) > 0x7f800000 ? (u | 0x00400000) & 0xffff0000 : (u + 0x7fff + ((u >>> 16) & 1)) & 0xffff0000;
  }
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** The bfloat16 nearest to Math.fround(x), as a number. */
export function roundToBfloat16(x: number): number {
  scratch[0] = x;
  roundBitsToBfloat16(scratchBits, 0, 1);
  return scratch[0];
}
