/**
 * Training control against its references: every learning-rate schedule
 * gives the rates PyTorch's scheduler gives, epoch by epoch (batch by batch
 * for oneCycle); gradient clipping takes the step PyTorch takes after
 * clip_grad_norm_ / clip_grad_value_; the metrics are scikit-learn's.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Network, type FitOptions, type NetworkOptions } from '../../lib/index.js';
import { metricsOf } from '../../lib/metrics.js';
import { BACKENDS } from '../api/backends';
import { random, randomLabels, uniform } from '../api/fixtures';
import { PYTHON, requireTorch, runTorchScript } from './torch';
import { spawnSync } from 'node:child_process';

let directory: string;
beforeAll(async () => {
  requireTorch();
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backprop-control-'));
});
afterAll(async () => {
  if (directory) await fs.rm(directory, { recursive: true, force: true });
});

async function request(name: string, body: unknown): Promise<string> {
  const file = path.join(directory, `${name}.json`);
  await fs.writeFile(file, JSON.stringify(body));
  return file;
}

function expectRelativelyClose(actual: number[], expected: number[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, i) => {
    const scale = Math.max(Math.abs(expected[i]), 1e-12);
    if (Math.abs(value - expected[i]) / scale > tolerance) {
      throw new Error(`entry ${i}: expected ${expected[i]}, got ${value} (relative tolerance ${tolerance})`);
    }
  });
}

const EPOCHS = 7;
const ROWS = 96;
const BATCH = 16;
const next = random(5);
const X = uniform(next, ROWS, 4);
const LABELS = randomLabels(next, ROWS, 3);

function network(backend: NetworkOptions['backend'], optimizer: NetworkOptions['optimizer'] = { type: 'sgd', learningRate: 0.1 }): Network {
  return new Network({
    inputs: 4,
    layers: [{ units: 5, activation: 'relu' }, { units: 3, activation: 'softmax' }],
    loss: 'crossEntropy',
    optimizer,
    seed: 2,
    backend,
  });
}

const SCHEDULES: NonNullable<FitOptions['schedule']>[] = [
  { type: 'step', stepSize: 2, gamma: 0.5 },
  { type: 'exponential', gamma: 0.8 },
  { type: 'cosine', minLearningRate: 0.001 },
  { type: 'cosine', epochs: 3 },
  { type: 'plateau', patience: 1, factor: 0.5, threshold: 0.01 },
];

describe.each(BACKENDS)('schedules and clipping on the %s backend, against PyTorch', (backend) => {
  it('every epoch schedule starts each epoch at the rate PyTorch gives it', async () => {
    const runs = [];
    for (const schedule of SCHEDULES) {
      const net = network(backend);
      const history = await net.fit(X, LABELS, { epochs: EPOCHS, batchSize: BATCH, validationSplit: 0.25, schedule });
      runs.push({ schedule, history });
      net.dispose();
    }
    const torch = runTorchScript<{ schedules: number[][] }>('torch_training_control.py', [
      await request('schedules', {
        schedules: runs.map(({ schedule, history }) => ({ baseRate: 0.1, epochs: EPOCHS, options: schedule, monitored: history.valLoss })),
        clipping: [],
      }),
    ]);
    runs.forEach(({ history }, i) => expectRelativelyClose(history.learningRate, torch.schedules[i], 1e-12));
  });

  it('fit with a step schedule and shuffle off ends at the weights PyTorch trains to', async () => {
    const net = network(backend, { type: 'sgd', learningRate: 0.2, momentum: 0.9 });
    const toRows = (flat: Float32Array, width: number) =>
      Array.from({ length: flat.length / width }, (_, r) => Array.from(flat.subarray(r * width, (r + 1) * width)));
    const layers = net.getWeights().map((l) => ({ weight: toRows(l.weight, l.weight.length / l.bias.length), bias: Array.from(l.bias) }));
    await net.fit(X, LABELS, { epochs: 4, batchSize: BATCH, shuffle: false, schedule: { type: 'step', stepSize: 1, gamma: 0.5 } });
    const torch = runTorchScript<{ fits: { weight: number[][]; bias: number[] }[][] }>('torch_training_control.py', [
      await request('fit', {
        schedules: [],
        clipping: [],
        fits: [{ layers, x: toRows(X, 4), labels: Array.from(LABELS), learningRate: 0.2, momentum: 0.9, batchSize: BATCH, epochs: 4, schedule: { stepSize: 1, gamma: 0.5 } }],
      }),
    ]);
    net.getWeights().forEach((layer, l) => {
      layer.weight.forEach((v, k) => expect(Math.abs(v - torch.fits[0][l].weight.flat()[k])).toBeLessThan(1e-5));
      layer.bias.forEach((v, k) => expect(Math.abs(v - torch.fits[0][l].bias[k])).toBeLessThan(1e-5));
    });
    net.dispose();
  });

  it('oneCycle sets every batch to the rate OneCycleLR gives it', async () => {
    const net = network(backend);
    const rates: number[] = [];
    await net.fit(X, LABELS, {
      epochs: 3,
      batchSize: BATCH,
      schedule: { type: 'oneCycle', maxLearningRate: 0.2, pctStart: 0.25 },
      onBatchEnd: (log) => void rates.push(log.learningRate),
    });
    const torch = runTorchScript<{ schedules: number[][] }>('torch_training_control.py', [
      await request('onecycle', {
        schedules: [{ baseRate: 0.1, epochs: 3, batches: ROWS / BATCH, options: { type: 'oneCycle', maxLearningRate: 0.2, pctStart: 0.25 } }],
        clipping: [],
      }),
    ]);
    expectRelativelyClose(rates, torch.schedules[0], 1e-12);
    net.dispose();
  });

  it('a function schedule is called before each epoch with the absolute epoch, across fits', async () => {
    const net = network(backend);
    const calls: [number, number][] = [];
    const schedule = (epoch: number, rate: number) => {
      calls.push([epoch, rate]);
      return rate / 2;
    };
    await net.fit(X, LABELS, { epochs: 2, schedule });
    const history = await net.fit(X, LABELS, { epochs: 2, schedule });
    expect(calls).toEqual([[1, 0.1], [2, 0.05], [3, 0.025], [4, 0.0125]]);
    expect(history.learningRate).toEqual([0.0125, 0.00625]);
    expect(net.epochsTrained).toBe(4);
    expect(net.learningRate).toBe(0.00625);
    net.dispose();
  });

  it('clipNorm and clipValue take the step PyTorch takes after clipping', async () => {
    const batch = uniform(random(9), 6, 4, -3, 3);
    const labels = randomLabels(random(10), 6, 3);
    const cases = [{ clipNorm: 0.05 }, { clipValue: 0.01 }];
    const ours = cases.map((clip) => {
      const net = network(backend, { type: 'sgd', learningRate: 0.5, ...clip });
      const before = net.getWeights();
      net.trainBatch(batch, labels);
      const after = net.getWeights();
      net.dispose();
      return { before, after };
    });
    const toRows = (flat: Float32Array, width: number) =>
      Array.from({ length: flat.length / width }, (_, r) => Array.from(flat.subarray(r * width, (r + 1) * width)));
    const torch = runTorchScript<{ clipping: { weight: number[][]; bias: number[] }[][] }>('torch_training_control.py', [
      await request('clipping', {
        schedules: [],
        clipping: cases.map((clip, i) => ({
          ...clip,
          learningRate: 0.5,
          x: toRows(batch, 4),
          labels: Array.from(labels),
          layers: ours[i].before.map((l) => ({ weight: toRows(l.weight, l.weight.length / l.bias.length), bias: Array.from(l.bias) })),
        })),
      }),
    ]);
    ours.forEach(({ before, after }, i) => {
      after.forEach((layer, l) => {
        const expected = torch.clipping[i][l];
        const changed = layer.weight.some((v, k) => v !== before[l].weight[k]);
        expect(changed).toBe(true);
        layer.weight.forEach((v, k) => expect(Math.abs(v - expected.weight.flat()[k])).toBeLessThan(1e-6));
        layer.bias.forEach((v, k) => expect(Math.abs(v - expected.bias[k])).toBeLessThan(1e-6));
      });
    });
  });
});

describe.each(BACKENDS)('sample and class weights on the %s backend, against PyTorch', (backend) => {
  it("give CrossEntropyLoss(weight=…)'s loss and gradients, and Σ wᵢ·lᵢ / Σ wᵢ with sample weights", async () => {
    const g = random(41);
    const batch = uniform(g, 12, 4);
    const labels = randomLabels(g, 12, 3);
    const sampleWeight = Float32Array.from({ length: 12 }, () => Math.round(g() * 4) / 2);
    const cases = [{ classWeight: [1, 3, 0.5] }, { sampleWeight: Array.from(sampleWeight) }, { sampleWeight: Array.from(sampleWeight), classWeight: [2, 1, 0] }];
    const net = network(backend);
    const toRows = (flat: Float32Array, width: number) =>
      Array.from({ length: flat.length / width }, (_, r) => Array.from(flat.subarray(r * width, (r + 1) * width)));
    const layers = net.getWeights().map((l) => ({ weight: toRows(l.weight, l.weight.length / l.bias.length), bias: Array.from(l.bias) }));
    const torch = runTorchScript<{ weighted: { loss: number; grads: { weight: number[][]; bias: number[] }[] }[] }>('torch_training_control.py', [
      await request('weighted', { schedules: [], clipping: [], weighted: cases.map((c) => ({ ...c, layers, x: toRows(batch, 4), labels: Array.from(labels) })) }),
    ]);
    cases.forEach((c, i) => {
      const ours = net.computeGradients(batch, labels, c);
      expect(Math.abs(ours.loss - torch.weighted[i].loss)).toBeLessThan(1e-6);
      ours.grads.forEach((layer, l) => {
        layer.weight.forEach((v, k) => expect(Math.abs(v - torch.weighted[i].grads[l].weight.flat()[k])).toBeLessThan(1e-6));
        layer.bias.forEach((v, k) => expect(Math.abs(v - torch.weighted[i].grads[l].bias[k])).toBeLessThan(1e-6));
      });
    });
    net.dispose();
  });
});

describe("metrics against scikit-learn's", () => {
  it('multiclass, binary with tied scores, multilabel and regression with a constant column', async () => {
    const g = random(31);
    const rows = 60;
    // Class 3 of 4 is never the truth nor predicted: averaged over the labels present, as scikit-learn.
    const truth = Int32Array.from({ length: rows }, () => Math.floor(g() * 3));
    const multiOut = uniform(g, rows, 4, 0, 1).map((v, i) => (i % 4 === 3 ? 0 : v));
    const predicted = Array.from({ length: rows }, (_, r) => {
      const row = Array.from(multiOut.subarray(r * 4, r * 4 + 4));
      return row.indexOf(Math.max(...row));
    });
    const binaryTruth = Float32Array.from({ length: rows }, () => (g() < 0.4 ? 1 : 0));
    const binaryScores = Float32Array.from({ length: rows }, () => Math.round(g() * 8) / 8);
    const labelTruth = Float32Array.from({ length: rows * 3 }, () => (g() < 0.5 ? 1 : 0));
    const labelScores = uniform(g, rows, 3, 0, 1);
    const regressionTruth = Float32Array.from({ length: rows * 2 }, (_, i) => (i % 2 === 1 ? 2 : g() * 10));
    const regressionOut = Float32Array.from({ length: rows * 2 }, (_, i) => regressionTruth[i] + (g() - 0.5));
    const file = await request('metrics', [
      { kind: 'multiclass', classes: 4, true: Array.from(truth), predicted },
      { kind: 'binary', true: Array.from(binaryTruth), scores: Array.from(binaryScores) },
      { kind: 'multilabel', true: toMatrix(labelTruth, 3), scores: toMatrix(labelScores, 3) },
      { kind: 'regression', true: toMatrix(regressionTruth, 2), predicted: toMatrix(regressionOut, 2) },
    ]);
    const result = spawnSync(PYTHON, [path.join(__dirname, 'sklearn_metrics.py'), file], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    if (result.status !== 0) throw new Error(`sklearn_metrics.py failed (apt-get install python3-sklearn):\n${result.stderr}`);
    const [multiclass, binary, multilabel, regression] = JSON.parse(result.stdout) as Record<string, number | number[][]>[];
    const close = (ours: Record<string, unknown>, theirs: Record<string, number | number[][]>) => {
      for (const [key, value] of Object.entries(theirs)) {
        if (Array.isArray(value)) expect(ours[key]).toEqual(value);
        else expect(Math.abs((ours[key] as number) - value)).toBeLessThan(1e-9);
      }
    };
    close({ ...metricsOf('crossEntropy', multiOut, truth, rows, 4) }, multiclass);
    close({ ...metricsOf('binaryCrossEntropy', binaryScores, binaryTruth, rows, 1) }, binary);
    close({ ...metricsOf('binaryCrossEntropy', labelScores, labelTruth, rows, 3) }, multilabel);
    close({ ...metricsOf('mse', regressionOut, regressionTruth, rows, 2) }, regression);
  });
});

function toMatrix(flat: Float32Array, width: number): number[][] {
  return Array.from({ length: flat.length / width }, (_, r) => Array.from(flat.subarray(r * width, (r + 1) * width)));
}
