/**
 * trainChunkAsync trains on a libuv worker thread: the event loop keeps
 * running, requestStop ends it between batches, calls that would change the
 * model wait, and dispose while it runs never frees memory in use.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineModel, TrainChunk } from '../../lib/backends/backend';
import { BackpropError, BusyError, DisposedError } from '../../lib/errors';
import { classification, fixtures, initialParams, looseAddon, modelSpec, nativeEngine, repeatedOrder } from './helpers';

const engine = nativeEngine();
const spec = modelSpec(64, [{ units: 256, activation: 'relu' }, { units: 256, activation: 'relu' }, { units: 10, activation: 'softmax' }], 'crossEntropy');
const rows = 512;
const batchSize = 64;
const data = classification(rows, 64, 10);
// Many passes over the rows: far more work than any test waits for, so a
// chunk still runs when the test stops it.
const order = repeatedOrder(rows, 1000);
const batchCount = order.length / batchSize;

function chunk(batches = batchCount): TrainChunk {
  return { x: data.x, targets: data.labels, order, batchSize, firstBatch: 0, batchCount: batches, stats: new Float64Array(2 * batches) };
}

function model(): EngineModel {
  return engine.createModel(spec, initialParams(spec));
}

/** Resolves after `count` ticks of a 10 ms interval, running `onTick` at each. */
function ticks(count: number, onTick: () => void = () => {}): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const timer = setInterval(() => {
      onTick();
      if (++seen === count) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
}

function settledFlag(promise: Promise<unknown>): { settled: boolean } {
  const flag = { settled: false };
  promise.then(
    () => (flag.settled = true),
    () => (flag.settled = true),
  );
  return flag;
}

describe('trainChunkAsync', () => {
  it('keeps the event loop ticking while it trains, and requestStop ends it early', async () => {
    const m = model();
    const c = chunk();
    const training = m.trainChunkAsync(c);
    const flag = settledFlag(training);
    await ticks(10);
    expect(flag.settled).toBe(false);
    m.requestStop();
    const applied = await training;
    expect(applied).toBeGreaterThanOrEqual(1);
    expect(applied).toBeLessThan(batchCount);
    for (let j = 0; j < applied; j++) expect(Number.isFinite(c.stats[2 * j])).toBe(true);
    expect(c.stats[2 * applied]).toBe(0);
    m.dispose();
  });

  it('stops within a few batches when requestStop comes right after the call', async () => {
    const m = model();
    const c = chunk();
    const training = m.trainChunkAsync(c);
    m.requestStop();
    const applied = await training;
    // One batch, unless the OS let the worker run ahead of this thread (two
    // cores, both training): a margin that no timing on this machine reaches.
    expect(applied).toBeGreaterThanOrEqual(1);
    expect(applied).toBeLessThan(100);
    expect(Number.isFinite(c.stats[2 * applied - 2])).toBe(true);
    expect(c.stats[2 * applied]).toBe(0);
    m.dispose();
  });

  it('gives the same bits as trainChunk on the same chunk', async () => {
    const paramsSync = initialParams(spec);
    const paramsAsync = initialParams(spec);
    const sync = engine.createModel(spec, paramsSync);
    const async = engine.createModel(spec, paramsAsync);
    const chunkSync = chunk(12);
    const chunkAsync = chunk(12);
    expect(sync.trainChunk(chunkSync)).toBe(12);
    expect(await async.trainChunkAsync(chunkAsync)).toBe(12);
    expect(chunkAsync.stats).toEqual(chunkSync.stats);
    expect(paramsAsync).toEqual(paramsSync);
    sync.dispose();
    async.dispose();
  });

  it('trains on checked copies of order and labels: rewriting them meanwhile changes nothing', async () => {
    const paramsPristine = initialParams(spec);
    const paramsRewritten = initialParams(spec);
    const pristine = engine.createModel(spec, paramsPristine);
    const rewritten = engine.createModel(spec, paramsRewritten);
    expect(pristine.trainChunk(chunk(12))).toBe(12);
    const c = { ...chunk(12), order: order.slice(), targets: data.labels.slice() };
    const training = rewritten.trainChunkAsync(c);
    c.order.fill(1e9);
    c.targets.fill(-5);
    expect(await training).toBe(12);
    expect(paramsRewritten).toEqual(paramsPristine);
    pristine.dispose();
    rewritten.dispose();
  });

  it('lets predict, evaluate and computeGradients run meanwhile, and refuses calls that change the model', async () => {
    const m = model();
    const raw = new (looseAddon().NativeModel)(spec, initialParams(spec));
    const c = chunk();
    const training = m.trainChunkAsync(c);
    const rawTraining = raw.trainChunkAsync(c.x, c.targets, c.order, batchSize, 0, batchCount, new Float64Array(2 * batchCount));

    const out = new Float32Array(rows * 10);
    m.predict(data.x, rows, out);
    expect(out.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(m.evaluate(data.x, data.labels, rows).loss)).toBe(true);
    expect(Number.isFinite(m.computeGradients(data.x, data.labels, rows, new Float32Array(initialParams(spec).length)))).toBe(true);

    expect(() => m.trainBatch(data.x, data.labels, rows)).toThrow(BusyError);
    expect(() => m.trainChunk(chunk(1))).toThrow(BusyError);
    expect(() => m.resetOptimizer()).toThrow(BusyError);
    await expect(m.trainChunkAsync(chunk(1))).rejects.toThrow(BusyError);
    expect(() => raw.trainChunkAsync(c.x, c.targets, c.order, batchSize, 0, 1, new Float64Array(2))).toThrow(
      /^trainChunkAsync: the model is running trainChunkAsync/,
    );

    m.requestStop();
    raw.requestStop();
    await Promise.all([training, rawTraining]);
    expect(Number.isFinite(m.trainBatch(data.x, data.labels, rows))).toBe(true);
    m.dispose();
    raw.dispose();
  });

  it('settles normally when the model is disposed while it runs, and the model refuses later calls', async () => {
    const m = model();
    const training = m.trainChunkAsync(chunk());
    await ticks(3);
    m.dispose();
    const applied = await training;
    expect(applied).toBeGreaterThanOrEqual(1);
    expect(applied).toBeLessThan(batchCount);
    expect(() => m.predict(data.x, rows, new Float32Array(rows * 10))).toThrow(DisposedError);
    await expect(m.trainChunkAsync(chunk(1))).rejects.toThrow(DisposedError);
  });

  it('keeps its arrays alive through garbage collection, disposed or not (child process with --expose-gc)', () => {
    const result = spawnSync(process.execPath, ['--expose-gc', path.join(fixtures, 'dispose-during-training.cjs'), engine.info.binary], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^ok \d+ \d+\n$/);
  });

  it("rejects with the facade's BackpropError when the core fails (a batch too large to allocate)", async () => {
    const m = model();
    const c = { ...chunk(1), batchSize: 2 ** 40 };
    await expect(m.trainChunkAsync(c)).rejects.toThrow(BackpropError);
    await expect(m.trainChunkAsync(c)).rejects.toThrow(/^the native engine ran out of memory$/);
    expect(() => m.trainChunk(c)).toThrow(/^the native engine ran out of memory$/);
    expect(Number.isFinite(m.trainBatch(data.x, data.labels, rows))).toBe(true);
    m.dispose();
  });
});
