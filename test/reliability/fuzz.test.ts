/**
 * scripts/fuzz.mjs in a child process (a crash there must not take the test
 * runner with it): seeded random calls at every raw native entry point
 * (hostile weights and plan objects, random training-session sequences,
 * calls while trainBatchesAsync runs) and at the model loaders; every call
 * returns or throws an Error (the loaders a FormatError), and the process
 * ends normally with its summary line.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltFacade, packageRoot } from '../support/built-facade';
import { nativeBinary } from './engines';

nativeBinary();
beforeAll(() => ensureBuiltFacade(), 120_000);

interface Summary {
  fuzz: 'summary';
  cases: number;
  failed: number;
  failures: unknown[];
  threw: Record<string, number>;
}

function fuzz(cases: number, seed: number, targets: string): { status: number | null; signal: NodeJS.Signals | null; summary: Summary | null; stderr: string } {
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', path.join(packageRoot, 'scripts', 'fuzz.mjs'), '--cases', String(cases), '--seed', String(seed), '--targets', targets],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  return { status: result.status, signal: result.signal, summary: last.startsWith('{') ? (JSON.parse(last) as Summary) : null, stderr: result.stderr };
}

describe('fuzzing (scripts/fuzz.mjs)', () => {
  it('survives 5,000 seeded cases at info, setErrorClasses, NativeModel and its methods (also in random sessions and mid-run), fromJSON and load', () => {
    const run = fuzz(5000, 20261124, 'info,setErrorClasses,construct,method,session,interleaved,fromJSON,load');
    expect(run.signal).toBe(null);
    expect(run.stderr).toBe('');
    expect(run.summary?.failures).toEqual([]);
    expect(run.summary?.cases).toBe(5000);
    expect(run.status).toBe(0);
    // The loaders' and the binding's own classes were reached, not just early type checks.
    expect(Object.keys(run.summary?.threw ?? {})).toEqual(expect.arrayContaining(['ArgumentError', 'ShapeError', 'BusyError', 'DisposedError', 'FormatError']));
  });

  it('--help prints the usage and exits 0; an unknown option is one line and exit code 2', () => {
    const script = path.join(packageRoot, 'scripts', 'fuzz.mjs');
    const help = spawnSync(process.execPath, ['--expose-gc', script, '--help'], { encoding: 'utf8' });
    expect([help.status, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^usage: node scripts\/fuzz\.mjs \[--cases N\]/);
    const unknown = spawnSync(process.execPath, ['--expose-gc', script, '--frobnicate'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^fuzz: Unknown option '--frobnicate'/);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
  });
});
