/** examples/sweep.mjs runs 32 jobs through its own redis-server and two `backprop worker` processes, and names the best. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltFacade } from '../support/built-facade';
import { runExample } from './run-example';

beforeAll(() => ensureBuiltFacade(), 300_000);

describe('examples/sweep.mjs', () => {
  it('trains every configuration on the workers and prints the one with the lowest validation loss', () => {
    const output = runExample('sweep', ['--workers', '2', '--epochs', '2']);
    expect(output).toMatch(/^32 jobs on 2 workers, \d+ threads each \(queue sweep-\d+ at redis:\/\/127\.0\.0\.1:\d+\)$/m);
    const rows = [...output.matchAll(/^ *(\d+) units {2}(adam|sgd) +lr ([\d.]+) +val accuracy ([\d.]+) {2}val loss ([\d.]+)$/gm)];
    expect(rows).toHaveLength(32);
    // Printed losses are rounded: the best is one of the rows that print the lowest.
    const lowest = Math.min(...rows.map((row) => Number(row[5])));
    const candidates = rows
      .filter((row) => Number(row[5]) === lowest)
      .map(([, units, type, rate, accuracy, loss]) => `best: ${units} units, ${type}, learning rate ${rate}: val accuracy ${accuracy}, val loss ${loss}`);
    expect(candidates).toContain(output.match(/^best: .*$/m)?.[0]);
    expect(output).toMatch(/^32 jobs in [\d.]+ s with 2 workers: \d+ jobs\/hour$/m);
  });
});
