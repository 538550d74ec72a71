/**
 * The environment variables of the README, seen through the built package in
 * fresh processes (the engine choice is made once per process):
 * BACKPROP_BACKEND overrides 'auto' only, BACKPROP_THREADS sizes the native
 * pool, and values that cannot be used are refused by name.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltFacade, packageRoot } from '../support/built-facade';

beforeAll(() => ensureBuiltFacade(), 120_000);

interface Seen {
  info?: { backend: string; threads: number; nativeError?: string };
  auto?: string;
  explicitJs?: string;
  error?: { name: string; message: string };
  stderr: string;
}

function inChild(env: Record<string, string>): Seen {
  const script = `
    const { Network, info } = require('./dist/index.js');
    const make = (backend) => new Network({ inputs: 2, layers: [{ units: 1 }], seed: 1, backend }).backend;
    try {
      process.stdout.write(JSON.stringify({ info: info(), auto: make('auto'), explicitJs: make('js') }));
    } catch (e) {
      process.stdout.write(JSON.stringify({ error: { name: e.name, message: e.message } }));
    }`;
  const result = spawnSync(process.execPath, ['-e', script], {
    cwd: packageRoot,
    env: { ...process.env, BACKPROP_BACKEND: '', BACKPROP_THREADS: '', BACKPROP_ISA: '', ...env },
    encoding: 'utf8',
  });
  expect(result.status).toBe(0);
  return { ...(JSON.parse(result.stdout) as Omit<Seen, 'stderr'>), stderr: result.stderr };
}

describe('environment variables', () => {
  it('BACKPROP_BACKEND=js makes auto pick the pure-TS engine, without a warning', () => {
    const seen = inChild({ BACKPROP_BACKEND: 'js' });
    expect(seen.info?.backend).toBe('js');
    expect(seen.auto).toBe('js');
    expect(seen.stderr).toBe('');
  });

  it('BACKPROP_BACKEND=native makes auto pick the native engine; an explicit backend still wins', () => {
    const seen = inChild({ BACKPROP_BACKEND: 'native' });
    expect(seen.auto).toBe('native');
    expect(seen.explicitJs).toBe('js');
  });

  it('an unknown BACKPROP_BACKEND is an ArgumentError naming the variable', () => {
    const seen = inChild({ BACKPROP_BACKEND: 'gpu' });
    expect(seen.error?.name).toBe('ArgumentError');
    expect(seen.error?.message).toMatch(/BACKPROP_BACKEND/);
  });

  it.each(['1', '2', '3'])('BACKPROP_THREADS=%s sizes the native pool', (threads) => {
    expect(inChild({ BACKPROP_THREADS: threads }).info?.threads).toBe(Number(threads));
  });

  it.each(['0', 'abc', '2.5', '-1', '257'])('BACKPROP_THREADS=%s is refused by name: auto falls back with one warning', (threads) => {
    const seen = inChild({ BACKPROP_THREADS: threads });
    expect(seen.info?.backend).toBe('js');
    expect(seen.info?.nativeError).toBe(`BACKPROP_THREADS=${threads} is not a thread count: expected an integer from 1 to 256`);
    expect(seen.stderr.match(/backprop: using the pure-TypeScript backend/g)).toHaveLength(1);
  });

  it('backend native with an unusable BACKPROP_THREADS is a BackendError that says why', () => {
    const seen = inChild({ BACKPROP_THREADS: 'abc', BACKPROP_BACKEND: 'native' });
    expect(seen.error?.name).toBe('BackendError');
    expect(seen.error?.message).toMatch(/BACKPROP_THREADS=abc/);
  });
});
