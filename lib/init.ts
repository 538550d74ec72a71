/**
 * Weight initialisation. He (Kaiming) uniform, bound √(6 / fan_in), for the
 * ReLU family (relu, leakyRelu, elu, gelu); Glorot (Xavier) uniform, bound
 * √(6 / (fan_in + fan_out)), for linear, sigmoid, tanh and softmax layers.
 * Biases start at 0. Drawn from the facade's seeded RNG, layer by layer,
 * weights row-major. Normalization starts as PyTorch's: norm.weight 1,
 * norm.bias 0, running_mean 0, running_var 1 (no draw, so a normalized
 * network's Linear weights are those of the same network without it).
 */
import { parameterLayout, type Activation, type ModelSpec } from './model-spec';
import type { Rng } from './rng';

const RELU_FAMILY: readonly Activation[] = ['relu', 'leakyRelu', 'elu', 'gelu'];

export function initialBound(activation: Activation, fanIn: number, fanOut: number): number {
  return RELU_FAMILY.includes(activation) ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
}

export function initializeParameters(spec: ModelSpec, params: Float32Array, rng: Rng): void {
  const { layers } = parameterLayout(spec);
  layers.forEach((layer, i) => {
    const bound = initialBound(spec.layers[i].activation, layer.inputs, layer.units);
    const end = layer.weight + layer.units * layer.inputs;
    for (let p = layer.weight; p < end; p++) params[p] = (2 * rng.nextDouble() - 1) * bound;
    params.fill(0, layer.bias, layer.bias + layer.units);
    if (layer.normWeight >= 0) {
      params.fill(1, layer.normWeight, layer.normWeight + layer.units);
      params.fill(0, layer.normBias, layer.normBias + layer.units);
    }
    if (layer.runningMean >= 0) {
      params.fill(0, layer.runningMean, layer.runningMean + layer.units);
      params.fill(1, layer.runningVar, layer.runningVar + layer.units);
    }
  });
}
