/**
 * Memory of the native engine over long use, measured by bench/memory.mjs in
 * a child process with --expose-gc (smaller counts than BENCHMARKS.md's):
 * steps and create/dispose cycles do not grow RSS, and networks never
 * disposed are freed by the garbage collector's finalizer. The pure-TS
 * engine's memory is the garbage collector's alone.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltFacade, packageRoot } from '../support/built-facade';
import { nativeBinary } from './engines';

nativeBinary();
beforeAll(() => ensureBuiltFacade(), 120_000);

interface Line {
  case: string;
  count: number;
  growthMB: number;
  peakMB?: number;
}

describe('memory of the native engine (bench/memory.mjs)', () => {
  let lines: Map<string, Line>;
  beforeAll(() => {
    const result = spawnSync(
      process.execPath,
      [path.join(packageRoot, 'bench', 'memory.mjs'), '--backend', 'native', '--steps', '20000', '--cycles', '2000', '--dropped', '100'],
      { encoding: 'utf8', timeout: 150_000 },
    );
    if (result.status !== 0) throw new Error(`bench/memory.mjs failed (${result.status ?? result.signal}):\n${result.stderr}`);
    lines = new Map(result.stdout.trim().split('\n').map((text) => JSON.parse(text) as Line).map((line) => [line.case, line]));
  }, 160_000);

  it('20,000 trainBatch steps grow RSS by less than 2 MB', () => {
    expect(lines.get('trainBatch')?.count).toBe(20000);
    expect(lines.get('trainBatch')?.growthMB).toBeLessThan(2);
  });

  // A network of this size holds over 100 KB: leaking one per cycle would add 200 MB.
  // Measured 3 to 8 MB (allocator and heap noise: 10,000 cycles add no more).
  it('2,000 create/train/dispose cycles grow RSS by less than 16 MB', () => {
    expect(lines.get('cycles')?.count).toBe(2000);
    expect(lines.get('cycles')?.growthMB).toBeLessThan(16);
  });

  // Each dropped network holds about 16 MB once trained: 100 leaked would be 1.6 GB.
  it('100 large networks never disposed are freed by the garbage collector: RSS grows by less than 400 MB', () => {
    expect(lines.get('finalizer')?.count).toBe(100);
    expect(lines.get('finalizer')?.growthMB).toBeLessThan(400);
    expect(lines.get('finalizer')?.peakMB).toBeLessThan(800);
  });
});
