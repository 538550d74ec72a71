/** Seeded test data and small helpers over getWeights()-shaped parameter lists. */
import type { LayerWeights } from '../../lib/index.js';

/** A seeded uniform generator in [0, 1) (mulberry32), independent of the library's RNG. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** rows × cols values uniform in [low, high), row-major. */
export function uniform(next: () => number, rows: number, cols: number, low = -1, high = 1): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * next();
  return out;
}

export function randomLabels(next: () => number, rows: number, classes: number): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) out[i] = Math.floor(next() * classes);
  return out;
}

export function oneHot(labels: ArrayLike<number>, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) out[i * classes + labels[i]] = 1;
  return out;
}

/** Rows [start, end) of a flat row-major matrix. */
export function rowsOf<T extends Float32Array | Int32Array>(data: T, width: number, start: number, end: number): T {
  return data.slice(start * width, end * width) as T;
}

/** A layer's arrays in getWeights() order: weight, bias, then norm's weight, bias, runningMean, runningVar when present. */
function partsOf(layer: LayerWeights): Float32Array[] {
  const parts = [layer.weight, layer.bias];
  const norm = layer.norm as Partial<Record<'weight' | 'bias' | 'runningMean' | 'runningVar', Float32Array>> | undefined;
  if (norm !== undefined) for (const key of ['weight', 'bias', 'runningMean', 'runningVar'] as const) if (norm[key]) parts.push(norm[key]);
  return parts;
}

/** Every weight then bias (then norm arrays) of every layer, in getWeights() order, as one array. */
export function flatten(layers: readonly LayerWeights[]): Float32Array {
  const parts = layers.flatMap(partsOf);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The inverse of flatten(), shaped like `like`. */
export function unflatten(flat: ArrayLike<number>, like: readonly LayerWeights[]): LayerWeights[] {
  let offset = 0;
  const take = (count: number): Float32Array => {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = flat[offset + i];
    offset += count;
    return out;
  };
  return like.map((layer) => {
    const out: LayerWeights = { weight: take(layer.weight.length), bias: take(layer.bias.length) };
    if (layer.norm === undefined) return out;
    const norm: Record<string, Float32Array> = {};
    for (const [key, values] of Object.entries(layer.norm)) norm[key] = take((values as Float32Array).length);
    out.norm = norm as unknown as LayerWeights['norm'];
    return out;
  });
}

/** The raw bytes of every parameter, for bit-exact comparisons. */
export function bitsOf(layers: readonly LayerWeights[]): Buffer {
  const flat = flatten(layers);
  return Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength);
}

export function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

export function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

export function meanSquaredError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return sum / a.length;
}
