/**
 * Batch and layer normalization (DESIGN §8, the normalization contract):
 * gradients against central finite differences, the modes (batch
 * statistics and running-statistics updates in training, the running
 * statistics in inference), computeGradients changing nothing, the one-row
 * rules, getWeights/setWeights' norm entries, bit-exact file round trips
 * and an exact resume, on every backend.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, DivergenceError, FormatError, Network, ShapeError, type LayerOptions, type NetworkOptions } from '../../lib/index.js';
import { BACKENDS } from './backends';
import { expectError, thrown } from './expect-error';
import { bitsOf, flatten, random, randomLabels, unflatten, uniform } from './fixtures';

const next = random(12);
const X = uniform(next, 3, 7, -2, 2);
const Y = uniform(next, 3, 2, -1, 1);

/** Odd sizes: 7 inputs, 5 units, 3 rows; smooth activations so that finite differences are exact to O(h²). */
const BLOCKS: Record<string, LayerOptions[]> = {
  batch: [{ units: 5, activation: 'tanh', normalization: 'batch' }, { units: 2 }],
  layer: [{ units: 5, activation: 'sigmoid', normalization: 'layer' }, { units: 2, normalization: { type: 'layer', epsilon: 1e-3 } }],
};

function network(backend: NetworkOptions['backend'], layers: LayerOptions[], extra: Partial<NetworkOptions> = {}): Network {
  return new Network({ inputs: 7, layers, loss: 'mse', optimizer: { type: 'sgd', learningRate: 0.1 }, seed: 3, backend, ...extra });
}

/** Random γ, β (and running statistics) so that the test does not sit at the initial 1 and 0. */
function randomized(net: Network): void {
  const source = random(99);
  const weights = net.getWeights().map((layer) => {
    const norm = layer.norm && Object.fromEntries(Object.entries(layer.norm).map(([key, v]) => [key, uniform(source, 1, v.length, key === 'runningVar' ? 0.2 : -1, 1.5)]));
    return norm ? { ...layer, norm } : layer;
  });
  net.setWeights(weights as Parameters<Network['setWeights']>[0]);
}

let directory: string;
beforeAll(async () => {
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backprop-normalization-'));
});
afterAll(async () => {
  if (directory) await fs.rm(directory, { recursive: true, force: true });
});

