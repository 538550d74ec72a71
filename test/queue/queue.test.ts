/**
 * backprop/queue against a real redis-server and real BullMQ: results that
 * are bit-identical to a local fit, checks before queueing, two workers on
 * one queue, a worker killed mid-job, cancellation, failing jobs, SIGTERM of
 * `backprop worker`, and a Redis restart mid-job. Tests wait for events
 * (a job active, a checkpoint written), never for durations.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, Network, ShapeError, type NetworkOptions } from '../../lib/index.js';
import {
  JobFailedError,
  TrainingQueue,
  TrainingWorker,
  type JobStatus,
  type TrainingJob,
  type WorkerEvent,
} from '../../lib/queue/index.js';
import { expectError, rejected, thrown } from '../api/expect-error';
import { bytesOf, random, randomLabels, uniform } from '../api/fixtures';
import { CLI } from '../cli/run-cli';
import { ensureBuiltFacade } from '../support/built-facade';
import { RedisServer } from './redis-server';

let redis: RedisServer;
let directory: string;
let queueCount = 0;
/** Closed after each test, whatever happened. */
const toClose: { close(): Promise<void> }[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  ensureBuiltFacade();
  redis = await RedisServer.start();
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backprop-queue-'));
}, 120_000);

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(toClose.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await redis?.dispose();
  await fs.rm(directory, { recursive: true, force: true });
});

const INPUTS = 4;
const ROWS = 256;
const next = random(16);
const X = uniform(next, ROWS, INPUTS);
const LABELS = randomLabels(next, ROWS, 3);
const ROWS_OF_X = Array.from({ length: ROWS }, (_, r) => Array.from(X.subarray(r * INPUTS, (r + 1) * INPUTS)));

const NETWORK: NetworkOptions = {
  inputs: INPUTS,
  layers: [{ units: 32, activation: 'relu' }, { units: 3, activation: 'softmax' }],
  loss: 'crossEntropy',
  optimizer: { type: 'adam', learningRate: 0.01 },
  seed: 7,
};

/** Long enough to be caught mid-way (about a second or more here), short enough to finish. */
const LONG_EPOCHS = 1500;

function longJob(checkpoint?: string): TrainingJob {
  return { network: NETWORK, fit: { epochs: LONG_EPOCHS, batchSize: 32 }, data: { x: X, y: LABELS }, ...(checkpoint ? { checkpoint } : {}) };
}

function newQueue(): { name: string; queue: TrainingQueue } {
  const name = `test-${++queueCount}`;
  const queue = new TrainingQueue({ connection: redis.url, name });
  toClose.push(queue);
  return { name, queue };
}

function newWorker(name: string, events: WorkerEvent[] = [], options: { concurrency?: number; stalledIntervalMs?: number; lockDurationMs?: number } = {}): TrainingWorker {
  const worker = new TrainingWorker({ connection: redis.url, name, onEvent: (event) => events.push(event), ...options });
  toClose.push(worker);
  return worker;
}

/** Polls `check` until it holds (a safety net of 60 s, not a timing assumption). */
async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function progressed(queue: TrainingQueue, id: string, epochs = 1): Promise<boolean> {
  const status: JobStatus = await queue.status(id);
  return status.state === 'active' && (status.progress?.epoch ?? 0) >= epochs;
}

