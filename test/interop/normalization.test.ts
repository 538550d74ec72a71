/**
 * Batch and layer normalization against PyTorch (BatchNorm1d, LayerNorm) in
 * float64, at odd sizes, on every backend: the training-mode loss and every
 * gradient, eval-mode predictions from given running statistics, and three
 * SGD steps with the running statistics they leave (momentum, unbiased
 * variance). Then model files both ways: PyTorch rebuilds a saved network
 * with normalized blocks and dropout as an nn.Sequential and predicts the
 * same in eval mode; a model PyTorch trained, written in our layout, loads
 * here and predicts what PyTorch predicts.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Network, type LayerOptions, type LayerWeights } from '../../lib/index.js';
import { BACKENDS } from '../api/backends';
import { flatten, random, randomLabels, uniform } from '../api/fixtures';
import { requireTorch, runTorchScript, writeRows } from './torch';

const INPUTS = 7;
const ROWS = 3;
const CASES: { name: string; layers: LayerOptions[] }[] = [
  {
    name: 'batch then layer normalization',
    layers: [{ units: 5, activation: 'tanh', normalization: 'batch' }, { units: 4, activation: 'gelu', normalization: 'layer' }, { units: 2 }],
  },
  {
    name: 'batch normalization with options, on the output block too',
    layers: [{ units: 5, activation: 'elu', normalization: { type: 'batch', momentum: 0.3, epsilon: 1e-3 } }, { units: 3, activation: 'sigmoid', normalization: 'batch' }],
  },
];

interface Reference {
  loss: number;
  grads: number[];
  eval: number[];
  after: number[];
}

const next = random(17);
const X = uniform(next, 3 * ROWS, INPUTS, -2, 2);
const TARGETS = CASES.map(({ layers }) => uniform(next, 3 * ROWS, layers[layers.length - 1].units, -1, 1));
const FILE_X = uniform(next, 24, 5, -1, 3);

let directory: string;
/** PyTorch's answers, computed once for every backend: both start from the same bits. */
let references: Reference[];
let fromTorch: { outputs: number[][] };
beforeAll(async () => {
  requireTorch();
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backprop-normalization-interop-'));
  const cases = CASES.map(({ layers }, i) => {
    const net = network('js', layers);
    const weights = asLists(net.getWeights());
    net.dispose();
    return { inputs: INPUTS, layers, weights, x: Array.from(X), y: Array.from(TARGETS[i]), rows: ROWS, learningRate: 0.1, momentum: 0.9 };
  });
  const request = path.join(directory, 'request.json');
  await fs.writeFile(request, JSON.stringify({ cases }));
  references = runTorchScript<Reference[]>('torch_normalization.py', ['reference', request]);
  await writeRows(path.join(directory, 'rows.f32'), FILE_X);
  fromTorch = runTorchScript('torch_normalization.py', ['write', path.join(directory, 'from-torch.safetensors'), path.join(directory, 'rows.f32')]);
});
afterAll(async () => {
  if (directory) await fs.rm(directory, { recursive: true, force: true });
});

function expectNear(actual: ArrayLike<number>, expected: readonly number[], tolerance: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  expected.forEach((value, i) => {
    if (Math.abs(actual[i] - value) > tolerance * (1 + Math.abs(value))) {
      throw new Error(`${what}[${i}]: PyTorch ${value}, backprop ${actual[i]} (tolerance ${tolerance})`);
    }
  });
}

/** A case's network with γ, β and running statistics moved away from their initial values. */
function network(backend: (typeof BACKENDS)[number], layers: LayerOptions[]): Network {
  const net = new Network({ inputs: INPUTS, layers, loss: 'mse', optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 }, seed: 8, backend });
  const next = random(4);
  net.setWeights(
    net.getWeights().map((layer) => {
      if (!layer.norm) return layer;
      const norm = Object.fromEntries(Object.entries(layer.norm).map(([key, v]) => [key, uniform(next, 1, v.length, key === 'runningVar' ? 0.3 : -0.8, 1.6)]));
      return { ...layer, norm } as LayerWeights;
    }),
  );
  return net;
}

const asLists = (weights: LayerWeights[]) =>
  weights.map(({ weight, bias, norm }) => ({
    weight: Array.from(weight),
    bias: Array.from(bias),
    ...(norm && { norm: Object.fromEntries(Object.entries(norm).map(([key, v]) => [key, Array.from(v as Float32Array)])) }),
  }));

describe.each(BACKENDS)('normalization against PyTorch on the %s backend', (backend) => {
  it.each(CASES.map((c, i) => ({ ...c, i })))('$name: gradients (training mode), eval predictions, three SGD steps and the running statistics', ({ layers, i }) => {
    const x = X;
    const y = TARGETS[i];
    const outputs = layers[layers.length - 1].units;
    const net = network(backend, layers);
    const torch = references[i];

    const { loss, grads } = net.computeGradients(x.subarray(0, ROWS * INPUTS), y.subarray(0, ROWS * outputs));
    expect(loss).toBeCloseTo(torch.loss, 5);
    expectNear(flatten(grads), torch.grads, 2e-4, 'gradient');
    expectNear(net.predict(x), torch.eval, 2e-5, 'eval-mode output');
    for (let step = 0; step < 3; step++) {
      net.trainBatch(x.subarray(step * ROWS * INPUTS, (step + 1) * ROWS * INPUTS), y.subarray(step * ROWS * outputs, (step + 1) * ROWS * outputs));
    }
    expectNear(flatten(net.getWeights()), torch.after, 2e-4, 'state after three steps');
    net.dispose();
  });
});

describe.each(BACKENDS)('normalized model files cross to PyTorch and back on the %s backend', (backend) => {
  const x = FILE_X;

  it('PyTorch rebuilds a saved network (Linear, BatchNorm1d, ReLU, Dropout, Linear, LayerNorm, GELU, Linear, Softmax) and predicts the same', async () => {
    const net = new Network({
      inputs: 5,
      layers: [
        { units: 8, activation: 'relu', normalization: 'batch', dropout: 0.2 },
        { units: 6, activation: 'gelu', normalization: { type: 'layer', epsilon: 1e-4 } },
        { units: 3, activation: 'softmax' },
      ],
      loss: 'crossEntropy',
      seed: 2,
      backend,
    });
    net.fitSync(x, randomLabels(random(23), 24, 3), { epochs: 5, batchSize: 8 });
    const stem = path.join(directory, `${backend}-to-torch`);
    await net.save(`${stem}.safetensors`);
    await writeRows(`${stem}.f32`, x);
    const torch = runTorchScript<{ modules: string[]; outputs: number[][] }>('torch_predict.py', [`${stem}.safetensors`, `${stem}.f32`]);
    expect(torch.modules).toEqual(['Linear', 'BatchNorm1d', 'ReLU', 'Dropout', 'Linear', 'LayerNorm', 'GELU', 'Linear', 'Softmax']);
    expectNear(net.predict(x), torch.outputs.flat(), 1e-5, 'output');
  });

  it('loads a normalized model PyTorch trained and wrote in our layout, and predicts the same', async () => {
    const net = await Network.load(path.join(directory, 'from-torch.safetensors'), { backend });
    expect(net.options.layers.map((l) => l.normalization)).toEqual(['batch', 'layer', undefined]);
    expectNear(net.predict(x), fromTorch.outputs.flat(), 1e-5, 'output');
  });
});
