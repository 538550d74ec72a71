/**
 * Inverted dropout with masks from a counter-based generator: whether unit
 * `element` (row · units + unit, within the batch) of layer `layer` is kept
 * at optimizer step `step` depends only on (seed, step, layer, element), so
 * nothing is stored between forward and backward, and native/core/dropout.cpp
 * (the same arithmetic in uint32) drops the same units.
 */

/** A 32-bit finalizer (murmur3's fmix32): a bijection that mixes every bit. */
function mix(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The key of one layer's masks at one step; `step` counts modulo 2^32. */
export function maskKey(seed: number, step: number, layer: number): number {
  return mix(mix(mix(seed) ^ (step >>> 0)) ^ layer);
}

/** The uniform 32-bit draw of one element under a layer's key. */
export function draw(key: number, element: number): number {
  return mix(key ^ Math.imul(element, 0x9e3779b9));
}

/** Draws below this drop the unit: floor(p · 2^32). */
export function dropThreshold(rate: number): number {
  return Math.floor(rate * 2 ** 32);
}

/** out = a with dropped units 0 and kept ones scaled by 1/(1 − p), over n elements. */
export function dropForward(a: Float32Array, out: Float32Array, n: number, key: number, rate: number): void {
  const threshold = dropThreshold(rate);
  const scale = Math.fround(1 / (1 - rate));
  for (let i = 0; i < n; i++) out[i] = draw(key, i) < threshold ? 0 : a[i] * scale;
}

/** d (dL/d(dropped output)) into dL/d(activation output), in place. */
export function dropBackward(d: Float32Array, n: number, key: number, rate: number): void {
  const threshold = dropThreshold(rate);
  const scale = Math.fround(1 / (1 - rate));
  for (let i = 0; i < n; i++) d[i] = draw(key, i) < threshold ? 0 : d[i] * scale;
}