/** `backprop worker` as a child process; resolves once it says it is taking jobs. */
async function cliWorker(name: string, extra: string[] = []): Promise<{ child: ChildProcess; stdout: () => string; stderr: () => string }> {
  const child = spawn(process.execPath, [CLI, 'worker', '--redis', redis.url, '--queue', name, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BACKPROP_THREADS: '1' },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await until('the CLI worker to start', () => {
    if (child.exitCode !== null) throw new Error(`backprop worker exited with ${child.exitCode}: ${stderr}`);
    return stderr.includes(`worker on queue ${name}`);
  });
  return { child, stdout: () => stdout, stderr: () => stderr };
}

/** result() rejects with a JobFailedError named as the worker's error. */
function expectJobFailure(error: unknown, name: string, mentions: string[]): void {
  expect(error).toBeInstanceOf(JobFailedError);
  expect((error as Error).name).toBe(name);
  for (const mention of mentions) expect((error as Error).message).toContain(mention);
}

describe('jobs round-trip', () => {
  it('returns the model, history and metrics a local fit gives, bit for bit (rows, base64 arrays, a CSV file, validationData)', async () => {
    const { name, queue } = newQueue();
    const events: WorkerEvent[] = [];
    newWorker(name, events);
    const fit = { epochs: 5, batchSize: 16, validationSplit: 0.25 };
    const local = new Network(NETWORK);
    const localHistory = await local.fit(ROWS_OF_X, LABELS, fit);
    const trainRows = ROWS - ROWS / 4;
    const localMetrics = local.evaluate(X.subarray(trainRows * INPUTS), LABELS.subarray(trainRows));

    const csv = path.join(directory, 'round-trip.csv');
    const lines = ['a,b,c,d,label', ...ROWS_OF_X.map((row, r) => `${row.map((v) => v.toPrecision(9)).join(',')},${LABELS[r]}`)];
    await fs.writeFile(csv, `${lines.join('\n')}\n`);
    const ids = [
      await queue.add({ network: NETWORK, fit, data: { x: ROWS_OF_X, y: Array.from(LABELS) } }),
      await queue.add({ network: NETWORK, fit, data: { x: X, y: LABELS } }),
      await queue.add({ network: NETWORK, fit, data: { path: csv, target: 'label' } }),
      // The same split given as validationData (typed arrays, sent as base64).
      await queue.add({
        network: NETWORK,
        fit: { epochs: 5, batchSize: 16, validationData: { x: X.subarray(trainRows * INPUTS), y: LABELS.subarray(trainRows) } },
        data: { x: X.subarray(0, trainRows * INPUTS), y: LABELS.subarray(0, trainRows) },
      }),
    ];
    for (const id of ids) {
      const result = await queue.result(id, { timeoutMs: 60_000 });
      expect(Buffer.from(result.model).equals(Buffer.from(local.toBytes()))).toBe(true);
      const remote = Network.fromBytes(result.model);
      expect(bytesOf(remote.predict(X)).equals(bytesOf(local.predict(X)))).toBe(true);
      expect({ ...result.history, samplesPerSecond: 0 }).toEqual({ ...localHistory, samplesPerSecond: 0 });
      expect(result.metrics).toEqual({ ...localMetrics, data: 'validation', rows: ROWS / 4 });
      expect(result.resumedFromEpoch).toBe(0);
      const status = await queue.status(id);
      expect(status.state).toBe('completed');
      expect(status.progress).toMatchObject({ epoch: 5, epochs: 5, loss: localHistory.loss[4] });
    }
    expect(events.map((e) => e.type)).toEqual(ids.flatMap(() => ['started', 'completed']));
    expect((await queue.list(['completed'])).map((s) => s.id).sort()).toEqual([...ids].sort());
  });

  it("trains on the engine the job names: backend 'js' matches a local pure-TS fit bit for bit", async () => {
    const { name, queue } = newQueue();
    newWorker(name);
    const network: NetworkOptions = { ...NETWORK, backend: 'js' };
    const local = new Network(network);
    await local.fit(X, LABELS, { epochs: 3 });
    const result = await queue.result(await queue.add({ network, fit: { epochs: 3 }, data: { x: X, y: LABELS } }), { timeoutMs: 60_000 });
    expect(Buffer.from(result.model).equals(Buffer.from(local.toBytes()))).toBe(true);
  });

  it('checks a job before queueing it, with the errors new Network and fit throw', async () => {
    const { queue } = newQueue();
    const data = { x: X, y: LABELS };
    const refused: [unknown, new (...args: never[]) => Error, string[]][] = [
      [{ network: { ...NETWORK, layers: [] }, data }, ArgumentError, ['layers']],
      [{ network: { ...NETWORK, loss: 'mse', layers: [{ units: 3, activation: 'softmax' }], optimizr: 'adam' }, data }, ArgumentError, ['optimizr']],
      [{ network: NETWORK, fit: { epochs: 0 }, data }, ArgumentError, ['options.epochs']],
      [{ network: NETWORK, fit: { onEpochEnd: () => undefined }, data }, ArgumentError, ['job.fit.onEpochEnd']],
      [{ network: NETWORK, data: { x: X, y: LABELS.subarray(1) } }, ShapeError, ['job.data.y']],
      [{ network: NETWORK, data: { x: X.subarray(1), y: LABELS } }, ShapeError, ['job.data.x']],
      [{ network: NETWORK, data: { x: X, y: new Int32Array(ROWS).fill(3) } }, ArgumentError, ['job.data.y']],
      [{ network: NETWORK, data: { x: { dtype: 'float16', base64: '' }, y: LABELS } }, ArgumentError, ['job.data.x.dtype']],
      [{ network: NETWORK, data: { path: '' } }, ArgumentError, ['job.data.path']],
      [{ network: NETWORK, data: { path: 'a.csv', format: 'xlsx' } }, ArgumentError, ['job.data.format']],
      [{ network: NETWORK, data, checkpoint: 3 }, ArgumentError, ['job.checkpoint']],
      [{ network: NETWORK, data, epochs: 3 }, ArgumentError, ['epochs']],
    ];
    for (const [job, type, mentions] of refused) expectError(await rejected(() => queue.add(job as TrainingJob)), type, mentions);
    expect(await queue.list()).toEqual([]);
  });
});

describe('options', () => {
  it('TrainingQueue and TrainingWorker check theirs before connecting', () => {
    const refused: [() => unknown, string][] = [
      [() => new TrainingQueue({ connection: redis.url, name: '' }), 'options.name'],
      [() => new TrainingQueue({ connection: redis.url, name: 'a:b' }), 'options.name'],
      [() => new TrainingQueue({ connection: 6379 as never, name: 'q' }), 'options.connection'],
      [() => new TrainingQueue({ connection: redis.url, name: 'q', concurrency: 2 } as never), 'concurrency'],
      [() => new TrainingWorker({ connection: redis.url, name: 'q', concurrency: 0 }), 'options.concurrency'],
      [() => new TrainingWorker({ connection: redis.url, name: 'q', lockDurationMs: 1.5 }), 'options.lockDurationMs'],
      [() => new TrainingWorker({ connection: redis.url, name: 'q', onEvent: 'print' as never }), 'options.onEvent'],
    ];
    for (const [build, mentions] of refused) expectError(thrown(build), ArgumentError, [mentions]);
  });
});

describe('workers', () => {
  it('two workers share a queue: with concurrency 1 each, two jobs run at once', async () => {
    const { name, queue } = newQueue();
    const first: WorkerEvent[] = [];
    const second: WorkerEvent[] = [];
    newWorker(name, first);
    newWorker(name, second);
    const ids = [await queue.add(longJob()), await queue.add(longJob())];
    await until('both jobs active', async () => (await queue.list(['active'])).length === 2);
    const results = await Promise.all(ids.map((id) => queue.result(id, { timeoutMs: 60_000 })));
    expect(Buffer.from(results[0].model).equals(Buffer.from(results[1].model))).toBe(true);
    expect(first.filter((e) => e.type === 'completed')).toHaveLength(1);
    expect(second.filter((e) => e.type === 'completed')).toHaveLength(1);
  });

  it('a worker killed with SIGKILL mid-job: the job completes on the other, resumed from its checkpoint', async () => {
    const { name, queue } = newQueue();
    const checkpoint = path.join(directory, 'killed.safetensors');
    // A worker's stalled-job check holds off every worker's for its own interval: all workers of a queue need the short one.
    const doomed = await cliWorker(name, ['--lock-duration', '2000', '--stalled-interval', '300']);
    const id = await queue.add(longJob(checkpoint));
    await until('the first checkpoint', async () => (await progressed(queue, id)) && existsSync(checkpoint));
    const events: WorkerEvent[] = [];
    newWorker(name, events, { stalledIntervalMs: 300 });
    doomed.child.kill('SIGKILL');
    await once(doomed.child, 'exit');
    const result = await queue.result(id, { timeoutMs: 60_000 });
    expect(events.filter((e) => e.type !== 'error')).toEqual([
      { type: 'started', jobId: id },
      { type: 'completed', jobId: id },
    ]);
    expect(result.resumedFromEpoch).toBeGreaterThanOrEqual(1);
    expect(result.history.epochs).toBe(LONG_EPOCHS);
    expect(result.history.loss).toHaveLength(LONG_EPOCHS);
    // Resumed with its optimizer state, RNG and epoch count: the bits of an uninterrupted local fit.
    const local = new Network(NETWORK);
    await local.fit(X, LABELS, longJob().fit);
    expect(bytesOf(Network.fromBytes(result.model).predict(X)).equals(bytesOf(local.predict(X)))).toBe(true);
    local.dispose();
  });

  it('cancel: a running job stops and fails with a CancelledError, a waiting one is removed, a finished one stays', async () => {
    const { name, queue } = newQueue();
    const events: WorkerEvent[] = [];
    newWorker(name, events);
    const running = await queue.add({ ...longJob(), fit: { epochs: 1_000_000, batchSize: 32 } });
    const waiting = await queue.add(longJob());
    await until('the job to train', () => progressed(queue, running));
    expect(await queue.cancel(waiting)).toBe(true);
    expect(await queue.cancel(running)).toBe(true);
    const error = await rejected(() => queue.result(running));
    expectJobFailure(error, 'CancelledError', [`job ${running} was cancelled after epoch`]);
    expect((error as JobFailedError).jobId).toBe(running);
    const removed = await rejected(() => queue.result(waiting));
    expect((removed as JobFailedError).name).toBe('CancelledError');
    expect((removed as Error).message).toContain('before it started');
    // The worker serves on.
    const after = await queue.add({ network: NETWORK, fit: { epochs: 2 }, data: { x: X, y: LABELS } });
    await queue.result(after, { timeoutMs: 60_000 });
    expect(await queue.cancel(after)).toBe(false);
    expect(await queue.cancel('no-such-job')).toBe(false);
    expect(events.filter((e) => e.type !== 'error').map((e) => [e.type, 'jobId' in e ? e.jobId : ''])).toEqual([
      ['started', running],
      ['failed', running],
      ['started', after],
      ['completed', after],
    ]);
  });

  it('failing jobs (bad data, divergence) end failed with the typed error, and the worker keeps serving', async () => {
    const { name, queue } = newQueue();
    newWorker(name);
    const wide = path.join(directory, 'wide.csv');
    await fs.writeFile(wide, 'a,b,label\n1,2,0\n3,4,1\n');
    const missing = path.join(directory, 'missing.csv');
    const diverging: TrainingJob = {
      network: { inputs: 1, layers: [{ units: 1 }], loss: 'mse', optimizer: { type: 'sgd', learningRate: 1 }, seed: 3 },
      fit: { epochs: 50, batchSize: 4, shuffle: false },
      data: { x: new Float32Array(16).fill(10), y: new Float32Array(16).fill(1e4) },
    };
    const failures: [TrainingJob, string, string[]][] = [
      [{ network: NETWORK, data: { path: wide } }, 'ShapeError', [wide, '2 inputs per row', 'takes 4']],
      [{ network: NETWORK, data: { path: missing } }, 'FileError', ['ENOENT', missing]],
      [diverging, 'DivergenceError', ['training diverged', 'epoch', 'batch']],
    ];
    for (const [job, errorName, mentions] of failures) {
      const id = await queue.add(job);
      const error = await rejected(() => queue.result(id, { timeoutMs: 60_000 }));
      expectJobFailure(error, errorName, mentions);
      const status = await queue.status(id);
      expect(status.state).toBe('failed');
      expect(status.error).toEqual({ name: errorName, message: (error as Error).message });
    }
    const good = await queue.add({ network: NETWORK, fit: { epochs: 2 }, data: { x: X, y: LABELS } });
    expect((await queue.result(good, { timeoutMs: 60_000 })).history.epochs).toBe(2);
  });

  it('backprop worker on SIGTERM: requeues its checkpointed job, finishes the other, exits 0; the job resumes elsewhere', async () => {
    const { name, queue } = newQueue();
    const checkpoint = path.join(directory, 'sigterm.safetensors');
    const worker = await cliWorker(name, ['--concurrency', '2']);
    const requeued = await queue.add(longJob(checkpoint));
    const finished = await queue.add(longJob());
    await until('both jobs trained an epoch', async () => (await progressed(queue, requeued)) && (await progressed(queue, finished)) && existsSync(checkpoint));
    worker.child.kill('SIGTERM');
    const [code] = (await once(worker.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(worker.stdout()).toContain(`job ${requeued} requeued`);
    expect(worker.stdout()).toContain(`job ${finished} completed`);
    expect(worker.stderr()).toContain('worker stopped');
    expect((await queue.status(requeued)).state).toBe('waiting');
    expect((await queue.status(finished)).state).toBe('completed');
    newWorker(name);
    const result = await queue.result(requeued, { timeoutMs: 60_000 });
    expect(result.resumedFromEpoch).toBeGreaterThanOrEqual(1);
    expect(result.history.loss).toHaveLength(LONG_EPOCHS);
  });

  it('survives a Redis restart mid-job', async () => {
    const { name, queue } = newQueue();
    const events: WorkerEvent[] = [];
    newWorker(name, events);
    const id = await queue.add(longJob());
    await until('the job to train', () => progressed(queue, id));
    // Its result needs Redis: the job cannot finish while Redis is down.
    expect((await queue.status(id)).progress!.epoch).toBeLessThan(LONG_EPOCHS);
    await redis.stop();
    await redis.resume();
    const result = await queue.result(id, { timeoutMs: 60_000 });
    expect(result.history.epochs).toBe(LONG_EPOCHS);
    expect(result.resumedFromEpoch).toBe(0);
    const local = new Network(NETWORK);
    await local.fit(X, LABELS, longJob().fit);
    expect(Buffer.from(result.model).equals(Buffer.from(local.toBytes()))).toBe(true);
    expect(events.filter((e) => e.type !== 'error')).toEqual([
      { type: 'started', jobId: id },
      { type: 'completed', jobId: id },
    ]);
  });
});
