/** The report code (the only reader of Chart.js) stays out of the import path of users who never make a report. */
import { spawnSync } from 'node:child_process';
import { beforeAll, expect, it } from 'vitest';
import { ensureBuiltFacade, packageRoot } from '../support/built-facade';

beforeAll(() => ensureBuiltFacade(), 300_000);

function loadedFiles(script: string): string[] {
  const result = spawnSync(process.execPath, ['-e', script], { cwd: packageRoot, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as string[];
}

it("require('backprop') and a fit with a run log load neither the report module nor chart.js", () => {
  const files = loadedFiles(`
    const { Network } = require('backprop');
    const net = new Network({ inputs: 1, layers: [{ units: 1 }], seed: 1 });
    net.fitSync([[0], [1]], [[0], [1]], { epochs: 1, log: require('node:path').join(require('node:os').tmpdir(), 'import-path-' + process.pid + '.jsonl') });
    process.stdout.write(JSON.stringify(Object.keys(require.cache)));
  `);
  expect(files.some((file) => file.endsWith('run-log.js'))).toBe(true);
  expect(files.filter((file) => /chart\.js|[\\/]report[\\/]/.test(file))).toEqual([]);
});
