/**
 * The concurrency contract of a running fit, beyond test/api/async-fit and
 * errors-state: every read during a fit (predict, evaluate, getWeights,
 * toJSON) sees the weights as they stand between two batches, never a torn
 * mix; refused calls leave the training untouched; dispose during fit never
 * frees memory in use, however the calls interleave.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BusyError, DisposedError, Network, type LayerWeights } from '../../lib/index.js';
import { expectError, rejected, thrown } from '../api/expect-error';
import { bitsOf, bytesOf, random, uniform } from '../api/fixtures';
import { ENGINES, nativeBinary } from './engines';

nativeBinary();

// One wide linear layer, sgd on mse with random targets: every step changes
// every weight, and an update takes long enough to be caught half-done.
const INPUTS = 128;
const UNITS = 128;
const ROWS = 64;
const BATCH = 8;
const BATCHES_PER_EPOCH = ROWS / BATCH;
const next = random(83);
const X = uniform(next, ROWS, INPUTS);
const Y = uniform(next, ROWS, UNITS);
const PROBE = X.subarray(0, 2 * INPUTS);

function network(backend: (typeof ENGINES)[number]): Network {
  return new Network({ inputs: INPUTS, layers: [{ units: UNITS }], loss: 'mse', optimizer: { type: 'sgd', learningRate: 0.01 }, seed: 5, backend });
}

function hash(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** What every read may return: the state after each whole number of batches. */
interface States {
  weights: Set<string>;
  predictions: Set<string>;
  losses: Set<number>;
}

/** Replays `batches` steps with trainBatch, recording the observable state before and after each. */
function replay(backend: (typeof ENGINES)[number], batches: number): States {
  const net = network(backend);
  const states: States = { weights: new Set(), predictions: new Set(), losses: new Set() };
  const record = () => {
    states.weights.add(hash(bitsOf(net.getWeights())));
    states.predictions.add(hash(bytesOf(net.predict(PROBE))));
    states.losses.add(net.evaluate(PROBE, Y.subarray(0, 2 * UNITS)).loss);
  };
  record();
  for (let b = 0; b < batches; b++) {
    const first = (b % BATCHES_PER_EPOCH) * BATCH;
    net.trainBatch(X.subarray(first * INPUTS, (first + BATCH) * INPUTS), Y.subarray(first * UNITS, (first + BATCH) * UNITS));
    record();
  }
  return states;
}

interface Observation {
  weights: string[];
  json: string[];
  predictions: string[];
  losses: number[];
}

/** Trains until `reads` rounds of reads were made during the fit, reading at every turn of the event loop. */
async function readWhileTraining(net: Network, reads: number): Promise<{ observed: Observation; batches: number }> {
  const observed: Observation = { weights: [], json: [], predictions: [], losses: [] };
  const controller = new AbortController();
  let batches = 0;
  const reader = async () => {
    while (!controller.signal.aborted) {
      await new Promise((resolve) => setImmediate(resolve));
      if (!net.training) continue;
      observed.weights.push(hash(bitsOf(net.getWeights())));
      observed.predictions.push(hash(bytesOf(net.predict(PROBE))));
      observed.losses.push(net.evaluate(PROBE, Y.subarray(0, 2 * UNITS)).loss);
      const json = net.toJSON();
      observed.json.push(hash(bitsOf(json.weights.map((l): LayerWeights => ({ weight: Float32Array.from(l.weight), bias: Float32Array.from(l.bias) })))));
      if (observed.weights.length >= reads) controller.abort();
    }
  };
  const reading = reader();
  await net.fit(X, Y, { epochs: 1e9, batchSize: BATCH, shuffle: false, signal: controller.signal, onBatchEnd: () => void batches++ });
  controller.abort();
  await reading;
  return { observed, batches };
}

describe.each(ENGINES)('reads during a fit on the %s engine', (backend) => {
  const torn = (values: readonly (string | number)[], allowed: ReadonlySet<string | number>) => values.filter((v) => !allowed.has(v)).length;

  it('answers predict and evaluate from the weights between two batches, never torn', async () => {
    const net = network(backend);
    const { observed, batches } = await readWhileTraining(net, 300);
    expect(observed.predictions.length).toBeGreaterThanOrEqual(300);
    const states = replay(backend, batches);
    expect(states.weights.has(hash(bitsOf(net.getWeights())))).toBe(true);
    expect({ predict: torn(observed.predictions, states.predictions), evaluate: torn(observed.losses, states.losses) }).toEqual({ predict: 0, evaluate: 0 });
  }, 60_000);

  it('copies getWeights and toJSON (hence save) from the weights between two batches, never torn', async () => {
    const net = network(backend);
    const { observed, batches } = await readWhileTraining(net, 300);
    const states = replay(backend, batches);
    expect({ getWeights: torn(observed.weights, states.weights), toJSON: torn(observed.json, states.weights) }).toEqual({ getWeights: 0, toJSON: 0 });
  }, 60_000);

  it('refuses setWeights, trainBatch, fitSync and a second fit while fitting, and they change nothing', async () => {
    const undisturbed = network(backend);
    await undisturbed.fit(X, Y, { epochs: 20, batchSize: BATCH, shuffle: false });
    const net = network(backend);
    const foreign = network(backend).getWeights().map(({ weight, bias }) => ({ weight: weight.map(() => 7), bias: bias.map(() => 7) }));
    const refusals: unknown[] = [];
    const running = net.fit(X, Y, {
      epochs: 20,
      batchSize: BATCH,
      shuffle: false,
      onBatchEnd: () => {
        refusals.push(thrown(() => net.setWeights(foreign)));
        refusals.push(thrown(() => net.trainBatch(X, Y)));
        refusals.push(thrown(() => net.fitSync(X, Y)));
      },
    });
    refusals.push(await rejected(() => net.fit(X, Y)));
    await running;
    expect(refusals.length).toBe(1 + 3 * 20 * BATCHES_PER_EPOCH);
    for (const error of refusals) expectError(error, BusyError, ['fit()']);
    expect(bitsOf(net.getWeights()).equals(bitsOf(undisturbed.getWeights()))).toBe(true);
  });

  it('survives dispose at any moment of a fit while reads keep coming: the fit rejects with DisposedError, reads then throw it', async () => {
    const timings = random(97);
    for (let round = 0; round < 30; round++) {
      const net = network(backend);
      const running = net.fit(X, Y, { epochs: 1e9, batchSize: BATCH });
      const failures: unknown[] = [];
      const delay = Math.floor(timings() * 4);
      for (let turn = 0; turn < delay; turn++) {
        await new Promise((resolve) => setImmediate(resolve));
        net.predict(PROBE);
      }
      net.dispose();
      for (const read of [() => net.predict(PROBE), () => net.evaluate(PROBE, Y.subarray(0, 2 * UNITS)), () => net.getWeights(), () => net.toJSON()]) {
        failures.push(thrown(read));
      }
      expectError(await rejected(() => running), DisposedError, ['dispose']);
      for (const error of failures) expectError(error, DisposedError, ['disposed']);
      expect(net.training).toBe(false);
    }
  }, 60_000);
});
