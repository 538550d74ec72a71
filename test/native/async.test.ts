/**
 * trainBatchesAsync trains on a libuv worker thread: the event loop keeps
 * running, requestStop ends it between batches, readers run meanwhile on
 * the weights they are given, calls that would change the model are
 * refused, and dispose while it runs never frees memory in use.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackendModel, TrainingPlan } from '../../lib/backends/backend';
import { BackpropError, BusyError, DisposedError } from '../../lib/errors';
import {
  classification, firstDifference, fixtures, initialParams, LEARNING_RATE, looseAddon, modelSpec, nativeBackend, scrambledOrder, trainingPlan,
} from './helpers';

const backend = nativeBackend();
const spec = modelSpec(64, [{ units: 256, activation: 'relu' }, { units: 256, activation: 'relu' }, { units: 10, activation: 'softmax' }], 'crossEntropy');
// An epoch of many batches: far more work than any test waits for, so
// batches still run when the test stops them.
const rows = 65536;
const batchSize = 16;
const batchCount = rows / batchSize;
const data = classification(rows, 64, 10);
const order = scrambledOrder(rows);

function plan(): TrainingPlan {
  return trainingPlan(data.x, data.labels, order, batchSize);
}

function model(params = initialParams(spec)): BackendModel {
  return backend.createModel(spec, params);
}

/** Resolves after `count` ticks of a 10 ms interval. */
function ticks(count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const timer = setInterval(() => {
      if (++seen === count) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
}

/** Runs a fixture with --expose-gc on the addon binary; returns its stdout once it exited cleanly. */
function runFixture(name: string): string {
  const result = spawnSync(process.execPath, ['--expose-gc', path.join(fixtures, name), backend.info.binary], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

function settledFlag(promise: Promise<unknown>): { settled: boolean } {
  const flag = { settled: false };
  promise.then(
    () => (flag.settled = true),
    () => (flag.settled = true),
  );
  return flag;
}

describe('trainBatchesAsync', () => {
  it('keeps the event loop ticking while it trains, and requestStop ends it early', async () => {
    const m = model();
    const p = plan();
    const trainer = m.beginTraining(p);
    trainer.beginEpoch();
    const training = trainer.train(0, batchCount);
    const flag = settledFlag(training);
    await ticks(10);
    expect(flag.settled).toBe(false);
    trainer.stop();
    const applied = await training;
    expect(applied).toBeGreaterThanOrEqual(1);
    expect(applied).toBeLessThan(batchCount);
    for (let b = 0; b < applied; b++) expect(Number.isFinite(p.stats[2 * b])).toBe(true);
    expect(p.stats[2 * applied]).toBe(0);
    trainer.end();
    m.dispose();
  });

  it('stops within a few batches when requestStop comes right after the call, and the next call is not cut short', async () => {
    const m = model();
    const p = plan();
    const trainer = m.beginTraining(p);
    trainer.beginEpoch();
    const training = trainer.train(0, batchCount);
    trainer.stop();
    const applied = await training;
    // One batch, unless the OS let the worker run ahead of this thread (two
    // cores, both training): a margin that no timing on this machine reaches.
    expect(applied).toBeGreaterThanOrEqual(1);
    expect(applied).toBeLessThan(100);
    expect(Number.isFinite(p.stats[2 * applied - 2])).toBe(true);
    expect(p.stats[2 * applied]).toBe(0);
    // A stop before the call is cleared by the call.
    trainer.stop();
    expect(await trainer.train(applied, 3)).toBe(3);
    trainer.end();
    m.dispose();
  });

  it('gives the same bits as trainBatches on the same plan, chunk by chunk and epoch by epoch', async () => {
    const paramsSync = initialParams(spec);
    const paramsAsync = initialParams(spec);
    const sync = model(paramsSync);
    const async = model(paramsAsync);
    const planSync = plan();
    const planAsync = plan();
    const trainerSync = sync.beginTraining(planSync);
    const trainerAsync = async.beginTraining(planAsync);
    for (const epoch of [0, 1]) {
      if (epoch === 1) {
        planSync.order.reverse();
        planAsync.order.reverse();
      }
      trainerSync.beginEpoch();
      trainerAsync.beginEpoch();
      expect(trainerSync.trainSync(0, 5)).toBe(5);
      expect(trainerSync.trainSync(5, 7)).toBe(7);
      expect(await trainerAsync.train(0, 5)).toBe(5);
      expect(await trainerAsync.train(5, 7)).toBe(7);
      expect(firstDifference(planAsync.stats, planSync.stats)).toBe(-1);
    }
    expect(firstDifference(paramsAsync, paramsSync)).toBe(-1);
    trainerSync.end();
    trainerAsync.end();
    sync.dispose();
    async.dispose();
  });

  it('trains on checked copies of order and labels: rewriting them meanwhile changes nothing', async () => {
    const paramsPristine = initialParams(spec);
    const paramsRewritten = initialParams(spec);
    const pristine = model(paramsPristine);
    const rewritten = model(paramsRewritten);
    const pristineTrainer = pristine.beginTraining(plan());
    pristineTrainer.beginEpoch();
    expect(pristineTrainer.trainSync(0, 12)).toBe(12);
    const p = { ...plan(), targets: data.labels.slice() };
    const trainer = rewritten.beginTraining(p);
    trainer.beginEpoch();
    const training = trainer.train(0, 12);
    p.order.fill(1e9);
    p.targets.fill(-5);
    expect(await training).toBe(12);
    expect(firstDifference(paramsRewritten, paramsPristine)).toBe(-1);
    pristine.dispose();
    rewritten.dispose();
  });

  it('lets readers run meanwhile on a snapshot (the answers they give when idle), and refuses calls that change the model', async () => {
    const params = initialParams(spec);
    const m = model(params);
    const snapshot = params.slice();
    const readRows = 32;
    const x = data.x.subarray(0, readRows * 64);
    const labels = data.labels.subarray(0, readRows);
    const read = () => {
      const out = new Float32Array(readRows * 10);
      m.predict(snapshot, x, readRows, out);
      const grads = new Float32Array(snapshot.length);
      const loss = m.computeGradients(snapshot, x, labels, readRows, grads, null);
      return { out, score: m.evaluate(snapshot, x, labels, readRows, null), loss, grads };
    };
    const idle = read();
    const sameAsIdle = (during: ReturnType<typeof read>) => {
      expect(during.score).toEqual(idle.score);
      expect(during.loss).toBe(idle.loss);
      expect(firstDifference(during.out, idle.out)).toBe(-1);
      expect(firstDifference(during.grads, idle.grads)).toBe(-1);
    };

    const raw = new (looseAddon().NativeModel)(spec, initialParams(spec));
    const rawPlan = plan();
    raw.beginTraining(rawPlan);
    raw.beginEpoch();
    const rawTraining = raw.trainBatchesAsync(0, batchCount);
    const trainer = m.beginTraining(plan());
    trainer.beginEpoch();
    const training = trainer.train(0, batchCount);
    const flag = settledFlag(training);
    await ticks(2);
    expect(flag.settled).toBe(false);
    sameAsIdle(read());

    expect(() => m.trainBatch(data.x, data.labels, rows, LEARNING_RATE, null)).toThrow(BusyError);
    expect(() => trainer.trainSync(0, 1)).toThrow(BusyError);
    expect(() => trainer.train(0, 1)).toThrow(BusyError);
    expect(() => trainer.beginEpoch()).toThrow(BusyError);
    expect(() => trainer.end()).toThrow(BusyError);
    expect(() => m.beginTraining(plan())).toThrow(BusyError);
    const busy = /: the model is running trainBatchesAsync; wait for its promise/;
    for (const [method, call] of [
      ['trainBatch', () => raw.trainBatch(data.x, data.labels, rows, LEARNING_RATE, null)],
      ['beginTraining', () => raw.beginTraining(plan())],
      ['beginEpoch', () => raw.beginEpoch()],
      ['trainBatches', () => raw.trainBatches(0, 1)],
      ['trainBatchesAsync', () => raw.trainBatchesAsync(0, 1)],
      ['endTraining', () => raw.endTraining()],
    ] as const) {
      expect(call).toThrow(new RegExp(`^${method}${busy.source}`));
    }

    trainer.stop();
    raw.requestStop();
    await Promise.all([training, rawTraining]);
    // The plan is still the model's: the fit goes on where it stopped.
    const applied = await training;
    expect(trainer.trainSync(applied, 1)).toBe(1);
    trainer.end();
    expect(Number.isFinite(m.trainBatch(x, labels, readRows, LEARNING_RATE, null))).toBe(true);
    m.dispose();
    raw.dispose();
  });

  it('settles normally when the model is disposed while it runs, and the model refuses later calls', async () => {
    const m = model();
    const trainer = m.beginTraining(plan());
    trainer.beginEpoch();
    const training = trainer.train(0, batchCount);
    await ticks(3);
    m.dispose();
    const applied = await training;
    expect(applied).toBeGreaterThanOrEqual(1);
    expect(applied).toBeLessThan(batchCount);
    expect(() => m.predict(initialParams(spec), data.x, rows, new Float32Array(rows * 10))).toThrow(DisposedError);
    expect(() => trainer.train(0, 1)).toThrow(DisposedError);
    expect(() => m.beginTraining(plan())).toThrow(DisposedError);
    trainer.end();
  });

  it('keeps its arrays alive through garbage collection, disposed or not (child process with --expose-gc)', () => {
    expect(runFixture('dispose-during-training.cjs')).toMatch(/^ok \d+ \d+\n$/);
  });

  it('frees the model once the batches it was disposed during end (child process with --expose-gc)', () => {
    const report = JSON.parse(runFixture('dispose-frees-memory.cjs')) as { cycles: number; growthMB: number; modelMB: number };
    expect(report.cycles).toBe(300);
    // Leaking every model would add cycles × modelMB, over 250 MB; measured
    // 16 to 20 MB of allocator and heap noise, for 300 cycles as for 2,000.
    expect(report.cycles * report.modelMB).toBeGreaterThan(250);
    expect(report.growthMB).toBeLessThan(64);
  });

  it("rejects with the facade's BackpropError when the core fails (a batch too large to allocate)", async () => {
    // 2^20 hidden units × 2^16 rows: a work space of terabytes.
    const wide = modelSpec(1, [{ units: 2 ** 20, activation: 'relu' }, { units: 2, activation: 'softmax' }], 'crossEntropy', 'sgd');
    const params = initialParams(wide);
    const m = backend.createModel(wide, params);
    const wideRows = 2 ** 16;
    const trainer = m.beginTraining(trainingPlan(new Float32Array(wideRows), new Int32Array(wideRows), scrambledOrder(wideRows), wideRows));
    trainer.beginEpoch();
    await expect(trainer.train(0, 1)).rejects.toThrow(BackpropError);
    await expect(trainer.train(0, 1)).rejects.toThrow(/^the native backend ran out of memory$/);
    expect(() => trainer.trainSync(0, 1)).toThrow(/^the native backend ran out of memory$/);
    trainer.end();
    expect(Number.isFinite(m.trainBatch(new Float32Array(2), Int32Array.of(0, 1), 2, LEARNING_RATE, null))).toBe(true);
    m.dispose();
  });
});
