/** Shared pieces of the native-addon tests: the loaded backend, the raw addon, small models and data. */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Backend, TrainingPlan } from '../../lib/backends/backend';
import { loadNativeBackend } from '../../lib/backends/native';
import { parameterLayout, type LayerSpec, type LossName, type ModelSpec, type Targets } from '../../lib/model-spec';
import { resolveOptimizer } from '../../lib/spec';
import { packageRoot } from '../support/built-facade';

export { ensureBuiltFacade, packageRoot } from '../support/built-facade';
export const fixtures = path.join(__dirname, 'fixtures');

/** The native backend; the tests need it, so failing to load is a failure. */
export function nativeBackend(): Backend {
  const loaded = loadNativeBackend();
  if ('error' in loaded) throw new Error(`the native backend did not load: ${loaded.error}`);
  return loaded.backend;
}

/** A NativeModel seen without types, to pass it what the adapter's types would refuse. */
export type LooseModel = Record<string, (...args: unknown[]) => unknown>;

export interface LooseAddon {
  info(...args: unknown[]): { isa: string; threads: number; isaSupported: string[] };
  setErrorClasses(...args: unknown[]): void;
  firstNonFinite(...args: unknown[]): number;
  NativeModel: new (...args: unknown[]) => LooseModel;
}

/** The raw addon of this environment, after loadNativeBackend registered the facade's error classes. */
export function looseAddon(): LooseAddon {
  const { binary } = nativeBackend().info;
  return createRequire(__filename)(binary) as LooseAddon;
}

export function modelSpec(
  inputs: number, layers: Pick<LayerSpec, 'units' | 'activation'>[], loss: LossName, optimizer = 'adam',
): ModelSpec {
  return {
    inputs,
    layers: layers.map((layer) => ({ l1: 0, l2: 0, dropout: 0, ...layer })),
    loss,
    lossParameters: { labelSmoothing: 0, delta: 1 },
    optimizer: resolveOptimizer(optimizer),
    dropoutSeed: 0,
    precision: 'float32',
  };
}

/** Deterministic small weights in [-0.5, 0.5), biases 0. */
export function initialParams(spec: ModelSpec, seed = 1): Float32Array {
  const { layers, size } = parameterLayout(spec);
  const params = new Float32Array(size);
  let state = seed >>> 0;
  for (const layer of layers) {
    const scale = 1 / Math.sqrt(layer.inputs);
    for (let i = layer.weight; i < layer.bias; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      params[i] = (state / 2 ** 32 - 0.5) * 2 * scale;
    }
  }
  return params;
}

/** rows samples of `inputs` features and labels in [0, classes), learnable (label = argmax of the first features). */
export function classification(rows: number, inputs: number, classes: number, seed = 7) {
  const x = new Float32Array(rows * inputs);
  const labels = new Int32Array(rows);
  let state = seed >>> 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let i = 0; i < inputs; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      x[r * inputs + i] = state / 2 ** 32;
      if (i < classes && x[r * inputs + i] > x[r * inputs + best]) best = i;
    }
    labels[r] = best;
  }
  return { x, labels };
}

/** A fixed permutation of [0, rows) (rows must not be a multiple of 7919). */
export function scrambledOrder(rows: number): Int32Array {
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = (i * 7919) % rows;
  return order;
}

/** Index of the first element whose value differs (Object.is), -1 when none: toEqual is slow on large arrays. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** The learning rate these tests train at (Adam's default). */
export const LEARNING_RATE = 1e-3;

/** A training plan over these rows (fresh stats, copied order, one learning rate), as the facade hands one to a backend. */
export function trainingPlan(x: Float32Array, targets: Targets, order: Int32Array, batchSize: number): TrainingPlan {
  const rows = order.length;
  const batches = Math.ceil(rows / batchSize);
  return {
    x, targets, rows, order: order.slice(), batchSize, rowWeights: null,
    learningRates: new Float64Array(batches).fill(LEARNING_RATE), stats: new Float64Array(2 * batches),
  };
}
