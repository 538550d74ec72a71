import { describe, expect, it } from 'vitest';
import { parameterLayout, type Activation, type LossName, type Targets } from '../../lib/model-spec.js';
import { randomArray } from './helpers';
import { createModel, twoLayerSpec } from './model-helpers';

const INPUTS = 3;
const UNITS = 5;
const OUTPUTS = 4;
const ROWS = 6;
const H = 5e-3;

/**
 * Smallest |z| over the hidden pre-activations. A step of H on one parameter
 * moves a z by at most H·(1 + Σ|x|); staying clear of 0 keeps relu-like
 * layers differentiable across the central difference.
 */
function nearestKinkDistance(x: Float32Array, params: Float32Array): number {
  let nearest = Infinity;
  for (let r = 0; r < ROWS; r++) {
    for (let u = 0; u < UNITS; u++) {
      let z = params[UNITS * INPUTS + u];
      for (let k = 0; k < INPUTS; k++) z += params[u * INPUTS + k] * x[r * INPUTS + k];
      nearest = Math.min(nearest, Math.abs(z));
    }
  }
  return nearest;
}

const cases: ReadonlyArray<{
  name: string; loss: LossName; hidden: Activation; output: Activation; targets: () => Targets;
}> = [
  { name: 'mse through sigmoid', loss: 'mse', hidden: 'gelu', output: 'sigmoid',
    targets: () => randomArray(ROWS * OUTPUTS, 3, 0, 1) },
  { name: 'mse through softmax', loss: 'mse', hidden: 'tanh', output: 'softmax',
    targets: () => randomArray(ROWS * OUTPUTS, 4, 0, 1) },
  { name: 'mse, linear output', loss: 'mse', hidden: 'elu', output: 'linear',
    targets: () => randomArray(ROWS * OUTPUTS, 5) },
  { name: 'binaryCrossEntropy', loss: 'binaryCrossEntropy', hidden: 'elu', output: 'sigmoid',
    targets: () => randomArray(ROWS * OUTPUTS, 6, 0, 1) },
  { name: 'crossEntropy, dense targets', loss: 'crossEntropy', hidden: 'leakyRelu', output: 'softmax',
    targets: () => {
      const t = randomArray(ROWS * OUTPUTS, 7, 0, 1);
      for (let r = 0; r < ROWS; r++) {
        let s = 0;
        for (let j = 0; j < OUTPUTS; j++) s += t[r * OUTPUTS + j];
        for (let j = 0; j < OUTPUTS; j++) t[r * OUTPUTS + j] /= s;
      }
      return t;
    } },
  { name: 'crossEntropy, dense targets not summing to 1', loss: 'crossEntropy', hidden: 'tanh', output: 'softmax',
    targets: () => randomArray(ROWS * OUTPUTS, 9, 0, 1) },
  { name: 'crossEntropy, labels', loss: 'crossEntropy', hidden: 'sigmoid', output: 'softmax',
    targets: () => Int32Array.from({ length: ROWS }, (_, r) => (r * 3) % OUTPUTS) },
  { name: 'crossEntropy, labels, relu', loss: 'crossEntropy', hidden: 'relu', output: 'softmax',
    targets: () => Int32Array.from({ length: ROWS }, (_, r) => (r * 3) % OUTPUTS) },
  { name: 'binaryCrossEntropy, leakyRelu', loss: 'binaryCrossEntropy', hidden: 'leakyRelu', output: 'sigmoid',
    targets: () => randomArray(ROWS * OUTPUTS, 8, 0, 1) },
];

describe.each(cases)('$name', ({ loss, hidden, output, targets: makeTargets }) => {
  it('computeGradients matches central differences of the loss, for every parameter', () => {
    const spec = twoLayerSpec(INPUTS, hidden, UNITS, output, OUTPUTS, loss);
    const { model, params } = createModel(spec, 21);
    const x = randomArray(ROWS * INPUTS, 30, -2, 2);
    expect(nearestKinkDistance(x, params)).toBeGreaterThan(H * (1 + 2 * INPUTS));
    const targets = makeTargets();
    const before = params.slice();
    const grads = new Float32Array(parameterLayout(spec).size).fill(Number.NaN);
    const value = model.computeGradients(params, x, targets, ROWS, grads, null);

    expect(value).toBeCloseTo(model.evaluate(params, x, targets, ROWS, null).loss, 6);
    expect(params).toEqual(before); // nothing updated
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      params[i] = p + H;
      const plusAt = params[i];
      const plus = model.evaluate(params, x, targets, ROWS, null).loss;
      params[i] = p - H;
      const minusAt = params[i];
      const minus = model.evaluate(params, x, targets, ROWS, null).loss;
      params[i] = p;
      const numeric = (plus - minus) / (plusAt - minusAt);
      expect(Math.abs(grads[i] - numeric)).toBeLessThan(2e-4 + 1e-2 * Math.abs(numeric));
    }
  });
});
