/** Building js-backend models for tests, and a plain double-precision forward pass to check them against. */
import type { BackendModel, TrainingPlan } from '../../lib/backends/backend.js';
import { jsBackend } from '../../lib/backends/js/index.js';
import { sharedFloat32, sharedFloat64, sharedInt32 } from '../../lib/backends/shared-memory.js';
import {
  parameterLayout,
  type Activation,
  type LayerSpec,
  type LossName,
  type ModelSpec,
  type OptimizerSettings,
  type Targets,
} from '../../lib/model-spec.js';
import { randomArray } from './helpers';

export const sgdSettings: OptimizerSettings = {
  type: 'sgd', learningRate: 0.1, momentum: 0, nesterov: false, weightDecay: 0,
  beta1: 0.9, beta2: 0.999, epsilon: 1e-8, alpha: 0.99, clipNorm: 0, clipValue: 0,
};

export function twoLayerSpec(
  inputs: number, hidden: Activation, units: number, output: Activation, outputs: number, loss: LossName,
  optimizer: OptimizerSettings = sgdSettings,
): ModelSpec {
  const layers: LayerSpec[] = [
    { units, activation: hidden, l1: 0, l2: 0, dropout: 0, normalization: null },
    { units: outputs, activation: output, l1: 0, l2: 0, dropout: 0, normalization: null },
  ];
  return { inputs, layers, loss, lossParameters: { labelSmoothing: 0, delta: 1 }, optimizer, dropoutSeed: 0, precision: 'float32' };
}

/** A model over seeded random params; `shared` puts them in a SharedArrayBuffer (what an async fit needs). */
export function createModel(spec: ModelSpec, seed: number, shared = false): { model: BackendModel; params: Float32Array } {
  const random = randomArray(parameterLayout(spec).size, seed, -0.8, 0.8);
  const params = shared ? sharedFloat32(random.length) : random;
  if (shared) params.set(random);
  return { model: jsBackend.createModel(spec, params), params };
}

/** A copy of `source` over a SharedArrayBuffer. */
export function sharedCopy<T extends Float32Array | Float64Array | Int32Array>(source: T): T {
  const copy = source instanceof Float32Array ? sharedFloat32(source.length)
    : source instanceof Float64Array ? sharedFloat64(source.length)
      : sharedInt32(source.length);
  copy.set(source);
  return copy as T;
}

/**
 * A training plan whose arrays are all fresh shared copies (stats zeroed),
 * as the facade builds for an async fit, at one learning rate for every batch.
 */
export function sharedPlan(x: Float32Array, targets: Targets, order: Int32Array, batchSize: number, learningRate: number): TrainingPlan {
  const batches = Math.ceil(order.length / batchSize);
  return {
    x: sharedCopy(x),
    targets: sharedCopy(targets),
    rows: order.length,
    order: sharedCopy(order),
    batchSize,
    rowWeights: null,
    learningRates: sharedCopy(new Float64Array(batches).fill(learningRate)),
    stats: sharedFloat64(2 * batches),
  };
}

/** Network outputs in double, straight from the definitions, row by row. */
export function referenceForward(spec: ModelSpec, params: Float32Array, x: Float32Array, rows: number): number[][] {
  const { layers } = parameterLayout(spec);
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) {
    let v = Array.from(x.subarray(r * spec.inputs, (r + 1) * spec.inputs));
    layers.forEach((l, i) => {
      const z: number[] = [];
      for (let u = 0; u < l.units; u++) {
        let s = params[l.bias + u];
        for (let k = 0; k < l.inputs; k++) s += params[l.weight + u * l.inputs + k] * v[k];
        z.push(s);
      }
      v = referenceActivation(spec.layers[i].activation, z);
    });
    out.push(v);
  }
  return out;
}

function referenceActivation(name: Activation, z: number[]): number[] {
  switch (name) {
    case 'relu': return z.map((v) => Math.max(v, 0));
    case 'tanh': return z.map(Math.tanh);
    case 'sigmoid': return z.map((v) => 1 / (1 + Math.exp(-v)));
    case 'softmax': {
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const s = e.reduce((p, q) => p + q, 0);
      return e.map((v) => v / s);
    }
    case 'linear': return z;
    default: throw new Error(`no reference for ${name} in these tests`);
  }
}
