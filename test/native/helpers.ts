/** Shared pieces of the native-addon tests: the loaded engine, the raw addon, small models and data. */
import { createRequire } from 'node:module';
import path from 'node:path';
import { parameterLayout, type Engine, type LayerSpec, type LossName, type ModelSpec } from '../../lib/backends/backend';
import { loadNativeEngine } from '../../lib/backends/native';
import { resolveOptimizer } from '../../lib/spec';
import { packageRoot } from '../support/built-facade';

export { ensureBuiltFacade, packageRoot } from '../support/built-facade';
export const fixtures = path.join(__dirname, 'fixtures');

/** The native engine; the tests need it, so failing to load is a failure. */
export function nativeEngine(): Engine {
  const loaded = loadNativeEngine();
  if ('error' in loaded) throw new Error(`the native engine did not load: ${loaded.error}`);
  return loaded.engine;
}

/** A NativeModel seen without types, to pass it what the adapter's types would refuse. */
export type LooseModel = Record<string, (...args: unknown[]) => unknown>;

export interface LooseAddon {
  info(...args: unknown[]): { isa: string; threads: number; isaSupported: string[] };
  setErrorClasses(...args: unknown[]): void;
  NativeModel: new (...args: unknown[]) => LooseModel;
}

/** The raw addon of this environment, after loadNativeEngine registered the facade's error classes. */
export function looseAddon(): LooseAddon {
  const { binary } = nativeEngine().info;
  return createRequire(__filename)(binary) as LooseAddon;
}

export function modelSpec(inputs: number, layers: LayerSpec[], loss: LossName, optimizer = 'adam'): ModelSpec {
  return { inputs, layers, loss, optimizer: resolveOptimizer(optimizer), precision: 'float32' };
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

/** An epoch order visiting the rows `repeats` times, in a fixed order. */
export function repeatedOrder(rows: number, repeats: number): Int32Array {
  const order = new Int32Array(rows * repeats);
  for (let i = 0; i < order.length; i++) order[i] = (i * 7919) % rows;
  return order;
}

/** Runs `npm run build` when dist/ is missing or older than lib/ (child processes need the built facade). */
