/** A training process killed (SIGKILL) mid-run leaves a run log that holds every epoch it finished, as valid JSON lines. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ensureBuiltFacade } from '../support/built-facade';
import { classesCsv, CLI, fixtureDir } from '../cli/run-cli';

beforeAll(() => ensureBuiltFacade(), 300_000);

it('backprop train --log, killed after its third epoch line, leaves a header and every finished epoch', async () => {
  const dir = fixtureDir({ 'train.csv': classesCsv(900) });
  const args = ['train', '--data', 'train.csv', '--layers', '16:relu,3:softmax', '--epochs', '100000', '--batch-size', '4', '--validation-split', '0.2', '--seed', '5', '--json', '--log', 'run.jsonl'];
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_, signal) => resolve(signal)));
  let stdout = '';
  // The CLI prints an epoch after the log has written it: three printed lines mean at least three logged epochs.
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.split('\n').length > 3) resolve();
    });
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  const printed = stdout.trimEnd().split('\n').map((line) => (JSON.parse(line) as { epoch: number }).epoch);

  const text = readFileSync(path.join(dir, 'run.jsonl'), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const [header, ...epochs] = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(header).toMatchObject({ type: 'run', seed: 5, fit: { epochs: 100000, batchSize: 4 }, rows: { train: 720, validation: 180 } });
  expect(epochs.length).toBeGreaterThanOrEqual(printed.length);
  expect(epochs.map((e) => e.epoch)).toEqual(Array.from({ length: epochs.length }, (_, i) => i + 1));
  for (const epoch of epochs) {
    expect(epoch).toMatchObject({ type: 'epoch', epochs: 100000, learningRate: 0.001 });
    for (const field of ['loss', 'accuracy', 'valLoss', 'valAccuracy', 'samplesPerSecond', 'seconds']) expect(typeof epoch[field]).toBe('number');
  }
});
