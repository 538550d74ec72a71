/**
 * The new block parts and losses against PyTorch in float64: label
 * smoothing (CrossEntropyLoss(label_smoothing)), HuberLoss(delta), L1Loss and
 * the L1/L2 weight penalties, at odd sizes: the training loss and every
 * gradient computeGradients gives, on both backends.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Network, type LayerOptions, type NetworkOptions } from '../../lib/index.js';
import { BACKENDS } from '../api/backends';
import { flatten, random, randomLabels, uniform } from '../api/fixtures';
import { requireTorch, runTorchScript } from './torch';

interface Case {
  name: string;
  layers: LayerOptions[];
  loss: NonNullable<NetworkOptions['loss']>;
  labels: boolean;
}

const INPUTS = 5;
const ROWS = 9;
const CASES: Case[] = [
  { name: 'label smoothing 0.1, labels', layers: [{ units: 7, activation: 'relu' }, { units: 3, activation: 'softmax' }], loss: { type: 'crossEntropy', labelSmoothing: 0.1 }, labels: true },
  { name: 'label smoothing 0.3, soft targets', layers: [{ units: 7, activation: 'gelu' }, { units: 5, activation: 'softmax' }], loss: { type: 'crossEntropy', labelSmoothing: 0.3 }, labels: false },
  { name: 'huber delta 0.5', layers: [{ units: 7, activation: 'tanh' }, { units: 3 }], loss: { type: 'huber', delta: 0.5 }, labels: false },
  { name: 'huber delta 2, sigmoid output', layers: [{ units: 7, activation: 'elu' }, { units: 3, activation: 'sigmoid' }], loss: { type: 'huber', delta: 2 }, labels: false },
  { name: 'mae', layers: [{ units: 7, activation: 'leakyRelu' }, { units: 3 }], loss: 'mae', labels: false },
  { name: 'l1 and l2', layers: [{ units: 7, activation: 'tanh', l1: 1e-2, l2: 3e-2 }, { units: 3, activation: 'softmax', l2: 0.05 }], loss: 'crossEntropy', labels: true },
];

let directory: string;
beforeAll(async () => {
  requireTorch();
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backprop-blocks-'));
});
afterAll(async () => {
  if (directory) await fs.rm(directory, { recursive: true, force: true });
});

function dataOf(c: Case, seed: number): { x: Float32Array; y: Float32Array | Int32Array } {
  const next = random(seed);
  const outputs = c.layers[c.layers.length - 1].units;
  const x = uniform(next, ROWS, INPUTS, -2, 2);
  if (c.labels) return { x, y: randomLabels(next, ROWS, outputs) };
  if (c.layers[c.layers.length - 1].activation !== 'softmax') return { x, y: uniform(next, ROWS, outputs, -1.5, 1.5) };
  const y = uniform(next, ROWS, outputs, 0.05, 1);
  for (let r = 0; r < ROWS; r++) {
    let sum = 0;
    for (let j = 0; j < outputs; j++) sum += y[r * outputs + j];
    for (let j = 0; j < outputs; j++) y[r * outputs + j] /= sum;
  }
  return { x, y };
}

interface Run {
  backend: (typeof BACKENDS)[number];
  c: Case;
  x: Float32Array;
  y: Float32Array | Int32Array;
  weights: { weight: number[]; bias: number[] }[];
  loss: number;
  grads: Float32Array;
}

describe('blocks against PyTorch float64', () => {
  it('training loss and gradients of every case, on every backend (one PyTorch run)', async () => {
    const runs: Run[] = BACKENDS.flatMap((backend) =>
      CASES.map((c, i) => {
        const net = new Network({ inputs: INPUTS, layers: c.layers, loss: c.loss, seed: 11 + i, backend });
        const { x, y } = dataOf(c, 40 + i);
        const result = net.computeGradients(x, y);
        const weights = net.getWeights().map(({ weight, bias }) => ({ weight: Array.from(weight), bias: Array.from(bias) }));
        net.dispose();
        return { backend, c, x, y, weights, loss: result.loss, grads: flatten(result.grads) };
      }),
    );
    const file = path.join(directory, 'request.json');
    await fs.writeFile(file, JSON.stringify({
      cases: runs.map(({ c, x, y, weights }) => ({
        inputs: INPUTS, layers: c.layers, loss: c.loss, labels: c.labels, weights, x: Array.from(x), y: Array.from(y),
      })),
    }));
    const torch = runTorchScript<{ cases: { loss: number; grads: number[] }[] }>('torch_blocks.py', [file]);
    runs.forEach(({ backend, c, loss, grads }, i) => {
      const expected = torch.cases[i];
      const name = `${c.name} on ${backend}`;
      expect(loss, name).toBeCloseTo(expected.loss, 5);
      expect(grads.length).toBe(expected.grads.length);
      const scale = Math.max(...expected.grads.map(Math.abs));
      grads.forEach((g, j) => {
        if (Math.abs(g - expected.grads[j]) > 1e-5 * scale + 1e-7) {
          throw new Error(`${name}: gradient ${j} is ${g}, PyTorch ${expected.grads[j]}`);
        }
      });
    });
  });
});
