/** --help of every command, --version, info, and a minimal bench run through the built CLI. */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { info } from '../../lib/index.js';
import { ensureBuiltFacade, packageRoot } from '../support/built-facade';
import { runCli } from './run-cli';

beforeAll(() => ensureBuiltFacade(), 300_000);

describe('--help', () => {
  it.each([
    [[], ['train', 'predict', 'evaluate', 'export', 'report', 'bench', 'info', 'worker']],
    [['train'], ['--data', '--labels', '--format', '--target', '--layers', '--loss', '--label-smoothing', '--huber-delta', '--optimizer', '--precision', '--lr', '--epochs', '--batch-size', '--validation-split', '--seed', '--scale', '--standardize', '--backend', '--out', '--json']],
    [['predict'], ['--model', '--data', '--format', '--out', '--json', '--backend']],
    [['evaluate'], ['--model', '--data', '--labels', '--format', '--target', '--json', '--backend']],
    [['export'], ['--model', '--out', 'raw input columns']],
    [['bench'], ['--json', '--only', '--configs', '--backends', '--optimizers', '--threads', '--seconds', '--repeats']],
    [['info'], ['--json']],
    [['worker'], ['--redis', '--queue', '--concurrency', '--lock-duration', '--stalled-interval']],
  ])('backprop %j --help lists %j', (command, words) => {
    const result = runCli([...command, '--help'], packageRoot);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: backprop${command.length ? ` ${command[0]}` : ''} `));
    for (const word of words) expect(result.stdout).toContain(word);
  });

  it('--version prints the package version', () => {
    const result = runCli(['--version'], packageRoot);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${info().version}\n`);
  });
});

describe('info', () => {
  it('--json is what info() returns', () => {
    const result = runCli(['info', '--json'], packageRoot);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(info());
  });

  it('prints version, backend, isa, threads and the binary (or why it did not load)', () => {
    const facts = info();
    const result = runCli(['info'], packageRoot);
    expect(result.stdout).toContain(`version  ${facts.version}\nbackend  ${facts.backend}\nisa      ${facts.isa}\nthreads  ${facts.threads}\n`);
    expect(result.stdout).toContain(`bfloat16 ${facts.bfloat16}\n`);
    expect(result.stdout).toContain(`binary   ${facts.binary ?? 'not loaded: '}`);
  });

  it('BACKPROP_BACKEND=js is reported', () => {
    const result = spawnSync(process.execPath, ['dist/cli/main.js', 'info', '--json'], {
      cwd: packageRoot,
      encoding: 'utf8',
      env: { ...process.env, BACKPROP_BACKEND: 'js' },
    });
    expect((JSON.parse(result.stdout) as { backend: string }).backend).toBe('js');
  });
});

describe('bench', () => {
  it('--json with the narrowest options prints one JSON object per measurement', () => {
    const result = runCli(
      ['bench', '--json', '--only', 'train', '--configs', 'xor', '--backends', 'js', '--optimizers', 'sgd', '--seconds', '0.05', '--repeats', '1'],
      packageRoot,
    );
    expect(result.status).toBe(0);
    const rows = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((r) => [r.bench, r.backend, r.config, r.optimizer, r.mode])).toEqual([
      ['train', 'js', 'xor', 'sgd', 'trainBatch'],
      ['train', 'js', 'xor', 'sgd', 'fit'],
    ]);
    for (const row of rows) expect(row.samplesPerSecond).toBeGreaterThan(0);
  });

  it('prints a table without --json', () => {
    const result = runCli(['bench', '--only', 'train', '--configs', 'xor', '--backends', 'js', '--optimizers', 'adam', '--seconds', '0.05', '--repeats', '1'], packageRoot);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^js +js +1 threads {2}xor adam trainBatch +\d+ samples\/s\njs .* xor adam fit +\d+ samples\/s\n$/);
  });

  it('refuses unknown configurations', () => {
    const result = runCli(['bench', '--configs', 'huge'], packageRoot);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`backprop: option '--configs <list>' argument 'huge' is invalid. "huge" is not one of xor, small, mnist, wide\n`);
  });
});
