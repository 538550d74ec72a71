/**
 * Networks of every activation, 1 to 3 blocks, trained a little on each
 * engine: the exported model, run by onnxruntime-web, predicts what
 * predict() predicts, for one row and for many. exportOnnx writes the same
 * bytes atomically; protobufjs loads only when a model is exported.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, DisposedError, Network, type NetworkOptions } from '../../lib/index.js';
import type { Activation } from '../../lib/model-spec';
import { BACKENDS } from '../api/backends';
import { random, randomLabels, uniform } from '../api/fixtures';
import { ensureBuiltFacade, packageRoot } from '../support/built-facade';
import { expectClose, runOnnx } from './onnx-runtime';

const INPUTS = 5;
const HIDDEN: Activation[] = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'gelu'];

/** Activation a in 1, 2 and 3 blocks; the last block alternates softmax (crossEntropy) and a itself (mse). */
function architectures(): { name: string; options: NetworkOptions }[] {
  return HIDDEN.flatMap((activation, a) =>
    [1, 2, 3].map((blocks) => {
      const softmax = (a + blocks) % 2 === 0;
      const layers = Array.from({ length: blocks }, (_, i) => ({
        units: i === blocks - 1 ? 3 : 8 - i,
        activation: i === blocks - 1 && softmax ? ('softmax' as const) : activation,
      }));
      return {
        name: layers.map((l) => `${l.units}:${l.activation}`).join(','),
        options: { inputs: INPUTS, layers, loss: softmax ? ('crossEntropy' as const) : ('mse' as const), seed: 7 + a * 3 + blocks },
      };
    }),
  );
}

const next = random(5);
const TRAIN_X = uniform(next, 32, INPUTS, -2, 2);
const LABELS = randomLabels(next, 32, 3);
const TARGETS = uniform(next, 32, 3);
const X = uniform(next, 41, INPUTS, -3, 3);

describe.each(BACKENDS)('%s engine: onnxruntime-web predicts what predict() predicts', (backend) => {
  describe.each(architectures())('$name', ({ options }) => {
    const network = new Network({ ...options, backend, optimizer: { type: 'adam', learningRate: 0.05 } });
    network.fitSync(TRAIN_X, options.loss === 'crossEntropy' ? LABELS : TARGETS, { epochs: 3, batchSize: 8 });
    const model = network.toOnnx();
    afterAll(() => network.dispose());

    it.each([1, 41])('%i row(s)', async (rows) => {
      const x = X.subarray(0, rows * INPUTS);
      expectClose(await runOnnx(model, x, rows), network.predict(x), network.outputs);
    });
  });
});

describe('exportOnnx', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backprop-onnx-'));
  });
  afterAll(async () => {
    await fs.rm(directory, { recursive: true, force: true });
  });

  it('writes the bytes toOnnx() returns, atomically (no temporary file is left)', async () => {
    const network = new Network({ inputs: 3, layers: [{ units: 2, activation: 'tanh' }], seed: 1 });
    const file = path.join(directory, 'model.onnx');
    await fs.writeFile(file, 'an older file');
    await network.exportOnnx(file);
    expect(new Uint8Array(await fs.readFile(file))).toEqual(network.toOnnx());
    expect(await fs.readdir(directory)).toEqual(['model.onnx']);
    network.dispose();
  });

  it('refuses a bad path and a disposed network', async () => {
    const network = new Network({ inputs: 3, layers: [{ units: 2 }], seed: 1 });
    await expect(network.exportOnnx('')).rejects.toThrow(ArgumentError);
    await expect(network.exportOnnx(path.join(directory, 'missing', 'model.onnx'))).rejects.toThrow(/ENOENT/);
    network.dispose();
    expect(() => network.toOnnx()).toThrow(DisposedError);
    await expect(network.exportOnnx(path.join(directory, 'x.onnx'))).rejects.toThrow(DisposedError);
  });
});

describe('protobufjs is loaded only by an export', () => {
  beforeAll(() => ensureBuiltFacade(), 300_000);

  it('importing backprop and predicting load none of it; toOnnx() does', () => {
    const script = `
      const { Network } = require('./dist/index.js');
      const loaded = () => Object.keys(require.cache).some((file) => file.includes('protobufjs'));
      const network = new Network({ inputs: 2, layers: [{ units: 1 }], seed: 1, backend: 'js' });
      network.predict([1, 2]);
      const before = loaded();
      network.toOnnx();
      process.stdout.write(JSON.stringify([before, loaded()]));`;
    const result = spawnSync(process.execPath, ['-e', script], { cwd: packageRoot, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([false, true]);
  });
});
