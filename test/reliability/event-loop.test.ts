/**
 * A native fit of the mnist configuration leaves the event loop free: the
 * 10 ms interval of bench/event-loop.mjs keeps ticking (a generous bound;
 * the benchmark records the real numbers).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltFacade, packageRoot } from '../support/built-facade';
import { nativeBinary } from './engines';

nativeBinary();
beforeAll(() => ensureBuiltFacade(), 120_000);

describe('event loop during a native fit (bench/event-loop.mjs)', () => {
  it('ticks a 10 ms interval at least 30 times in a 1 s fit, no gap over 200 ms', () => {
    const result = spawnSync(process.execPath, [path.join(packageRoot, 'bench', 'event-loop.mjs'), '--backends', 'native', '--seconds', '1'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const line = JSON.parse(result.stdout) as { backend: string; batches: number; ticks: number; worstGapMs: number };
    expect(line.backend).toBe('native');
    expect(line.batches).toBeGreaterThan(0);
    expect(line.ticks).toBeGreaterThanOrEqual(30);
    expect(line.worstGapMs).toBeLessThan(200);
  });
});
