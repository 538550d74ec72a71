/** Building js-engine models for tests, and a plain double-precision forward pass to check them against. */
import {
  parameterLayout,
  type Activation,
  type EngineModel,
  type LayerSpec,
  type LossName,
  type ModelSpec,
  type OptimizerSettings,
} from '../../lib/backends/backend.js';
import { jsEngine } from '../../lib/backends/js/index.js';
import { randomArray } from './helpers';

export const sgdSettings: OptimizerSettings = {
  type: 'sgd', learningRate: 0.1, momentum: 0, nesterov: false, weightDecay: 0,
  beta1: 0.9, beta2: 0.999, epsilon: 1e-8, alpha: 0.99,
};

export function twoLayerSpec(
  inputs: number, hidden: Activation, units: number, output: Activation, outputs: number, loss: LossName,
  optimizer: OptimizerSettings = sgdSettings,
): ModelSpec {
  const layers: LayerSpec[] = [
    { units, activation: hidden },
    { units: outputs, activation: output },
  ];
  return { inputs, layers, loss, optimizer, precision: 'float32' };
}

export function createModel(spec: ModelSpec, seed: number): { model: EngineModel; params: Float32Array } {
  const params = randomArray(parameterLayout(spec).size, seed, -0.8, 0.8);
  return { model: jsEngine.createModel(spec, params), params };
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
