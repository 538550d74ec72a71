/**
 * The training-control flags of backprop train: a schedule moves the rate
 * each epoch, early stopping ends the run, a checkpoint holds the training
 * state that --resume continues from, class weights and clipping reach the
 * network, bad values are refused in flag terms; info --model summarises.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { Network } from '../../lib/index.js';
import { ensureBuiltFacade } from '../support/built-facade';
import { classesCsv, fixtureDir, runCli } from './run-cli';

let dir: string;
beforeAll(() => {
  ensureBuiltFacade();
  dir = fixtureDir({ 'train.csv': classesCsv(240) });
}, 120_000);

const base = ['train', '--data', 'train.csv', '--layers', '8:tanh,3:softmax', '--seed', '4', '--json'];

function epochs(stdout: string): Array<Record<string, number>> {
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, number>);
}

describe('backprop train: training control', () => {
  it('--schedule step:2:0.5 halves the rate every two epochs; --clip-norm reaches the optimizer', async () => {
    const run = runCli([...base, '--epochs', '5', '--lr', '0.1', '--schedule', 'step:2:0.5', '--clip-norm', '2', '--out', 'step.safetensors'], dir);
    expect(run.status).toBe(0);
    expect(epochs(run.stdout).map((e) => e.learningRate)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
    const network = await Network.load(path.join(dir, 'step.safetensors'));
    expect(network.options.optimizer).toMatchObject({ clipNorm: 2 });
    network.dispose();
  });

  it('--early-stopping with --monitor stops the run; --checkpoint and --resume continue it', async () => {
    const stopped = runCli(
      [...base, '--epochs', '40', '--lr', '0.3', '--optimizer', 'sgd', '--validation-split', '0.25', '--early-stopping', '1', '--monitor', 'valLoss', '--checkpoint', 'ck.safetensors', '--out', 'early.safetensors'],
      dir,
    );
    expect(stopped.status).toBe(0);
    const logged = epochs(stopped.stdout);
    expect(logged.length).toBeLessThan(40);
    const checkpoint = await Network.load(path.join(dir, 'ck.safetensors'));
    expect(checkpoint.epochsTrained).toBe(logged.length);
    checkpoint.dispose();
    const resumed = runCli(
      ['train', '--data', 'train.csv', '--resume', 'ck.safetensors', '--epochs', '2', '--json', '--checkpoint', 'ck2.safetensors', '--out', 'resumed.safetensors'],
      dir,
    );
    expect(resumed.status).toBe(0);
    expect(epochs(resumed.stdout)).toHaveLength(2);
    const continued = await Network.load(path.join(dir, 'ck2.safetensors'));
    expect(continued.epochsTrained).toBe(logged.length + 2);
    continued.dispose();
  });

  it('--class-weight balanced or listed; bad flags are named', () => {
    expect(runCli([...base, '--epochs', '1', '--class-weight', 'balanced', '--out', 'b.safetensors'], dir).status).toBe(0);
    expect(runCli([...base, '--epochs', '1', '--class-weight', '1,2,1', '--out', 'c.safetensors'], dir).status).toBe(0);
    const wrong = runCli([...base, '--epochs', '1', '--class-weight', '1,2', '--out', 'd.safetensors'], dir);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('classWeight');
    const schedule = runCli([...base, '--schedule', 'linear'], dir);
    expect(schedule.status).toBe(2);
    expect(schedule.stderr).toContain('--schedule');
    const monitor = runCli([...base, '--early-stopping', '--monitor', 'valAuc', '--validation-split', '0.2'], dir);
    expect(monitor.status).toBe(2);
    expect(monitor.stderr).toContain("'valAuc'");
  });

  it('info --model prints the summary and the training state', () => {
    const shown = runCli(['info', '--model', 'ck.safetensors'], dir);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toMatch(/epochs trained/);
    expect(shown.stdout).toMatch(/1 dense 8 · tanh\s+8\s+/);
    expect(shown.stdout).toMatch(/total \(inputs \d+\)\s+\d+/);
  });
});
