/**
 * The data recipe a network carries: inputNormalization (statistics from the
 * training rows of the first fit, or adapt), classes and predictClasses,
 * both saved in the model file; and 0.1 CLI files loading with theirs.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, BusyError, FormatError, Network, type NetworkOptions } from '../../lib/index.js';
import { BACKENDS } from './backends';
import { expectError, thrown } from './expect-error';
import { random, randomLabels, uniform } from './fixtures';

let directory: string;
beforeAll(async () => {
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backprop-recipe-'));
});
afterAll(async () => {
  await fs.rm(directory, { recursive: true, force: true });
});

const next = random(5);
/** Columns on very different scales and offsets. */
const X = uniform(next, 40, 3).map((v, i) => v * [1, 100, 0.01][i % 3] + [0, 500, -3][i % 3]);
const LABELS = randomLabels(next, 40, 3);

function columnStats(x: Float32Array, rows: number): { mean: number[]; std: number[]; min: number[]; max: number[] } {
  const mean = [0, 1, 2].map((c) => {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += x[r * 3 + c];
    return sum / rows;
  });
  const std = [0, 1, 2].map((c) => {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += (x[r * 3 + c] - mean[c]) ** 2;
    return Math.sqrt(sum / rows);
  });
  const column = (c: number) => Array.from({ length: rows }, (_, r) => x[r * 3 + c]);
  return { mean, std, min: [0, 1, 2].map((c) => Math.min(...column(c))), max: [0, 1, 2].map((c) => Math.max(...column(c))) };
}

function options(extra: Partial<NetworkOptions>, backend: (typeof BACKENDS)[number]): NetworkOptions {
  return {
    inputs: 3,
    layers: [{ units: 6, activation: 'tanh' }, { units: 3, activation: 'softmax' }],
    loss: 'crossEntropy',
    seed: 3,
    backend,
    ...extra,
  };
}

/** x′ = (x − offset) / divisor per column, in float32 (what the engines must see). */
function normalized(x: Float32Array, offset: number[], divisor: number[]): Float32Array {
  return x.map((v, i) => (v - offset[i % 3]) / divisor[i % 3]);
}

describe.each(BACKENDS)('inputNormalization on the %s backend', (backend) => {
  it("'standardize' takes its statistics from the training rows of the first fit, validation rows excluded", async () => {
    const net = new Network(options({ inputNormalization: 'standardize' }, backend));
    await net.fit(X, LABELS, { epochs: 1, validationSplit: 0.25 });
    const expected = columnStats(X, 30);
    const got = net.inputNormalization as { mean: number[]; std: number[] };
    for (let c = 0; c < 3; c++) {
      expect(got.mean[c]).toBeCloseTo(expected.mean[c], 9);
      expect(got.std[c]).toBeCloseTo(expected.std[c], 9);
    }
    // adapt() waits for a running fit; a second fit on other data keeps the statistics.
    const running = net.fit(X, LABELS, { epochs: 1 });
    expectError(thrown(() => net.adapt(X)), BusyError, ['adapt()']);
    await running;
    net.fitSync(X.map((v) => v * 2), LABELS, { epochs: 1 });
    expect(net.inputNormalization).toEqual(got);
    net.dispose();
  });

  it('applies the statistics to every forward pass: predict, evaluate, trainBatch, computeGradients', () => {
    const stats = columnStats(X, 40);
    const withRecipe = new Network(options({ inputNormalization: { mean: stats.mean, std: stats.std } }, backend));
    const plain = new Network(options({}, backend));
    const manual = normalized(X, stats.mean, stats.std);
    expect(Buffer.from(withRecipe.predict(X).buffer)).toEqual(Buffer.from(plain.predict(manual).buffer));
    expect(withRecipe.evaluate(X, LABELS)).toEqual(plain.evaluate(manual, LABELS));
    expect(withRecipe.computeGradients(X, LABELS)).toEqual(plain.computeGradients(manual, LABELS));
    expect(withRecipe.trainBatch(X, LABELS)).toBe(plain.trainBatch(manual, LABELS));
    expect(withRecipe.getWeights()).toEqual(plain.getWeights());
    withRecipe.dispose();
    plain.dispose();
  });

  it("'scale' maps training columns to [0, 1], a constant column to 0; adapt() replaces the statistics and fit keeps them", () => {
    const constant = X.map((v, i) => (i % 3 === 2 ? 7 : v));
    const net = new Network(options({ inputNormalization: 'scale' }, backend));
    net.adapt(constant);
    const stats = columnStats(constant, 40);
    expect(net.inputNormalization).toEqual({ min: stats.min, max: stats.max });
    const plain = new Network(options({}, backend));
    const manual = normalized(constant, stats.min, stats.max.map((high, c) => high - stats.min[c] || 1));
    for (let r = 0; r < 40; r++) expect(manual[r * 3 + 2]).toBe(0);
    expect(net.predict(constant)).toEqual(plain.predict(manual));
    net.fitSync(X, LABELS, { epochs: 1 });
    expect(net.inputNormalization).toEqual({ min: stats.min, max: stats.max });
    net.dispose();
    plain.dispose();
  });

  it('saves the statistics and class names in the model file and in toJSON; load and fromJSON predict the same', async () => {
    const net = new Network(options({ inputNormalization: 'standardize', classes: ['a', 'b', 'c'] }, backend));
    net.fitSync(X, LABELS, { epochs: 2, batchSize: 8 });
    const file = path.join(directory, `recipe-${backend}.safetensors`);
    await net.save(file);
    const loaded = await Network.load(file, { backend });
    const revived = Network.fromJSON(JSON.stringify(net.toJSON()), { backend });
    for (const copy of [loaded, revived]) {
      expect(copy.inputNormalization).toEqual(net.inputNormalization);
      expect(copy.classes).toEqual(['a', 'b', 'c']);
      expect(copy.predict(X)).toEqual(net.predict(X));
      expect(copy.predictClasses(X)).toEqual(net.predictClasses(X));
      copy.dispose();
    }
    expect(await Network.readMetadata(file)).toEqual({});
    net.dispose();
  });
});

