/**
 * Training control on both backends: early stopping restores exactly the
 * weights of its best epoch, a run resumed from a training-state file (or a
 * checkpoint) continues bit for bit as the uninterrupted run, and every new
 * option refuses bad values with a typed error naming it.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, Network, ShapeError, type FitOptions, type NetworkOptions } from '../../lib/index.js';
import { BACKENDS } from './backends';
import { expectError, rejected, thrown } from './expect-error';
import { random, randomLabels, uniform } from './fixtures';

let directory: string;
beforeAll(async () => {
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backprop-control-'));
});
afterAll(async () => {
  if (directory) await fs.rm(directory, { recursive: true, force: true });
});

const next = random(77);
const X = uniform(next, 120, 6);
const LABELS = randomLabels(next, 120, 3);

function options(backend: NetworkOptions['backend'], optimizer: NetworkOptions['optimizer'] = 'adam'): NetworkOptions {
  return { inputs: 6, layers: [{ units: 10, activation: 'tanh' }, { units: 3, activation: 'softmax' }], loss: 'crossEntropy', optimizer, seed: 9, backend };
}

function sameBits(a: Network, b: Network): boolean {
  const x = a.getWeights();
  const y = b.getWeights();
  return x.every((l, i) => l.weight.every((v, k) => Object.is(v, y[i].weight[k])) && l.bias.every((v, k) => Object.is(v, y[i].bias[k])));
}

describe.each(BACKENDS)('training control on the %s backend', (backend) => {
  it('early stopping stops after patience epochs without improvement and restores the best epoch, bit for bit', async () => {
    const net = new Network(options(backend, { type: 'sgd', learningRate: 2, momentum: 0.9 }));
    const fit: FitOptions = { epochs: 30, batchSize: 8, validationSplit: 0.25 };
    const history = await net.fit(X, LABELS, { ...fit, earlyStopping: { patience: 2 } });
    expect(history.stoppedEarly).toBe(true);
    const best = history.bestEpoch as number;
    expect(history.epochs).toBe(best + 2);
    expect(Math.min(...history.valLoss)).toBe(history.valLoss[best - 1]);
    const fresh = new Network(options(backend, { type: 'sgd', learningRate: 2, momentum: 0.9 }));
    await fresh.fit(X, LABELS, { ...fit, epochs: best });
    expect(sameBits(net, fresh)).toBe(true);
    net.dispose();
    fresh.dispose();
  });

  it('a run resumed from save({ trainingState: true }) continues as the uninterrupted run, bit for bit', async () => {
    const fit: FitOptions = { epochs: 3, batchSize: 16, validationSplit: 0.2, schedule: { type: 'plateau', patience: 0, factor: 0.5 } };
    const whole = new Network(options(backend));
    const wholeHistory = await whole.fit(X, LABELS, { ...fit, epochs: 6 });
    const first = new Network(options(backend));
    await first.fit(X, LABELS, fit);
    const file = path.join(directory, `resume-${backend}.safetensors`);
    await first.save(file, { trainingState: true });
    const resumed = await Network.load(file, { backend });
    expect(resumed.epochsTrained).toBe(3);
    expect(resumed.learningRate).toBe(first.learningRate);
    const rest = await resumed.fit(X, LABELS, fit);
    expect(rest.loss).toEqual(wholeHistory.loss.slice(3));
    expect(rest.learningRate).toEqual(wholeHistory.learningRate.slice(3));
    expect(sameBits(resumed, whole)).toBe(true);
    // Without training state the optimizer starts afresh: a different run.
    const plainFile = path.join(directory, `plain-${backend}.safetensors`);
    await first.save(plainFile);
    const plain = await Network.load(plainFile, { backend });
    expect(plain.epochsTrained).toBe(0);
    await plain.fit(X, LABELS, fit);
    expect(sameBits(plain, whole)).toBe(false);
    for (const n of [whole, first, resumed, plain]) n.dispose();
  });

  it('the checkpoint option writes a resumable file after each epoch, or after each improvement', async () => {
    const every = path.join(directory, `every-${backend}.safetensors`);
    const net = new Network(options(backend));
    const written: number[] = [];
    await net.fit(X, LABELS, {
      epochs: 3,
      checkpoint: { path: every },
      onEpochEnd: async () => void written.push((await Network.load(every, { backend })).epochsTrained),
    });
    expect(written).toEqual([1, 2, 3]);
    const best = path.join(directory, `best-${backend}.safetensors`);
    const climbing = new Network(options(backend, { type: 'sgd', learningRate: 3, momentum: 0.9 }));
    const history = await climbing.fit(X, LABELS, { epochs: 8, validationSplit: 0.25, checkpoint: { path: best, monitor: 'valLoss', saveBestOnly: true } });
    const bestEpoch = history.valLoss.indexOf(Math.min(...history.valLoss)) + 1;
    expect((await Network.load(best, { backend })).epochsTrained).toBe(bestEpoch);
    net.dispose();
    climbing.dispose();
  });

  it('refuses bad training-control options with typed errors naming them', async () => {
    const net = new Network(options(backend));
    const cases: [FitOptions, typeof ArgumentError, string][] = [
      [{ schedule: { type: 'linear' } as unknown as FitOptions['schedule'] }, ArgumentError, 'options.schedule.type'],
      [{ schedule: { type: 'step', stepSize: 0 } }, ArgumentError, 'options.schedule.stepSize'],
      [{ earlyStopping: { patience: -1 } }, ArgumentError, 'options.earlyStopping.patience'],
      [{ earlyStopping: { monitor: 'valAuc' }, validationSplit: 0.2 }, ArgumentError, "'valAuc'"],
      [{ earlyStopping: { monitor: 'valLoss' } }, ArgumentError, "'valLoss'"],
      [{ classWeight: [1, 2] }, ShapeError, 'options.classWeight'],
      [{ classWeight: [1, -2, 1] }, ArgumentError, 'options.classWeight[1]'],
      [{ sampleWeight: new Float32Array(5) }, ShapeError, 'options.sampleWeight'],
      [{ sampleWeight: Float32Array.from(LABELS, (_, i) => (i === 7 ? Number.NaN : 1)) }, ArgumentError, 'options.sampleWeight[7]'],
      [{ sampleWeight: new Float32Array(120), batchSize: 40 }, ArgumentError, 'epoch 1, batch 1'],
      [{ checkpoint: { path: '' } }, ArgumentError, 'options.checkpoint.path'],
    ];
    for (const [fitOptions, type, mention] of cases) {
      expectError(await rejected(() => net.fit(X, LABELS, fitOptions)), type, [mention]);
    }
    expectError(thrown(() => net.fitSync(X, LABELS, { checkpoint: { path: path.join(directory, 'x') } })), ArgumentError, ['options.checkpoint']);
    expectError(thrown(() => new Network({ ...options(backend), optimizer: { type: 'sgd', clipNorm: 0 } })), ArgumentError, ['optimizer.clipNorm']);
    expectError(thrown(() => new Network({ ...options(backend), optimizer: { type: 'adam', clipNorm: 1, clipValue: 1 } })), ArgumentError, ['clipValue']);
    expectError(thrown(() => net.trainBatch(X.subarray(0, 12), LABELS.subarray(0, 2), { classWeight: [0, 0, 0] })), ArgumentError, ['weight 0']);
    expectError(thrown(() => (net.learningRate = -1)), ArgumentError, ['learningRate']);
    expect(net.epochsTrained).toBe(0);
    net.dispose();
  });
});
