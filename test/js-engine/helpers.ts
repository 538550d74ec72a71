/** Deterministic data for the js-engine tests. */

/** A small linear congruential generator: uniform numbers in [lo, hi). */
export function uniform(seed: number, lo = -1, hi = 1): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * state) / 4294967296;
  };
}

export function randomArray(length: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = uniform(seed, lo, hi);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = next();
  return out;
}
