/** Ctrl-C (SIGINT) during training stops between batches and still writes a model that loads. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { Network } from '../../lib/index.js';
import { ensureBuiltFacade } from '../support/built-facade';
import { classesCsv, CLI, fixtureDir, runCli } from './run-cli';

beforeAll(() => ensureBuiltFacade(), 300_000);

it('SIGINT after the first epoch writes the model trained so far and exits 130', async () => {
  const dir = fixtureDir({ 'train.csv': classesCsv(3000) });
  const args = ['train', '--data', 'train.csv', '--layers', '16:relu,3:softmax', '--epochs', '100000', '--batch-size', '1', '--seed', '2', '--standardize'];
  const child = spawn(process.execPath, [CLI, ...args, '--out', 'stopped.safetensors'], { cwd: dir });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve();
    });
  });
  expect(stdout).toMatch(/^epoch 1\/100000 {2}loss/);
  child.kill('SIGINT');
  expect(await exited).toBe(130);
  expect(stderr).toMatch(/stopping after the current batch/);
  const done = /wrote stopped\.safetensors after (\d+)\/100000 epochs, stopped by Ctrl-C\n$/.exec(stderr);
  expect(done).not.toBeNull();
  expect(Number(done?.[1])).toBeGreaterThanOrEqual(1);
  const network = await Network.load(path.join(dir, 'stopped.safetensors'));
  expect(network.inputs).toBe(3);
  expect(network.outputs).toBe(3);
  network.dispose();
  const evaluation = runCli(['evaluate', '--model', 'stopped.safetensors', '--data', 'train.csv', '--json'], dir);
  expect(evaluation.status).toBe(0);
  expect((JSON.parse(evaluation.stdout) as { accuracy: number }).accuracy).toBeGreaterThan(0.9);
});
