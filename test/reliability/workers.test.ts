/**
 * worker_threads through the public API of the built package: four workers
 * train at once and get the bits this thread gets; a worker terminated
 * mid-fit leaves the process healthy; workers that finish exit with code 0,
 * and a process never crashes on the way out, whatever is still training;
 * a worker terminated in the middle of a save leaves no temporary file.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltFacade, packageRoot } from '../support/built-facade';
import { fixtures, nativeBinary } from './engines';

nativeBinary();
beforeAll(() => ensureBuiltFacade(), 120_000);

const dist = path.join(packageRoot, 'dist', 'index.js');
const load = createRequire(__filename);

interface JobResult {
  backend: string;
  loss: number;
  weights: string;
}

/** The same job in this thread, through dist/ like the workers. */
function trainHere(seed: number, epochs: number): Promise<JobResult> {
  const { train } = load(path.join(fixtures, 'training-job.cjs')) as { train: (b: unknown, seed: number, epochs: number) => Promise<JobResult> };
  return train(load(dist), seed, epochs);
}

function worker(seed: number, epochs: number, announce = false): { worker: Worker; exit: Promise<number> } {
  const w = new Worker(path.join(fixtures, 'train-in-worker.cjs'), { workerData: { dist, seed, epochs, announce } });
  return { worker: w, exit: new Promise((resolve) => w.once('exit', resolve)) };
}

function nextMessage<T>(w: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}

describe('worker_threads through the public API', () => {
  it('4 workers train separate networks at once, each bit-identical to this thread, and exit with code 0', async () => {
    const started = [11, 12, 13, 14].map((seed) => worker(seed, 8));
    const results = await Promise.all(started.map(({ worker: w }) => nextMessage<JobResult>(w)));
    expect(await Promise.all(started.map(({ exit }) => exit))).toEqual([0, 0, 0, 0]);
    for (const [i, result] of results.entries()) {
      expect(result.backend).toBe('native');
      const here = await trainHere(11 + i, 8);
      expect(result.loss).toBe(here.loss);
      expect(result.weights === here.weights).toBe(true);
    }
  }, 60_000);

  it('a worker terminated mid-fit leaves this thread and new workers training normally', async () => {
    const doomed = worker(21, 1e6, true);
    expect(await nextMessage<string>(doomed.worker)).toBe('started');
    await doomed.worker.terminate();
    expect(await doomed.exit).toBe(1);
    const here = await trainHere(22, 3);
    expect(here.backend).toBe('native');
    expect(Number.isFinite(here.loss)).toBe(true);
    const after = worker(22, 3);
    expect((await nextMessage<JobResult>(after.worker)).weights === here.weights).toBe(true);
    expect(await after.exit).toBe(0);
  }, 60_000);

  it('a worker terminated in the middle of a save leaves no temporary file, and the previous file intact', async () => {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backprop-worker-save-'));
    try {
      const target = path.join(directory, 'model.safetensors');
      await fs.writeFile(target, 'previous');
      const saving = new Worker(path.join(fixtures, 'save-then-stall.cjs'), { workerData: { dist, target, backend: 'native' } });
      const exit = new Promise((resolve) => saving.once('exit', resolve));
      expect(await nextMessage<string>(saving)).toBe('written');
      expect((await fs.readdir(directory)).some((name) => name.endsWith('.tmp'))).toBe(true);
      await saving.terminate();
      expect(await exit).toBe(1);
      expect(await fs.readdir(directory)).toEqual(['model.safetensors']);
      expect(await fs.readFile(target, 'utf8')).toBe('previous');
    } finally {
      await fs.rm(directory, { recursive: true, force: true });
    }
  }, 60_000);

  it.each(['main', 'workers', 'natural'])('a process leaving while native training runs (%s) exits with code 0', (mode) => {
    const result = spawnSync(process.execPath, [path.join(fixtures, 'exit-while-training.cjs'), dist, mode], { encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('leaving\n');
    expect(result.signal).toBe(null);
    expect(result.status).toBe(0);
  }, 70_000);
});
