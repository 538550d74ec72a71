/**
 * A network in the shapes DESIGN §8 gives normalized blocks, dropout and
 * input normalization (options and getWeights()): networkToOnnx maps them
 * to the export, with PyTorch's default epsilon, no dropout node, and the
 * statistics folded in first; a real Network with normalized blocks,
 * trained on each engine, exports a model that predicts what it predicts.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, Network } from '../../lib/index.js';
import { BACKENDS } from '../api/backends';
import type { OnnxNetwork } from '../../lib/onnx/export';
import { networkToOnnx, type ExportableNetwork } from '../../lib/onnx/network';
import { random, randomLabels, uniform } from '../api/fixtures';
import { expectClose, runOnnx } from './onnx-runtime';
import { referenceForward } from './reference';

const next = random(31);
const values = (count: number, low = -1, high = 1) => uniform(next, 1, count, low, high);

const BATCH = { weight: values(6, 0.5, 1.5), bias: values(6), runningMean: values(6), runningVar: values(6, 0.001, 0.01) };
const LAYER = { weight: values(4, 0.5, 1.5), bias: values(4) };
const WEIGHTS = [
  { weight: values(6 * 3), bias: values(6), norm: BATCH },
  { weight: values(4 * 6), bias: values(4), norm: LAYER },
  { weight: values(2 * 4), bias: values(2) },
];

function network(options: Partial<ExportableNetwork['options']> = {}, weights = WEIGHTS): ExportableNetwork {
  return {
    options: {
      inputs: 3,
      layers: [
        { units: 6, activation: 'relu', normalization: 'batch', dropout: 0.3 },
        { units: 4, activation: 'gelu', normalization: { type: 'layer', epsilon: 0.01 }, dropout: 0.1 },
        { units: 2, activation: 'softmax' },
      ] as ExportableNetwork['options']['layers'],
      inputNormalization: { mean: [1, 2, 3], std: [0.5, 1, 2] },
      ...options,
    },
    getWeights: () => weights,
  };
}

/** The same network, spelled out for the reference (the §8 defaults written explicitly). */
const EXPECTED: OnnxNetwork = {
  inputs: 3,
  inputRecipe: { mean: [1, 2, 3], std: [0.5, 1, 2] },
  blocks: [
    { ...WEIGHTS[0], activation: 'relu', normalization: { type: 'batch', epsilon: 1e-5, ...BATCH } },
    { ...WEIGHTS[1], activation: 'gelu', normalization: { type: 'layer', epsilon: 0.01, ...LAYER } },
    { ...WEIGHTS[2], activation: 'softmax' },
  ],
};

describe('networkToOnnx of a network with normalized blocks, dropout and input normalization', () => {
  it.each([1, 25])('onnxruntime-web gives the PyTorch-formula reference, %i row(s)', async (rows) => {
    const x = uniform(next, rows, 3, -2, 6);
    expectClose(await runOnnx(networkToOnnx(network()), x, rows), referenceForward(EXPECTED, x, rows), 2);
  });

  it.each([
    [network({ inputNormalization: 'standardize' }), /inputNormalization has no statistics yet/],
    [network({}, [{ ...WEIGHTS[0], norm: undefined as never }, WEIGHTS[1], WEIGHTS[2]]), /layers\[0\] has batch normalization but getWeights\(\)\[0\] has no norm/],
    [network({}, [WEIGHTS[0], WEIGHTS[1], { ...WEIGHTS[2], norm: LAYER }]), /getWeights\(\)\[2\] has norm parameters but layers\[2\] no normalization/],
  ])('refuses what it cannot export faithfully (%#)', (given, message) => {
    expect(() => networkToOnnx(given)).toThrow(ArgumentError);
    expect(() => networkToOnnx(given)).toThrow(message);
  });

  it('refuses a second input recipe on top of the network’s own', () => {
    expect(() => networkToOnnx(network(), { inputRecipe: { min: [0, 0, 0], max: [1, 1, 1] } })).toThrow(/normalizes its inputs itself/);
  });
});

describe.each(BACKENDS)('a trained Network with normalized blocks on the %s engine', (backend) => {
  it('exports a model onnxruntime-web runs to its predictions, running statistics and epsilons included', async () => {
    const network = new Network({
      inputs: 3,
      layers: [
        { units: 7, activation: 'relu', normalization: { type: 'batch', momentum: 0.5, epsilon: 1e-3 }, dropout: 0.2 },
        { units: 5, activation: 'tanh', normalization: { type: 'layer', epsilon: 1e-2 } },
        { units: 4, activation: 'elu', normalization: 'batch' },
        { units: 2, activation: 'softmax' },
      ],
      loss: 'crossEntropy',
      inputNormalization: 'standardize',
      optimizer: { type: 'adam', learningRate: 0.05 },
      seed: 4,
      backend,
    });
    network.fitSync(uniform(next, 30, 3, -1, 4), randomLabels(next, 30, 2), { epochs: 3, batchSize: 8 });
    const x = uniform(next, 9, 3, -1, 4);
    expectClose(await runOnnx(network.toOnnx(), x, 9), network.predict(x), 2);
    network.dispose();
  });
});
