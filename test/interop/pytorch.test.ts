/**
 * Model files cross to PyTorch and back: an independent Python reader
 * (struct + json + torch.frombuffer) rebuilds our file as an nn.Sequential and
 * predicts what we predict; a model PyTorch trained and wrote in our layout
 * loads into a Network and predicts what PyTorch predicts.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, Network, type NetworkOptions } from '../../lib/index.js';
import { BACKENDS } from '../api/backends';
import { random, randomLabels, uniform } from '../api/fixtures';
import { requireTorch, runTorchScript, writeRows } from './torch';

const TOLERANCE = 1e-5;

let directory: string;
beforeAll(async () => {
  requireTorch();
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backprop-interop-'));
});
afterAll(async () => {
  if (directory) await fs.rm(directory, { recursive: true, force: true });
});

function expectClose(actual: Float32Array, expected: number[][], outputs: number): void {
  expect(expected.flat().length).toBe(actual.length);
  expected.forEach((row, r) => {
    expect(row.length).toBe(outputs);
    row.forEach((value, c) => {
      const got = actual[r * outputs + c];
      if (Math.abs(got - value) > TOLERANCE) {
        throw new Error(`row ${r}, output ${c}: PyTorch ${value}, backprop ${got} (tolerance ${TOLERANCE})`);
      }
    });
  });
}

const next = random(11);
const INPUTS = 5;
const X = uniform(next, 24, INPUTS, -2, 2);

/** Every activation the file format can name, each in a network trained for a few epochs. */
const MODELS: { name: string; options: NetworkOptions; y: Float32Array | Int32Array; modules: string[] }[] = [
  {
    name: 'linear, sigmoid, tanh, relu, softmax',
    options: {
      inputs: INPUTS,
      layers: [
        { units: 7, activation: 'linear' },
        { units: 6, activation: 'sigmoid' },
        { units: 6, activation: 'tanh' },
        { units: 5, activation: 'relu' },
        { units: 3, activation: 'softmax' },
      ],
      loss: 'crossEntropy',
      optimizer: { type: 'adam', learningRate: 0.01 },
      seed: 4,
    },
    y: randomLabels(next, 24, 3),
    modules: ['Linear', 'Identity', 'Linear', 'Sigmoid', 'Linear', 'Tanh', 'Linear', 'ReLU', 'Linear', 'Softmax'],
  },
  {
    name: 'leakyRelu, elu, gelu, linear output',
    options: {
      inputs: INPUTS,
      layers: [
        { units: 8, activation: 'leakyRelu' },
        { units: 6, activation: 'elu' },
        { units: 6, activation: 'gelu' },
        { units: 2 },
      ],
      loss: 'mse',
      optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.9 },
      seed: 5,
    },
    y: uniform(next, 24, 2),
    modules: ['Linear', 'LeakyReLU', 'Linear', 'ELU', 'Linear', 'GELU', 'Linear', 'Identity'],
  },
];

describe.each(BACKENDS)('PyTorch interop on the %s backend', (backend) => {
  it.each(MODELS)('PyTorch reads a saved model ($name) and predicts the same', async ({ name, options, y, modules }) => {
    const net = new Network({ ...options, backend });
    net.fitSync(X, y, { epochs: 5, batchSize: 8 });
    const stem = path.join(directory, `${backend}-${name.replace(/\W+/g, '-')}`);
    await net.save(`${stem}.safetensors`);
    await writeRows(`${stem}.f32`, X);
    const torch = runTorchScript<{ modules: string[]; outputs: number[][] }>('torch_predict.py', [
      `${stem}.safetensors`,
      `${stem}.f32`,
    ]);
    expect(torch.modules).toEqual(modules);
    expectClose(net.predict(X), torch.outputs, net.outputs);
  });

  it('loads a model PyTorch trained and wrote in our layout, and predicts the same', async () => {
    const stem = path.join(directory, `${backend}-from-torch`);
    await writeRows(`${stem}.f32`, X);
    const torch = runTorchScript<{ outputs: number[][] }>('torch_train_write.py', [`${stem}.safetensors`, `${stem}.f32`]);
    const net = await Network.load(`${stem}.safetensors`, { backend });
    expect(net.options).toEqual({
      inputs: INPUTS,
      layers: [
        { units: 8, activation: 'tanh' },
        { units: 6, activation: 'gelu' },
        { units: 3, activation: 'softmax' },
      ],
      loss: 'crossEntropy',
      optimizer: { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
      // The file records no precision: float32, as before the option existed.
      precision: 'float32',
    });
    expectClose(net.predict(X), torch.outputs, 3);
    // It trains on from there.
    const before = net.evaluate(X, MODELS[0].y).loss;
    net.fitSync(X, MODELS[0].y, { epochs: 20, batchSize: 24 });
    expect(net.evaluate(X, MODELS[0].y).loss).toBeLessThan(before);
  });
});

describe('a plain PyTorch state_dict saved as safetensors', () => {
  it('is refused with a FormatError naming the missing architecture', async () => {
    const stem = path.join(directory, 'plain-state-dict');
    await writeRows(`${stem}.f32`, X);
    runTorchScript('torch_train_write.py', [`${stem}.safetensors`, `${stem}.f32`, '--no-metadata']);
    const loading = Network.load(`${stem}.safetensors`);
    await expect(loading).rejects.toThrow(FormatError);
    await expect(loading).rejects.toThrow(/__metadata__ has no "architecture"/);
  });
});
