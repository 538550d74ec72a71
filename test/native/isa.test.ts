/**
 * BACKPROP_ISA forces a SIMD path (each reports itself and computes the same
 * results as the others, within float tolerance); an unknown or unsupported
 * value is refused with an error naming the variable.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltFacade, fixtures, looseAddon, nativeBackend, packageRoot } from './helpers';

const binary = nativeBackend().info.binary;
const supported = looseAddon().info().isaSupported;
const ALL_ISAS = ['scalar', 'avx2', 'avx512', 'neon', 'avx512bf16', 'amx'];

interface Probe {
  isa?: string;
  outputs?: number[];
  error?: string;
  constructorError?: string;
  registeredClass?: boolean;
}

function probe(isa: string): Probe {
  const result = spawnSync(process.execPath, [path.join(fixtures, 'isa-probe.cjs'), binary], {
    env: { ...process.env, BACKPROP_ISA: isa },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as Probe;
}

describe('BACKPROP_ISA', () => {
  it('always offers the scalar path', () => {
    expect(supported).toContain('scalar');
    expect(supported.every((isa) => ALL_ISAS.includes(isa))).toBe(true);
  });

  it.each(ALL_ISAS)('=%s runs that path when supported here, and is refused by name otherwise', (isa) => {
    const result = probe(isa);
    if (supported.includes(isa)) {
      expect(result.isa).toBe(isa);
      const scalar = probe('scalar').outputs ?? [];
      expect(result.outputs).toHaveLength(scalar.length);
      result.outputs?.forEach((value, i) => expect(Math.abs(value - scalar[i])).toBeLessThan(1e-5));
    } else {
      expect(result.error).toBe(`BACKPROP_ISA=${isa} is not supported by this CPU or this binary (supported here: ${supported.join(', ')})`);
      expect(result.registeredClass).toBe(true);
    }
  });

  it('refuses an unknown value, in info() and in new NativeModel()', () => {
    const result = probe('sse9');
    const message = 'BACKPROP_ISA=sse9 is not a known SIMD path: expected one of scalar, avx2, avx512, neon, avx512bf16, amx';
    expect(result.error).toBe(message);
    expect(result.constructorError).toBe(message);
    expect(result.registeredClass).toBe(true);
  });

  it('picks the widest supported path when empty', () => {
    expect(probe('').isa).toBe(supported[supported.length - 1]);
  });
});

describe('loadNativeBackend() under BACKPROP_ISA (built facade, child process)', () => {
  beforeAll(() => ensureBuiltFacade());

  function load(isa: string): { isa?: string; error?: string } {
    const script = `const r = require(${JSON.stringify(path.join(packageRoot, 'dist', 'backends', 'native.js'))}).loadNativeBackend();
process.stdout.write(JSON.stringify('backend' in r ? { isa: r.backend.info.isa } : { error: r.error }));`;
    const result = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, BACKPROP_ISA: isa }, encoding: 'utf8' });
    expect(result.status).toBe(0);
    return JSON.parse(result.stdout) as { isa?: string; error?: string };
  }

  it('reports the forced path', () => {
    expect(load('scalar')).toEqual({ isa: 'scalar' });
  });

  it('returns the reason instead of throwing for an invalid value', () => {
    expect(load('avx9000').error).toMatch(/^BACKPROP_ISA=avx9000 is not a known SIMD path/);
  });
});