describe('inputNormalization and classes: checks', () => {
  it('refuses to run a named normalization that has no statistics yet', () => {
    const net = new Network(options({ inputNormalization: 'standardize' }, 'js'));
    expectError(thrown(() => net.predict(X)), ArgumentError, ["inputNormalization 'standardize'", 'adapt']);
    expectError(thrown(() => net.trainBatch(X, LABELS)), ArgumentError, ['no statistics yet']);
  });

  it('refuses statistics of the wrong width, a zero std, max below min, unknown keys, and adapt without a normalization', () => {
    const make = (inputNormalization: unknown) => () => new Network(options({ inputNormalization } as Partial<NetworkOptions>, 'js'));
    expectError(thrown(make({ mean: [0, 0], std: [1, 1] })), ArgumentError, ['inputNormalization.mean', 'array of 3 numbers']);
    expectError(thrown(make({ mean: [0, 0, 0], std: [1, 0, 1] })), ArgumentError, ['inputNormalization.std[1]']);
    expectError(thrown(make({ min: [0, 0, 0], max: [1, -1, 1] })), ArgumentError, ['inputNormalization.max[1]']);
    expectError(thrown(make({ mean: [0, 0, 0], std: [1, 1, 1], min: [0] })), ArgumentError, ['min']);
    expectError(thrown(make('zscore')), ArgumentError, ['inputNormalization', "'standardize'"]);
    const plain = new Network(options({}, 'js'));
    expectError(thrown(() => plain.adapt(X)), ArgumentError, ['inputNormalization']);
  });

  it('takes one class name per softmax output, two for one sigmoid output, none for mse', () => {
    expectError(thrown(() => new Network(options({ classes: ['a', 'b'] }, 'js'))), ArgumentError, ['classes', '3 class names']);
    expectError(thrown(() => new Network(options({ classes: ['a', 'a', 'b'] }, 'js'))), ArgumentError, ['distinct']);
    const mse = { inputs: 3, layers: [{ units: 2 }], classes: ['a', 'b'] };
    expectError(thrown(() => new Network(mse)), ArgumentError, ["loss 'crossEntropy'", "not 'mse'"]);
  });

  it('predictClasses: argmax names or indices for softmax, p > 0.5 for one sigmoid output', () => {
    const named = new Network(options({ classes: ['x', 'y', 'z'] }, 'js'));
    const indices = new Network(options({}, 'js'));
    const out = indices.predict(X);
    const argmax = Array.from({ length: 40 }, (_, r) => [0, 1, 2].reduce((best, c) => (out[r * 3 + c] > out[r * 3 + best] ? c : best), 0));
    expect(indices.predictClasses(X)).toEqual(argmax);
    expect(named.predictClasses(X)).toEqual(argmax.map((k) => ['x', 'y', 'z'][k]));
    const binary = new Network({
      inputs: 3,
      layers: [{ units: 1, activation: 'sigmoid' }],
      loss: 'binaryCrossEntropy',
      classes: ['no', 'yes'],
      seed: 1,
    });
    binary.setWeights([{ weight: [[1, 0, 0]], bias: [0] }]);
    expect(binary.predictClasses([[-1, 0, 0], [1, 0, 0], [0.5, 9, 9]])).toEqual(['no', 'yes', 'yes']);
    const regression = new Network({ inputs: 3, layers: [{ units: 2 }] });
    expectError(thrown(() => regression.predictClasses(X)), ArgumentError, ['predictClasses', "'crossEntropy'"]);
  });
});

describe('model files written by the 0.1 CLI', () => {
  it('load with their --standardize statistics and class names', async () => {
    const stats = columnStats(X, 40);
    const net = new Network(options({}, 'js'));
    const file = path.join(directory, 'cli-0.1.safetensors');
    // What 0.1's `backprop train --standardize` wrote: its recipe in one metadata entry.
    const recipe = { columns: ['a', 'b', 'c'], target: 'species', classes: ['s', 'v', 'g'], preprocessing: { kind: 'standardize', ...stats, min: undefined, max: undefined } };
    await net.save(file, { metadata: { 'backprop.data': JSON.stringify(recipe) } });
    const loaded = await Network.load(file, { backend: 'js' });
    expect(loaded.inputNormalization).toEqual({ mean: stats.mean, std: stats.std });
    expect(loaded.classes).toEqual(['s', 'v', 'g']);
    expect(loaded.predict(X)).toEqual(net.predict(normalized(X, stats.mean, stats.std)));
    expect(loaded.predictClasses(X.subarray(0, 3))).toHaveLength(1);

    const broken = path.join(directory, 'cli-0.1-broken.safetensors');
    // What load would refuse, save refuses to write.
    const error = await net
      .save(broken, { metadata: { 'backprop.data': JSON.stringify({ ...recipe, preprocessing: { kind: 'scale', min: [0] } }) } })
      .catch((e: unknown) => e);
    expectError(error, FormatError, [broken, 'preprocessing.max']);
  });
});
