/** Seeds: same seed and data give the same bits; initial weights follow the documented scheme. */
import { describe, expect, it } from 'vitest';
import { Network, type Activation, type NetworkOptions } from '../../lib/index.js';
import { BACKENDS } from './backends';
import { bitsOf, random, randomLabels, uniform } from './fixtures';

const next = random(21);
const X = uniform(next, 50, 4);
const LABELS = randomLabels(next, 50, 3);

function options(seed: number, backend: NetworkOptions['backend']): NetworkOptions {
  return {
    inputs: 4,
    layers: [{ units: 16, activation: 'relu' }, { units: 8, activation: 'tanh' }, { units: 3, activation: 'softmax' }],
    loss: 'crossEntropy',
    optimizer: { type: 'adam', learningRate: 0.01 },
    seed,
    backend,
  };
}

const FIT = { epochs: 3, batchSize: 8, shuffle: true };

describe.each(BACKENDS)('determinism on the %s backend', (backend) => {
  it('gives bit-identical weights for the same seed and data, with shuffling', async () => {
    const a = new Network(options(123, backend));
    const b = new Network(options(123, backend));
    expect(bitsOf(a.getWeights()).equals(bitsOf(b.getWeights()))).toBe(true);
    a.fitSync(X, LABELS, FIT);
    await b.fit(X, LABELS, FIT);
    expect(bitsOf(a.getWeights()).equals(bitsOf(b.getWeights()))).toBe(true);
  });

  it('gives different weights for different seeds', () => {
    const a = new Network(options(1, backend));
    const b = new Network(options(2, backend));
    expect(bitsOf(a.getWeights()).equals(bitsOf(b.getWeights()))).toBe(false);
    a.fitSync(X, LABELS, FIT);
    b.fitSync(X, LABELS, FIT);
    expect(bitsOf(a.getWeights()).equals(bitsOf(b.getWeights()))).toBe(false);
  });

  it('shuffles in an order the seed decides', () => {
    const run = (seed: number, shuffle: boolean) => {
      const net = new Network(options(seed, backend));
      net.setWeights(new Network(options(99, 'js')).getWeights());
      net.fitSync(X, LABELS, { ...FIT, shuffle });
      return bitsOf(net.getWeights());
    };
    expect(run(1, false).equals(run(2, false))).toBe(true);
    expect(run(1, true).equals(run(2, true))).toBe(false);
    expect(run(1, true).equals(run(1, false))).toBe(false);
  });

  it('exposes the seed, and picks one when none is given', () => {
    expect(new Network(options(77, backend)).seed).toBe(77);
    const { seed: _, ...unseeded } = options(0, backend);
    const net = new Network(unseeded);
    expect(Number.isSafeInteger(net.seed)).toBe(true);
    expect(bitsOf(new Network({ ...unseeded, seed: net.seed }).getWeights()).equals(bitsOf(net.getWeights()))).toBe(true);
  });
});

const HE: Activation[] = ['relu', 'leakyRelu', 'elu', 'gelu'];
const GLOROT: Activation[] = ['linear', 'sigmoid', 'tanh', 'softmax'];

describe('initial weights', () => {
  const FAN_IN = 50;
  const UNITS = 40;
  it.each([...HE.map((a) => [a, 'He', Math.sqrt(6 / FAN_IN)] as const), ...GLOROT.map((a) => [a, 'Glorot', Math.sqrt(6 / (FAN_IN + UNITS))] as const)])(
    '%s layers start %s-uniform, biases 0',
    (activation, _scheme, bound) => {
      const net = new Network({ inputs: FAN_IN, layers: [{ units: UNITS, activation }], seed: 5, backend: 'js' });
      const [{ weight, bias }] = net.getWeights();
      expect(weight.length).toBe(FAN_IN * UNITS);
      const largest = Math.max(...Array.from(weight, Math.abs));
      expect(largest).toBeLessThanOrEqual(bound * (1 + 1e-6));
      expect(largest).toBeGreaterThan(0.98 * bound);
      const mean = weight.reduce((s, w) => s + w, 0) / weight.length;
      const variance = weight.reduce((s, w) => s + (w - mean) ** 2, 0) / weight.length;
      expect(Math.abs(mean)).toBeLessThan(0.05 * bound);
      // Uniform on [−b, b] has variance b²/3.
      expect(Math.sqrt(variance) / (bound / Math.sqrt(3))).toBeGreaterThan(0.95);
      expect(Math.sqrt(variance) / (bound / Math.sqrt(3))).toBeLessThan(1.05);
      expect(Array.from(bias)).toEqual(new Array(UNITS).fill(0));
    },
  );

  it('uses each layer\'s own fan-in and fan-out', () => {
    const net = new Network({
      inputs: 30,
      layers: [{ units: 60, activation: 'relu' }, { units: 20, activation: 'sigmoid' }],
      seed: 6,
      backend: 'js',
    });
    const [first, second] = net.getWeights();
    const largest = (w: Float32Array) => Math.max(...Array.from(w, Math.abs));
    expect(largest(first.weight)).toBeLessThanOrEqual(Math.sqrt(6 / 30) * (1 + 1e-6));
    expect(largest(first.weight)).toBeGreaterThan(0.98 * Math.sqrt(6 / 30));
    expect(largest(second.weight)).toBeLessThanOrEqual(Math.sqrt(6 / 80) * (1 + 1e-6));
    expect(largest(second.weight)).toBeGreaterThan(0.98 * Math.sqrt(6 / 80));
  });

  it.each(BACKENDS)('is the same on the %s backend (the facade draws it)', (backend) => {
    const js = new Network(options(31, 'js'));
    expect(bitsOf(new Network(options(31, backend)).getWeights()).equals(bitsOf(js.getWeights()))).toBe(true);
  });
});
