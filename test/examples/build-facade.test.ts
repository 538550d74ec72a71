/** The examples, the demo and the benchmarks compile the facade only when a source changed. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { facadeIsStale } from '../../scripts/build-facade.mjs';
import { packageRoot } from '../support/built-facade';

const work = mkdtempSync(path.join(tmpdir(), 'backprop-build-facade-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function file(relative: string, secondsAgo: number): string {
  const full = path.join(work, relative);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, '');
  const when = Date.now() / 1000 - secondsAgo;
  utimesSync(full, when, when);
  return full;
}

describe('facadeIsStale', () => {
  it('is true without dist/, false when dist/ is newer than lib/ and tsconfig.json, true again when a source changes', () => {
    file('lib/network.ts', 100);
    file('lib/io/csv.ts', 100);
    file('tsconfig.json', 100);
    expect(facadeIsStale(work)).toBe(true);
    file('dist/index.js', 50);
    expect(facadeIsStale(work)).toBe(true);
    file('dist/index.mjs', 50);
    expect(facadeIsStale(work)).toBe(false);
    file('lib/io/csv.ts', 10);
    expect(facadeIsStale(work)).toBe(true);
  });

  it('is what every example, demo and benchmark script runs instead of a full build', () => {
    const scripts = (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const runners = Object.entries(scripts).filter(([name]) => /^(demo|example:|bench$|bench:train|bench:memory|bench:event-loop|fuzz)/.test(name));
    expect(runners.length).toBeGreaterThanOrEqual(8);
    for (const [, command] of runners) {
      expect(command).toMatch(/^node scripts\/build-facade\.mjs && /);
      expect(command).not.toMatch(/npm run build/);
    }
  });
});