describe.each(BACKENDS)('normalization on the %s backend', (backend) => {
  it.each(Object.keys(BLOCKS))('%s normalization: gradients match central finite differences', (kind) => {
    const net = network(backend, BLOCKS[kind]);
    randomized(net);
    const start = net.getWeights();
    const { grads } = net.computeGradients(X, Y);
    const analytic = flatten(grads);
    const base = flatten(start);
    // Only the trainable values (grads' layout): the running statistics play no part in training mode.
    const positions = flatten(unflatten(Array.from(base.keys()), start).map(({ weight, bias, norm }) => ({ weight, bias, ...(norm && { norm: { weight: norm.weight, bias: norm.bias } }) })));
    expect(positions.length).toBe(analytic.length);
    expect(net.parameterCount).toBe(analytic.length);
    const h = 1e-2;
    positions.forEach((position, i) => {
      const lossAt = (delta: number) => {
        const moved = Float32Array.from(base);
        moved[position] += delta;
        net.setWeights(unflatten(moved, start));
        return net.computeGradients(X, Y).loss;
      };
      const numeric = (lossAt(h) - lossAt(-h)) / (2 * h);
      expect(Math.abs(numeric - analytic[i])).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
    });
    net.dispose();
  });

  it('starts as PyTorch does: γ 1, β 0, running_mean 0, running_var 1, the Linear weights of the same network without it', () => {
    const net = network(backend, BLOCKS.batch);
    const plain = network(backend, [{ units: 5, activation: 'tanh' }, { units: 2 }]);
    const [first] = net.getWeights();
    expect(first.norm).toEqual({ weight: new Float32Array(5).fill(1), bias: new Float32Array(5), runningMean: new Float32Array(5), runningVar: new Float32Array(5).fill(1) });
    expect(bitsOf([{ weight: first.weight, bias: first.bias }]).equals(bitsOf([plain.getWeights()[0]]))).toBe(true);
    expect(net.parameterCount).toBe(plain.parameterCount + 10);
    expect(network(backend, BLOCKS.layer).getWeights()[0].norm).toEqual({ weight: new Float32Array(5).fill(1), bias: new Float32Array(5) });
    net.dispose();
    plain.dispose();
  });

  it('computeGradients twice gives the same bits and changes no state; its norm entry holds γ and β only', () => {
    const net = network(backend, BLOCKS.batch);
    randomized(net);
    const before = bitsOf(net.getWeights());
    const first = net.computeGradients(X, Y);
    const second = net.computeGradients(X, Y);
    expect(bitsOf(second.grads).equals(bitsOf(first.grads))).toBe(true);
    expect(second.loss).toBe(first.loss);
    expect(Object.keys(first.grads[0].norm ?? {})).toEqual(['weight', 'bias']);
    expect(bitsOf(net.getWeights()).equals(before)).toBe(true);
    net.dispose();
  });

  it('trainBatch moves the running statistics by the momentum (unbiased variance); predict uses them, one row included', () => {
    const net = network(backend, [{ units: 5, activation: 'tanh', normalization: { type: 'batch', momentum: 0.5 } }, { units: 2 }]);
    net.learningRate = 0; // the Linear layer stays put: the statistics are the batch's exactly
    const [{ weight, bias }] = net.getWeights();
    net.trainBatch(X, Y);
    const z = (r: number, j: number) => {
      let sum = bias[j];
      for (let k = 0; k < 7; k++) sum += X[r * 7 + k] * weight[j * 7 + k];
      return sum;
    };
    const { runningMean, runningVar } = net.getWeights()[0].norm as { runningMean: Float32Array; runningVar: Float32Array };
    for (let j = 0; j < 5; j++) {
      const values = [0, 1, 2].map((r) => z(r, j));
      const mean = values.reduce((a, b) => a + b) / 3;
      const unbiased = values.reduce((a, v) => a + (v - mean) ** 2, 0) / 2;
      expect(runningMean[j]).toBeCloseTo(0.5 * mean, 5);
      expect(runningVar[j]).toBeCloseTo(0.5 + 0.5 * unbiased, 5);
    }
    // Inference mode: (z − running_mean) / sqrt(running_var + ε), per row, whatever the other rows.
    const all = net.predict(X);
    const one = net.predict(X.subarray(7, 14));
    // Equal up to summation order: a one-row product may take another GEMM path than a batch's.
    one.forEach((value, j) => expect(value).toBeCloseTo(all[2 + j], 6));
    net.dispose();
  });

  it('a step undone (an overflowing update) puts the running statistics back too', () => {
    const net = network(backend, BLOCKS.batch, { optimizer: { type: 'sgd', learningRate: 3e38 } });
    randomized(net);
    const before = bitsOf(net.getWeights());
    expectError(thrown(() => net.trainBatch(X, uniform(next, 3, 2, 1e3, 1e4))), DivergenceError, ['trainBatch diverged']);
    expect(bitsOf(net.getWeights()).equals(before)).toBe(true);
    net.dispose();
  });

  it('refuses one row in training mode (trainBatch, computeGradients) and a fit batch size that leaves a batch of one row', async () => {
    const net = network(backend, BLOCKS.batch);
    const row = X.subarray(0, 7);
    expectError(thrown(() => net.trainBatch(row, Y.subarray(0, 2))), ArgumentError, ['trainBatch() of 1 row', 'layers[0]', 'batch normalization']);
    expectError(thrown(() => net.computeGradients(row, Y.subarray(0, 2))), ArgumentError, ['computeGradients() of 1 row', 'layers[0]']);
    expect(net.predict(row)).toHaveLength(2);
    const x = uniform(next, 26, 7);
    const y = uniform(next, 26, 2);
    // 26 rows − 5 for validation = 21 training rows: batchSize 10 leaves 10, 10, 1.
    expectError(thrown(() => net.fitSync(x, y, { batchSize: 10, validationSplit: 0.2 })), ArgumentError, ['options.batchSize 10', '21 training rows', '9 or 11']);
    await expect(net.fit(x, y, { batchSize: 5 })).rejects.toThrow(/options.batchSize 5 leaves a batch of 1 row of the 26 training rows/);
    expect(bitsOf(net.getWeights()).equals(bitsOf(network(backend, BLOCKS.batch).getWeights()))).toBe(true);
    net.fitSync(x, y, { batchSize: 10 }); // 10, 10, 6
    // Layer normalization has no such limit.
    const layer = network(backend, BLOCKS.layer);
    layer.trainBatch(row, Y.subarray(0, 2));
    layer.fitSync(x, y, { batchSize: 5 });
    net.dispose();
    layer.dispose();
  });

  it('an async fit gives the bits fitSync gives, running statistics included (js: on its worker thread)', async () => {
    const x = uniform(next, 40, 7);
    const y = uniform(next, 40, 2);
    const layers: LayerOptions[] = [{ units: 6, activation: 'relu', normalization: 'batch', dropout: 0.2 }, { units: 4, activation: 'gelu', normalization: 'layer' }, { units: 2 }];
    const a = network(backend, layers);
    const b = network(backend, layers);
    a.fitSync(x, y, { epochs: 3, batchSize: 8 });
    await b.fit(x, y, { epochs: 3, batchSize: 8 });
    expect(bitsOf(b.getWeights()).equals(bitsOf(a.getWeights()))).toBe(true);
    expect(a.getWeights()[0].norm?.weight).not.toEqual(new Float32Array(6).fill(1));
    a.dispose();
    b.dispose();
  });

  it('fit publishes the running statistics with the weights, and early stopping restores the best epoch’s, bit for bit', async () => {
    const x = uniform(next, 50, 7);
    const y = uniform(next, 50, 2);
    const net = network(backend, [{ units: 6, activation: 'relu', normalization: 'batch' }, { units: 2 }], { optimizer: { type: 'sgd', learningRate: 0.5 } });
    const seen: Buffer[] = [];
    const history = await net.fit(x, y, {
      epochs: 8,
      batchSize: 8,
      validationSplit: 0.2,
      earlyStopping: { patience: 2 },
      onEpochEnd: () => void seen.push(bitsOf(net.getWeights())),
    });
    // The best epoch is not the last one: what is restored differs from what training reached.
    expect(history.stoppedEarly).toBe(true);
    const best = seen[(history.bestEpoch as number) - 1];
    expect(new Set(seen.map((b) => b.toString('hex'))).size).toBe(seen.length); // every epoch moved the state
    expect(bitsOf(net.getWeights()).equals(best)).toBe(true);
    net.dispose();
  });

  it('round-trips every block kind bit-exactly (safetensors, JSON) and resumes a fit exactly from a training-state file', async () => {
    const layers: LayerOptions[] = [
      { units: 6, activation: 'relu', normalization: { type: 'batch', momentum: 0.3, epsilon: 1e-3 }, dropout: 0.2, l2: 1e-3 },
      { units: 5, activation: 'gelu', normalization: 'layer', l1: 1e-4 },
      { units: 4, activation: 'elu', normalization: 'batch' },
      { units: 2, activation: 'linear' },
    ];
    const x = uniform(next, 30, 7);
    const y = uniform(next, 30, 2);
    const net = network(backend, layers, { optimizer: 'adam' });
    net.fitSync(x, y, { epochs: 2, batchSize: 8 });
    const file = path.join(directory, `${backend}.safetensors`);
    await net.save(file, { trainingState: true });
    const loaded = await Network.load(file, { backend });
    const fromJson = Network.fromJSON(JSON.parse(JSON.stringify(net.toJSON())), { backend });
    for (const copy of [loaded, fromJson]) {
      expect(copy.options).toEqual(net.options);
      expect(bitsOf(copy.getWeights()).equals(bitsOf(net.getWeights()))).toBe(true);
      expect(Array.from(copy.predict(x))).toEqual(Array.from(net.predict(x)));
    }
    expect(net.toJSON().weights[1].norm).toEqual({ weight: Array.from(net.getWeights()[1].norm?.weight ?? []), bias: Array.from(net.getWeights()[1].norm?.bias ?? []) });
    net.fitSync(x, y, { epochs: 2, batchSize: 8 });
    loaded.fitSync(x, y, { epochs: 2, batchSize: 8 });
    expect(bitsOf(loaded.getWeights()).equals(bitsOf(net.getWeights()))).toBe(true);
    net.dispose();
    loaded.dispose();
    fromJson.dispose();
  });
});

