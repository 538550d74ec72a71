/**
 * A server trains in-process while it answers: fit() hands back its promise
 * before any O(data) work, bad data comes back as a rejection naming the
 * row, both backends train on a thread of their own (bit-identical to
 * fitSync), and readers during a fit see the weights published after a
 * chunk, never a half-applied update. Asserted by order of events and by
 * where the work runs, never by durations.
 */
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/backends/index.js';
import { sharedFloat32, sharedFloat64, sharedInt32 } from '../../lib/backends/shared-memory.js';
import { ArgumentError, Network, ShapeError, type NetworkOptions } from '../../lib/index.js';
import { parameterLayout } from '../../lib/model-spec.js';
import { resolveNetworkOptions } from '../../lib/spec.js';
import { BACKENDS } from './backends';
import { expectError, rejected } from './expect-error';
import { random, randomLabels, uniform } from './fixtures';

const INPUTS = 8;
const CLASSES = 3;

function options(backend: NetworkOptions['backend']): NetworkOptions {
  return {
    inputs: INPUTS,
    layers: [{ units: 16, activation: 'tanh' }, { units: CLASSES, activation: 'softmax' }],
    loss: 'crossEntropy',
    optimizer: 'adam',
    seed: 5,
    backend,
  };
}

/** An array of rows that counts how many of its rows were read. */
function countingRows(rows: number): { data: number[][]; read: () => number } {
  const row = Array.from({ length: INPUTS }, (_, i) => i / INPUTS);
  let reads = 0;
  const target: number[][] = new Array<number[]>(rows).fill(row);
  const data = new Proxy(target, {
    get(array, key, receiver) {
      if (typeof key === 'string' && /^[0-9]+$/.test(key)) reads++;
      return Reflect.get(array, key, receiver) as unknown;
    },
  });
  return { data, read: () => reads };
}

describe.each(BACKENDS)('non-blocking fit on the %s backend', (backend) => {
  it('returns its promise before reading the data, then reads it in slices with the event loop turning', async () => {
    const net = new Network(options(backend));
    const rows = 200_000;
    const x = countingRows(rows);
    const labels = new Int32Array(rows);
    const fitting = net.fit(x.data, labels, { epochs: 1, batchSize: rows, signal: AbortSignal.abort() });
    expect(x.read()).toBe(0);
    // Turns of the event loop while the rows are converted: each sees a part of the data read.
    const seen: number[] = [];
    const watch = setInterval(() => seen.push(x.read()), 0);
    await fitting;
    clearInterval(watch);
    expect(x.read()).toBeGreaterThanOrEqual(rows);
    expect(seen.some((count) => count > 0 && count < rows)).toBe(true);
    net.dispose();
  });

  it('rejects, never throws, for bad data, naming the row', async () => {
    const net = new Network(options(backend));
    const next = random(3);
    const x = uniform(next, 5000, INPUTS);
    x[4321 * INPUTS + 2] = Number.NaN;
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = net.fit(x, randomLabels(next, 5000, CLASSES));
    }).not.toThrow();
    expectError(await rejected(() => promise as Promise<unknown>), ArgumentError, ['x[4321][2]']);
    expectError(await rejected(() => net.fit(x.subarray(0, 10 * INPUTS), new Int32Array(11))), ShapeError, ['y']);
    expect(net.training).toBe(false);
    net.dispose();
  });

  it('trains off the event loop with the bits fitSync gives', async () => {
    // Wide enough that the batches, not the bookkeeping between chunks, are the work.
    const wide = { ...options(backend), inputs: 64, layers: [{ units: 256, activation: 'relu' as const }, { units: CLASSES, activation: 'softmax' as const }] };
    const next = random(11);
    const x = uniform(next, 1000, 64);
    const y = randomLabels(next, 1000, CLASSES);
    const fitOptions = { epochs: 2, batchSize: 32, validationSplit: 0.1 };
    const asyncNet = new Network(wide);
    const history = await asyncNet.fit(x, y, fitOptions);
    const syncNet = new Network(wide);
    const syncHistory = syncNet.fitSync(x, y, fitOptions);
    expect(history).toEqual({ ...syncHistory, samplesPerSecond: history.samplesPerSecond });
    expect(asyncNet.toJSON()).toEqual(syncNet.toJSON());
    asyncNet.dispose();
    syncNet.dispose();
  });

  it("runs a chunk of batches on a thread of the backend's own, the event loop turning meanwhile", async () => {
    const spec = resolveNetworkOptions({ ...options(backend), inputs: 64, layers: [{ units: 256, activation: 'relu' }, { units: CLASSES, activation: 'softmax' }] }).spec;
    const params = sharedFloat32(parameterLayout(spec).size).fill(0.01);
    const model = selectBackend(backend).createModel(spec, params);
    const rows = 64 * 60;
    const next = random(23);
    const x = sharedFloat32(rows * 64);
    x.set(uniform(next, rows, 64));
    const targets = sharedInt32(rows);
    targets.set(randomLabels(next, rows, CLASSES));
    const order = sharedInt32(rows);
    for (let i = 0; i < rows; i++) order[i] = i;
    const learningRates = sharedFloat64(60).fill(0.01);
    const trainer = model.beginTraining({ x, targets, rows, order, batchSize: 64, rowWeights: null, learningRates, stats: sharedFloat64(120) });
    trainer.beginEpoch();
    let settled = false;
    const training = trainer.train(0, 60).then((applied) => {
      settled = true;
      return applied;
    });
    // Had the batches run on this thread, the promise would have settled before this turn.
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    expect(await training).toBe(60);
    trainer.end();
    model.dispose();
  });

  it('lets readers read the weights published after a chunk, never a torn update', async () => {
    const next = random(17);
    const x = uniform(next, 4000, INPUTS);
    const y = randomLabels(next, 4000, CLASSES);
    const probe = x.subarray(0, 4 * INPUTS);
    const net = new Network(options(backend));
    const twin = new Network(options(backend));
    const checks: boolean[] = [];
    const check = () => {
      if (!net.training) return;
      // One snapshot serves every reader until the next chunk ends.
      const weights = net.getWeights();
      const predicted = net.predict(probe);
      twin.setWeights(weights);
      checks.push(twin.predict(probe).every((v, i) => Object.is(v, predicted[i])));
    };
    const timer = setInterval(check, 1);
    await net.fit(x, y, { epochs: 4, batchSize: 8 });
    clearInterval(timer);
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.every(Boolean)).toBe(true);
    net.dispose();
    twin.dispose();
  });
});
