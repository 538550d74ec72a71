/**
 * The built package, as users load it: require() and import() by the
 * package's own name (node run in the repository root resolves it through
 * the exports map to dist/index.js and dist/index.mjs).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { info } from '../../lib/index.js';
import { ensureBuiltFacade, packageRoot } from '../support/built-facade';

const ROOT = packageRoot;

beforeAll(() => ensureBuiltFacade(), 120_000);

/** Runs a script with node in the repository root; returns what it printed as JSON. */
function runNode(script: string, module: boolean): unknown {
  const args = module ? ['--input-type=module', '-e', script] : ['-e', script];
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node exited with ${result.status}:\n${result.stderr}`);
  return JSON.parse(result.stdout) as unknown;
}

/** Shared by both scripts: what a user sees of the package `b`. */
const PROBE = `
  const net = new b.Network({ inputs: 2, layers: [{ units: 3, activation: 'tanh' }, { units: 1 }], seed: 1 });
  net.fitSync([[0, 1], [1, 0]], [[1], [0]], { epochs: 2 });
  let formatError = '';
  try { b.Network.fromJSON('not json'); } catch (e) { formatError = e instanceof b.FormatError ? e.name : 'other'; }
  const result = {
    network: typeof b.Network,
    info: typeof b.info,
    version: b.info().version,
    backend: net.backend,
    outputs: net.predict([0.5, 0.5]).length,
    formatError,
  };
`;

const EXPECTED = {
  network: 'function',
  info: 'function',
  version: info().version,
  backend: info().backend,
  outputs: 1,
  formatError: 'FormatError',
};

describe('the built package', () => {
  it('works through require()', () => {
    const printed = runNode(`const b = require('backprop'); ${PROBE} console.log(JSON.stringify(result));`, false);
    expect(printed).toEqual(EXPECTED);
  });

  it('works through import, with the same classes as require()', () => {
    const script = `
      import * as b from 'backprop';
      import { createRequire } from 'node:module';
      ${PROBE}
      const required = createRequire(import.meta.url)('backprop');
      const dynamic = await import('backprop');
      result.sameClasses = b.Network === required.Network && b.FormatError === required.FormatError && dynamic.Network === b.Network;
      console.log(JSON.stringify(result));
    `;
    expect(runNode(script, true)).toEqual({ ...EXPECTED, sameClasses: true });
  });

  it('reports the version of its package.json', () => {
    const printed = runNode(`console.log(JSON.stringify(require('backprop').info().version === require('backprop/package.json').version))`, false);
    expect(printed).toBe(true);
  });
});