describe('normalization options and weights are checked', () => {
  const refused: [string, unknown, string[]][] = [
    ['unknown type', 'group', ["layers[0].normalization", '"group"']],
    ['unknown type in options', { type: 'instance' }, ['layers[0].normalization.type']],
    ['momentum 0', { type: 'batch', momentum: 0 }, ['layers[0].normalization.momentum']],
    ['momentum above 1', { type: 'batch', momentum: 1.5 }, ['layers[0].normalization.momentum']],
    ['epsilon 0', { type: 'batch', epsilon: 0 }, ['layers[0].normalization.epsilon']],
    ['epsilon negative', { type: 'layer', epsilon: -1e-5 }, ['layers[0].normalization.epsilon']],
    ['epsilon infinite', { type: 'layer', epsilon: Infinity }, ['layers[0].normalization.epsilon']],
    ['epsilon NaN', { type: 'batch', epsilon: NaN }, ['layers[0].normalization.epsilon']],
    ['momentum on layer normalization', { type: 'layer', momentum: 0.1 }, ['layers[0].normalization', 'momentum']],
    ['not a type or object', 3, ['layers[0].normalization']],
  ];
  it.each(refused)('refuses %s', (_, normalization, mentions) => {
    const error = thrown(() => new Network({ inputs: 2, layers: [{ units: 3, normalization: normalization as 'batch' }, { units: 1 }] }));
    expectError(error, ArgumentError, mentions);
  });

  it('refuses normalization on a softmax block', () => {
    const error = thrown(() => new Network({ inputs: 2, layers: [{ units: 3 }, { units: 2, activation: 'softmax', normalization: 'layer' }], loss: 'crossEntropy' }));
    expectError(error, ArgumentError, ['layers[1].normalization', 'softmax']);
  });

  it('accepts momentum 1 and keeps non-default options in options (and only those)', () => {
    const net = new Network({ inputs: 2, layers: [{ units: 3, normalization: { type: 'batch', momentum: 1 } }, { units: 2, normalization: { type: 'layer' } }], backend: 'js' });
    expect(net.options.layers).toEqual([
      { units: 3, activation: 'linear', normalization: { type: 'batch', momentum: 1 } },
      { units: 2, activation: 'linear', normalization: 'layer' },
    ]);
  });

  it('setWeights takes norm exactly where the layers are normalized, float32, variances ≥ 0', () => {
    const net = new Network({ inputs: 2, layers: [{ units: 3, normalization: 'batch' }, { units: 2, normalization: 'layer' }, { units: 1 }], backend: 'js' });
    const good = net.getWeights();
    const withNorm = (i: number, norm: unknown) => good.map((layer, j) => (j === i ? { ...layer, norm } : layer)) as Parameters<Network['setWeights']>[0];
    const cases: [Parameters<Network['setWeights']>[0], typeof ArgumentError | typeof ShapeError, string[]][] = [
      [withNorm(0, undefined), ArgumentError, ['layers[0].norm', 'runningMean']],
      [withNorm(0, { weight: good[0].norm?.weight, bias: good[0].norm?.bias }), ArgumentError, ['layers[0].norm.runningMean']],
      [withNorm(0, { ...good[0].norm, runningVar: new Float32Array([1, -0.5, 1]) }), ArgumentError, ['layers[0].norm.runningVar[1]', '≥ 0']],
      [withNorm(0, { ...good[0].norm, weight: [1, 1e39, 1] }), ArgumentError, ['layers[0].norm.weight[1]', 'float32']],
      [withNorm(1, { ...good[1].norm, runningMean: new Float32Array(2) }), ArgumentError, ['layers[1].norm', 'runningMean']],
      [withNorm(1, { weight: new Float32Array(3), bias: new Float32Array(2) }), ShapeError, ['layers[1].norm.weight']],
      [withNorm(2, { weight: new Float32Array(1), bias: new Float32Array(1) }), ArgumentError, ['layers[2].norm', 'no normalization']],
    ];
    const before = bitsOf(net.getWeights());
    for (const [weights, type, mentions] of cases) expectError(thrown(() => net.setWeights(weights)), type, mentions);
    expect(bitsOf(net.getWeights()).equals(before)).toBe(true);
    net.setWeights(withNorm(0, { ...good[0].norm, runningVar: new Float32Array([0, 2, 3]) }));
    expect(Array.from(net.getWeights()[0].norm?.runningVar ?? [])).toEqual([0, 2, 3]);
  });

  it('model files must hold exactly the norm tensors the architecture names', () => {
    const net = new Network({ inputs: 2, layers: [{ units: 3, normalization: 'batch' }, { units: 1 }], backend: 'js', seed: 1 });
    const json = net.toJSON();
    const { norm, ...withoutNorm } = json.weights[0];
    expect(norm).toBeDefined();
    expectError(thrown(() => Network.fromJSON({ ...json, weights: [withoutNorm, json.weights[1]] })), FormatError, ['weights[0].norm']);
    expectError(thrown(() => Network.fromJSON({ ...json, weights: [json.weights[0], { ...json.weights[1], norm }] })), FormatError, ['weights[1].norm', 'no normalization']);
    const negative = { ...json.weights[0], norm: { ...norm, runningVar: [1, -1, 1] } };
    expectError(thrown(() => Network.fromJSON({ ...json, weights: [negative, json.weights[1]] })), FormatError, ['runningVar[1]', '≥ 0']);
    // A file whose architecture drops the normalization has two tensors too many.
    const plain = new Network({ inputs: 2, layers: [{ units: 3 }, { units: 1 }], backend: 'js', seed: 1 });
    const bytes = Buffer.from(net.toBytes());
    const plainBytes = Buffer.from(plain.toBytes());
    const headerOf = (b: Buffer) => JSON.parse(b.subarray(8, 8 + Number(b.readBigUInt64LE(0))).toString()) as Record<string, unknown> & { __metadata__: Record<string, string> };
    const swapped = (from: Buffer, architecture: string) => {
      const header = headerOf(from);
      header.__metadata__.architecture = architecture;
      const text = Buffer.from(JSON.stringify(header));
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(text.length));
      return new Uint8Array(Buffer.concat([length, text, from.subarray(8 + Number(from.readBigUInt64LE(0)))]));
    };
    expectError(thrown(() => Network.fromBytes(swapped(bytes, headerOf(plainBytes).__metadata__.architecture))), FormatError, ['expected 4 tensors', 'found 8']);
    expectError(thrown(() => Network.fromBytes(swapped(plainBytes, headerOf(bytes).__metadata__.architecture))), FormatError, ['expected 8 tensors', 'layers.{i}.norm.*', 'found 4']);
  });

  it('summary() lists each block’s parts and splits trainable from running statistics', () => {
    const net = new Network({
      inputs: 20,
      layers: [
        { units: 64, activation: 'relu', normalization: 'batch', dropout: 0.2, l2: 1e-4 },
        { units: 32, activation: 'gelu', normalization: { type: 'layer', epsilon: 1e-3 } },
        { units: 3, activation: 'softmax' },
      ],
      loss: 'crossEntropy',
      backend: 'js',
    });
    const text = net.summary();
    expect(text).toMatch(/1 dense 64 · batchnorm · relu · dropout 0.2 · l2 0.0001\s+64\s+1600\n/);
    expect(text).toMatch(/2 dense 32 · layernorm epsilon 0.001 · gelu\s+32\s+2144\n/);
    expect(text).toMatch(/total \(inputs 20\)\s+3843\n/);
    expect(text).toMatch(/trainable\s+3715\n/);
    expect(text).toMatch(/non-trainable \(running statistics\)\s+128$/);
    expect(net.parameterCount).toBe(3715);
  });
});
