/**
 * Dropout: inverted, training mode only, masks keyed by (seed, optimizer
 * step, layer, element) inside each backend. The two backends drop the same
 * units (same gradients and steps for the same seed), the dropped fraction
 * is the rate, predict and evaluate ignore it, computeGradients changes no
 * state (same bits twice), and bad rates are refused naming them.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, Network, type LayerOptions, type NetworkOptions } from '../../lib/index.js';
import { BACKENDS } from './backends';
import { expectError, thrown } from './expect-error';
import { bitsOf, flatten, random, randomLabels, uniform } from './fixtures';

const LAYERS: LayerOptions[] = [
  { units: 9, activation: 'relu', dropout: 0.4 },
  { units: 7, activation: 'sigmoid', dropout: 0.25 },
  { units: 3, activation: 'softmax' },
];
const next = random(21);
const X = uniform(next, 11, 5);
const Y = randomLabels(next, 11, 3);

function network(backend: NetworkOptions['backend'], layers = LAYERS, seed = 5): Network {
  return new Network({ inputs: 5, layers, loss: 'crossEntropy', optimizer: { type: 'sgd', learningRate: 0.1 }, seed, backend });
}

function norm(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] ** 2;
  return Math.sqrt(sum);
}

describe.each(BACKENDS)('dropout on the %s backend', (backend) => {
  it('computeGradients twice gives the same bits and changes nothing', () => {
    const net = network(backend);
    const before = bitsOf(net.getWeights());
    const first = net.computeGradients(X, Y);
    const second = net.computeGradients(X, Y);
    expect(bitsOf(second.grads).equals(bitsOf(first.grads))).toBe(true);
    expect(second.loss).toBe(first.loss);
    expect(bitsOf(net.getWeights()).equals(before)).toBe(true);
    net.dispose();
  });

  it('drops units in training mode only: predict and evaluate ignore it', () => {
    const net = network(backend);
    const plain = network(backend, LAYERS.map(({ units, activation }) => ({ units, activation })));
    plain.setWeights(net.getWeights());
    expect(Array.from(net.predict(X))).toEqual(Array.from(plain.predict(X)));
    expect(net.evaluate(X, Y).loss).toBe(plain.evaluate(X, Y).loss);
    expect(net.computeGradients(X, Y).loss).not.toBe(plain.computeGradients(X, Y).loss);
    net.dispose();
    plain.dispose();
  });

  it('masks change with the optimizer step and the seed', () => {
    const a = network(backend);
    const b = network(backend, LAYERS, 6);
    b.setWeights(a.getWeights());
    expect(a.computeGradients(X, Y).loss).not.toBe(b.computeGradients(X, Y).loss);
    // One step with learning rate 0 changes no weight, only the step count.
    const weights = a.getWeights();
    const before = a.computeGradients(X, Y).loss;
    a.learningRate = 0;
    a.trainBatch(X, Y);
    expect(bitsOf(a.getWeights()).equals(bitsOf(weights))).toBe(true);
    expect(a.computeGradients(X, Y).loss).not.toBe(before);
    a.dispose();
    b.dispose();
  });

  it('drops the rate of a large layer', () => {
    const rate = 0.3;
    const units = 4000;
    const net = new Network({ inputs: 2, layers: [{ units, dropout: rate }, { units: 1 }], seed: 9, backend });
    const weights = net.getWeights();
    weights[1].weight.fill(1); // every hidden unit reaches the output
    net.setWeights(weights);
    // One row: a hidden unit's bias gradient is 0 exactly when it was dropped.
    const { grads } = net.computeGradients(new Float32Array([0.5, -0.25]), new Float32Array([100]));
    const dropped = grads[0].bias.filter((g) => g === 0).length / units;
    expect(dropped).toBeGreaterThan(rate - 0.03);
    expect(dropped).toBeLessThan(rate + 0.03);
    net.dispose();
  });
});

describe.runIf(BACKENDS.includes('native'))('dropout: the two backends drop the same units', () => {
  it('same gradients, then the same three steps and a fit', async () => {
    const [js, native] = (['js', 'native'] as const).map((backend) => network(backend));
    native.setWeights(js.getWeights());
    const a = flatten(js.computeGradients(X, Y).grads);
    const b = flatten(native.computeGradients(X, Y).grads);
    expect(norm(a)).toBeGreaterThan(1e-3);
    expect(norm(Array.from(b, (g, i) => g - a[i])) / norm(a)).toBeLessThan(1e-5);
    for (let step = 0; step < 3; step++) expect(native.trainBatch(X, Y)).toBeCloseTo(js.trainBatch(X, Y), 5);
    await js.fit(X, Y, { epochs: 2, batchSize: 4 });
    await native.fit(X, Y, { epochs: 2, batchSize: 4 });
    const wa = flatten(js.getWeights());
    expect(norm(Array.from(flatten(native.getWeights()), (w, i) => w - wa[i])) / norm(wa)).toBeLessThan(1e-4);
    js.dispose();
    native.dispose();
  });
});

describe('bad dropout values', () => {
  const BAD: [string, LayerOptions[], string[]][] = [
    ['dropout 1', [{ units: 4, dropout: 1 }, { units: 2 }], ['layers[0].dropout']],
    ['dropout −0.1', [{ units: 4, dropout: -0.1 }, { units: 2 }], ['layers[0].dropout']],
    ['dropout on the last layer', [{ units: 4 }, { units: 2, dropout: 0.5 }], ['layers[1].dropout', 'last layer']],
    ['dropout not a number', [{ units: 4, dropout: '0.5' as unknown as number }, { units: 2 }], ['layers[0].dropout']],
  ];
  it.each(BAD)('%s is an ArgumentError naming it', (_name, layers, mentions) => {
    expectError(thrown(() => new Network({ inputs: 2, layers })), ArgumentError, mentions);
  });
});
