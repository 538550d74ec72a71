/**
 * `backprop/queue` is its own entry point of the built package: require()
 * and import give the same classes, and `backprop` alone never loads BullMQ.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltFacade, packageRoot } from '../support/built-facade';

beforeAll(() => ensureBuiltFacade(), 300_000);

function runNode(args: string[]): unknown {
  const result = spawnSync(process.execPath, args, { cwd: packageRoot, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node exited with ${result.status}:\n${result.stderr}`);
  return JSON.parse(result.stdout) as unknown;
}

const loadsBullmq = `Object.keys(require.cache).some((file) => /node_modules[\\\\/]bullmq[\\\\/]/.test(file))`;

describe('the backprop/queue entry point', () => {
  it('is not loaded by require("backprop"), and loads BullMQ itself', () => {
    const script = `
      const b = require('backprop');
      const before = ${loadsBullmq};
      const q = require('backprop/queue');
      console.log(JSON.stringify({ before, after: ${loadsBullmq}, queue: typeof q.TrainingQueue, worker: typeof q.TrainingWorker, fromBytes: typeof b.Network.fromBytes }));
    `;
    expect(runNode(['-e', script])).toEqual({ before: false, after: true, queue: 'function', worker: 'function', fromBytes: 'function' });
  });

  it('gives the same classes through import and require', () => {
    const script = `
      import { TrainingQueue, JobFailedError } from 'backprop/queue';
      import { BackpropError } from 'backprop';
      import { createRequire } from 'node:module';
      const required = createRequire(import.meta.url)('backprop/queue');
      console.log(JSON.stringify({
        same: TrainingQueue === required.TrainingQueue && JobFailedError === required.JobFailedError,
        typed: new JobFailedError('1', 'DivergenceError', 'm') instanceof BackpropError,
      }));
    `;
    expect(runNode(['--input-type=module', '-e', script])).toEqual({ same: true, typed: true });
  });
});
