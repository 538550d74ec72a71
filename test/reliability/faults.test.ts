/**
 * Faults: a step whose update overflows the weights, a callback that throws,
 * a process killed in the middle of save().
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DivergenceError, Network, type NetworkOptions } from '../../lib/index.js';
import { expectError, rejected, thrown } from '../api/expect-error';
import { allFinite, bitsOf, flatten, random, randomLabels, uniform } from '../api/fixtures';
import { ensureBuiltFacade, packageRoot } from '../support/built-facade';
import { ENGINES, fixtures, nativeBinary } from './engines';

nativeBinary();

let directory: string;
beforeAll(async () => {
  ensureBuiltFacade();
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backprop-faults-'));
}, 120_000);
afterAll(async () => {
  await fs.rm(directory, { recursive: true, force: true });
});

describe.each(ENGINES)('divergence on the %s engine', (backend) => {
  // The first batch's loss is finite, but its update (learning rate 1e38
  // times a gradient in the hundreds) overflows every parameter to ±Infinity.
  const overflowing = () =>
    new Network({ inputs: 1, layers: [{ units: 1 }], loss: 'mse', optimizer: { type: 'sgd', learningRate: 1e38 }, seed: 3, backend });
  const xs = new Float32Array(8).fill(10);
  const ys = new Float32Array(8).fill(0);

  it('keeps the last finite weights when an update overflows before the loss does (fitSync and fit)', async () => {
    for (const run of [(net: Network) => Promise.resolve().then(() => net.fitSync(xs, ys, { epochs: 3, batchSize: 4 })), (net: Network) => net.fit(xs, ys, { epochs: 3, batchSize: 4 })]) {
      const net = overflowing();
      const initial = net.getWeights();
      expectError(await rejected(() => run(net)), DivergenceError, ['epoch 1', 'batch']);
      expect(allFinite(flatten(net.getWeights()))).toBe(true);
      expect(allFinite(net.predict([1]))).toBe(true);
      net.setWeights(initial);
      expect(Number.isFinite(net.evaluate(xs, ys).loss)).toBe(true);
    }
  });
});

describe.each(ENGINES)('a throwing onEpochEnd on the %s engine', (backend) => {
  const options = (): NetworkOptions => ({
    inputs: 6,
    layers: [{ units: 16, activation: 'tanh' }, { units: 3, activation: 'softmax' }],
    loss: 'crossEntropy',
    optimizer: 'adam',
    seed: 14,
    backend,
  });
  const next = random(17);
  const X = uniform(next, 96, 6);
  const LABELS = randomLabels(next, 96, 3);

  it('stops fit with that very error after the first epoch, weights those of one epoch, and the network trains on', async () => {
    const oneEpoch = new Network(options());
    oneEpoch.fitSync(X, LABELS, { epochs: 1, batchSize: 8 });
    const net = new Network(options());
    const failure = new Error('stop after the first epoch');
    const error = await rejected(() =>
      net.fit(X, LABELS, {
        epochs: 50,
        batchSize: 8,
        onEpochEnd: () => {
          throw failure;
        },
      }),
    );
    expect(error).toBe(failure);
    expect(net.training).toBe(false);
    expect(bitsOf(net.getWeights()).equals(bitsOf(oneEpoch.getWeights()))).toBe(true);
    const history = await net.fit(X, LABELS, { epochs: 2, batchSize: 8 });
    expect(history.epochs).toBe(2);
    expect(allFinite(flatten(net.getWeights()))).toBe(true);
    expect(thrown(() => net.fitSync(X, LABELS, { onEpochEnd: () => { throw failure; } }))).toBe(failure);
  });
});

/** Starts the child that saves 20M parameters over `target`, and SIGKILLs it once its temporary file appears. */
async function killMidSave(target: string): Promise<{ tempLeft: boolean }> {
  const child = spawn(process.execPath, [path.join(fixtures, 'save-large-model.cjs'), path.join(packageRoot, 'dist', 'index.js'), target], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const prefix = `.${path.basename(target)}.`;
  const tempFile = async () => (await fs.readdir(path.dirname(target))).find((name) => name.startsWith(prefix) && name.endsWith('.tmp'));
  let found: string | undefined;
  while (found === undefined && child.exitCode === null) found = await tempFile();
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return { tempLeft: found !== undefined && existsSync(path.join(path.dirname(target), found)) };
}

describe('atomic save', () => {
  it('leaves the previous file intact and loadable, bit for bit, when the saving process is killed mid-write', async () => {
    const target = path.join(directory, 'model.safetensors');
    const old = new Network({ inputs: 5, layers: [{ units: 7, activation: 'relu' }, { units: 2, activation: 'sigmoid' }], loss: 'binaryCrossEntropy', seed: 6, backend: 'js' });
    await old.save(target);
    const oldBytes = await fs.readFile(target);
    // The kill must land while the temporary file is still being written
    // (left behind, not yet renamed); a try where it landed later proves
    // nothing, so it is repeated.
    let midWrite = false;
    for (let attempt = 0; attempt < 5 && !midWrite; attempt++) {
      await old.save(target);
      midWrite = (await killMidSave(target)).tempLeft;
    }
    expect(midWrite).toBe(true);
    expect((await fs.readFile(target)).equals(oldBytes)).toBe(true);
    for (const backend of ENGINES) {
      const loaded = await Network.load(target, { backend });
      expect(bitsOf(loaded.getWeights()).equals(bitsOf(old.getWeights()))).toBe(true);
    }
  }, 120_000);
});
