/**
 * bench/event-loop.mjs, the benchmark behind BENCHMARKS.md's event-loop
 * figures, runs on both backends and reports every field it promises, with
 * a predict() answered at every tick. (Durations are the benchmark's to
 * record, never a test's to assert.)
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltFacade, packageRoot } from '../support/built-facade';
import { ENGINES, nativeBinary } from './engines';

nativeBinary();
beforeAll(() => ensureBuiltFacade(), 120_000);

describe('bench/event-loop.mjs', () => {
  it('trains on each backend while a timer predicts at every tick', () => {
    const result = spawnSync(
      process.execPath,
      [path.join(packageRoot, 'bench', 'event-loop.mjs'), '--backends', ENGINES.join(','), '--seconds', '1', '--rows', '2000'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, number | string>);
    expect(lines.map((line) => line.backend)).toEqual(ENGINES);
    for (const line of lines) {
      expect(line.rows).toBe(2000);
      expect(line.batches).toBeGreaterThan(0);
      expect(line.ticks).toBeGreaterThan(0);
      expect(line.predicts).toBe(line.ticks);
      for (const key of ['fitReturnMs', 'worstGapMs', 'meanGapMs', 'worstPredictMs']) expect(typeof line[key]).toBe('number');
    }
  });
});
