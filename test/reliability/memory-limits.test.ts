/**
 * Networks the limits admit but the machine cannot hold are refused at
 * once with a MemoryError (the rule: lib/memory-estimate.ts, README
 * "Reliability"); an allocation that fails anyway is a MemoryError too; and
 * the native engine keeps what grows with a network in memory V8 owns, so
 * that networks never disposed are collected before they pile up.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MemoryError, Network } from '../../lib/index.js';
import { resolveNetworkOptions } from '../../lib/spec';
import { allocating, checkNetworkMemory, estimateNetworkBytes } from '../../lib/memory-estimate';
import { expectError, thrown } from '../api/expect-error';
import { ensureBuiltFacade, packageRoot } from '../support/built-facade';
import { ENGINES, nativeBinary } from './engines';

nativeBinary();

const spec = (inputs: number, units: number[]) =>
  resolveNetworkOptions({ inputs, layers: units.map((u) => ({ units: u })), optimizer: 'adam' }).spec;

describe('the memory estimate', () => {
  it('is 20 bytes per parameter plus the workspace of a 32-row batch', () => {
    // 10·20 + 20 + 20·5 + 5 = 325 parameters; units 25; workspace 2·4·32·(3·25 + 10 + 5 + 1).
    expect(estimateNetworkBytes(spec(10, [20, 5]))).toBe(20 * 325 + 2 * 4 * 32 * (3 * 25 + 10 + 5 + 1));
  });

  it('refuses a network that needs more than is available, naming both sizes', () => {
    const small = spec(10, [20, 5]);
    const needed = estimateNetworkBytes(small);
    expect(() => checkNetworkMemory(small, needed)).not.toThrow();
    expectError(thrown(() => checkNetworkMemory(small, needed - 1)), MemoryError, ['325 parameters', 'MiB']);
  });

  // 46,340 × 46,340 took 50 s to initialise 8.6 GB before failing out of memory; now it is refused
  // before anything is allocated (it needs about 40 GiB: more than this machine or CI has).
  it.each(ENGINES)('the constructor refuses a network larger than this machine can hold (%s engine)', (backend) => {
    const error = thrown(() => new Network({ inputs: 46_340, layers: [{ units: 46_340 }], optimizer: 'sgd', backend }));
    expectError(error, MemoryError, ['2147441940 parameters', 'this process can have']);
  });

  it('an allocation that fails is a MemoryError, not a RangeError', () => {
    const error = thrown(() => allocating('building it', () => new Float32Array(2 ** 40)));
    expectError(error, MemoryError, ['building it', 'out of memory']);
  });
});

// A child process under a 3 GB address-space limit (ulimit -v) is given rows whose copy needs 8 GB:
// x is an array of 2^21 rows of 1000 inputs, all but the first left as holes, so that only the copy is big.
describe('data copies that cannot be allocated', () => {
  it.each(ENGINES)('fit and fitSync reject with a MemoryError naming the copy (%s engine)', (backend) => {
    ensureBuiltFacade();
    const script = `
      const { Network } = require(${JSON.stringify(packageRoot)});
      const net = new Network({ inputs: 1000, layers: [{ units: 2 }], backend: '${backend}' });
      const x = [];
      x.length = 2 ** 21;
      x[0] = new Array(1000).fill(0);
      const describe = (error) => ({ name: error.name, message: error.message });
      const sync = (() => { try { net.fitSync(x, x); return null; } catch (error) { return describe(error); } })();
      net.fit(x, x).then(() => null, describe).then((async) => console.log(JSON.stringify({ sync, async })));`;
    const run = spawnSync('bash', ['-c', 'ulimit -v 3000000 && exec "$0" -e "$1"', process.execPath, script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const { sync, async } = JSON.parse(run.stdout) as Record<'sync' | 'async', { name: string; message: string }>;
    for (const error of [sync, async]) {
      expect(error.name).toBe('MemoryError');
      expect(error.message).toContain('copying the data');
    }
  });
});

describe('undisposed native networks are freed by the garbage collector alone', () => {
  // A native network keeps its parameters, gradient and optimizer moments (16 MB here) in buffers V8
  // owns, so a collection frees them with the network, without waiting for finalizers, which run only
  // when the event loop turns. Before, a loop that never yielded held every network: 150 reached
  // about 2.4 GB (300: 4.7 GB; 3,000 died out of memory); now about 120 MB.
  it('150 networks of a million parameters, each trained one step, in a loop that never yields, peak under 400 MB of RSS', () => {
    ensureBuiltFacade();
    const script = `
      const { Network } = require(${JSON.stringify(packageRoot)});
      for (let i = 0; i < 150; i++) {
        const net = new Network({ inputs: 1000, layers: [{ units: 1000, activation: 'relu' }, { units: 10 }], optimizer: 'adam', seed: i, backend: 'native' });
        net.trainBatch(new Float32Array(1000), new Float32Array(10));
        net.predict(new Float32Array(1000));
      }
      console.log(JSON.stringify({ peakMB: process.resourceUsage().maxRSS / 1024 }));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 100_000 });
    expect(run.status, run.stderr).toBe(0);
    const { peakMB } = JSON.parse(run.stdout) as { peakMB: number };
    expect(peakMB).toBeLessThan(400);
  });
});
