/**
 * The addon is context-aware: each worker_thread loads its own instance with
 * its own error classes, and several train at once.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../lib/errors';
import { classification, fixtures, initialParams, LEARNING_RATE, modelSpec, nativeBackend } from './helpers';

const backend = nativeBackend();
const script = path.join(fixtures, 'train-in-worker.cjs');

interface WorkerResult {
  isa: string;
  lossBefore: number;
  lossAfter: number;
  applied: number;
  ownErrors: boolean;
}

function startWorker(seed: number, batches: number, announceStart = false): Worker {
  return new Worker(script, { workerData: { binary: backend.info.binary, seed, batches, announceStart } });
}

function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('worker_threads', () => {
  it('load the addon and train in 3 workers at once', async () => {
    const workers = [1, 2, 3].map((seed) => startWorker(seed, 500));
    const exits = workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve)));
    const results = await Promise.all(workers.map((worker) => nextMessage<WorkerResult>(worker)));
    for (const result of results) {
      expect(result.isa).toBe(backend.info.isa);
      expect(result.ownErrors).toBe(true);
      expect(result.applied).toBe(500);
      expect(result.lossAfter).toBeLessThan(result.lossBefore / 2);
    }
    expect(await Promise.all(exits)).toEqual([0, 0, 0]);
  });

  it("leave this thread's error classes and models alone", () => {
    const spec = modelSpec(3, [{ units: 2, activation: 'softmax' }], 'crossEntropy');
    const params = initialParams(spec);
    const model = backend.createModel(spec, params);
    expect(() => model.predict(params, new Float32Array(3), 0, new Float32Array(2))).toThrow(ArgumentError);
    const { x, labels } = classification(4, 3, 2);
    expect(Number.isFinite(model.trainBatch(x, labels, 4, LEARNING_RATE, null))).toBe(true);
    model.dispose();
  });

  it('survive a worker terminated while its batches train', async () => {
    const worker = startWorker(4, 100_000, true);
    expect(await nextMessage<string>(worker)).toBe('started');
    const exit = new Promise((resolve) => worker.once('exit', resolve));
    await worker.terminate();
    expect(await exit).toBe(1);
    const others = [5, 6].map((seed) => startWorker(seed, 100));
    const results = await Promise.all(others.map((w) => nextMessage<WorkerResult>(w)));
    expect(results.map((r) => r.applied)).toEqual([100, 100]);
  });
});
