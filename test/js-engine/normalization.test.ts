/**
 * The js backend's normalization at the seam: the running statistics live
 * in the model state's tail, move only with an applied step (not with a
 * step whose loss is not finite, never with computeGradients), and the
 * optimizer's state covers the parameters only.
 */
import { describe, expect, it } from 'vitest';
import { jsBackend } from '../../lib/backends/js/index.js';
import { parameterLayout, type ModelSpec } from '../../lib/model-spec.js';
import { randomArray } from './helpers';
import { twoLayerSpec } from './model-helpers';

function normalizedSpec(): ModelSpec {
  const spec = twoLayerSpec(4, 'tanh', 5, 'linear', 2, 'mse');
  return { ...spec, layers: [{ ...spec.layers[0], normalization: { type: 'batch', momentum: 0.1, epsilon: 1e-5 } }, spec.layers[1]] };
}

describe('batch normalization in the js backend', () => {
  const spec = normalizedSpec();
  const layout = parameterLayout(spec);
  const x = randomArray(3 * 4, 5, -1, 1);
  const y = randomArray(3 * 2, 6, -1, 1);

  it('lays out γ, β after the layer and the running statistics after every parameter', () => {
    expect(layout.layers[0]).toMatchObject({ weight: 0, bias: 20, normWeight: 25, normBias: 30, runningMean: 47, runningVar: 52 });
    expect(layout.size).toBe(47);
    expect(layout.stateSize).toBe(57);
    expect(layout.layers[1]).toMatchObject({ weight: 35, bias: 45, normWeight: -1, runningMean: -1 });
  });

  it('moves the running statistics with an applied step only, and keeps optimizer state to the parameters', () => {
    const params = randomArray(layout.stateSize, 7, -0.8, 0.8);
    params.fill(0, layout.layers[0].runningMean, layout.layers[0].runningMean + 5);
    params.fill(1, layout.layers[0].runningVar, layout.layers[0].runningVar + 5);
    const model = jsBackend.createModel(spec, params);
    const grads = new Float32Array(layout.size);
    const before = params.slice();
    model.computeGradients(params, x, y, 3, grads, null);
    expect(params).toEqual(before);
    expect(Number.isFinite(model.trainBatch(x, y, 3, 0.1, null))).toBe(true);
    expect(params.subarray(layout.size)).not.toEqual(before.subarray(layout.size));
    expect(model.optimizerState().first).toHaveLength(layout.size);
    // Weights beyond float32 after the product: the loss is not finite, nothing moves.
    params.fill(3e38, 0, 20);
    const stuck = params.slice();
    expect(Number.isFinite(model.trainBatch(x, y, 3, 0.1, null))).toBe(false);
    expect(params).toEqual(stuck);
  });
});
