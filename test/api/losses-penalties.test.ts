/**
 * Label smoothing, Huber, MAE, the L1/L2 weight penalties and dropout on both
 * backends: computeGradients against central finite differences of the loss
 * it reports (the training loss, penalties included), the two backends
 * against each other, evaluate without the penalty, and every bad value
 * refused with an ArgumentError naming it.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, Network, type LayerOptions, type LayerWeights, type NetworkOptions } from '../../lib/index.js';
import { BACKENDS } from './backends';
import { expectError, thrown } from './expect-error';
import { flatten, random, randomLabels, uniform, unflatten } from './fixtures';

const INPUTS = 3;
const ROWS = 7;
const STEP = 1e-2;
const TOLERANCE = 2e-2;

interface Case {
  name: string;
  layers: LayerOptions[];
  loss: NetworkOptions['loss'];
  labels: boolean;
}

const CASES: Case[] = [
  { name: 'crossEntropy, labelSmoothing 0.2, labels', layers: [{ units: 5, activation: 'tanh' }, { units: 3, activation: 'softmax' }], loss: { type: 'crossEntropy', labelSmoothing: 0.2 }, labels: true },
  { name: 'crossEntropy, labelSmoothing 0.35, dense', layers: [{ units: 5, activation: 'sigmoid' }, { units: 3, activation: 'softmax' }], loss: { type: 'crossEntropy', labelSmoothing: 0.35 }, labels: false },
  { name: 'huber, delta 0.3', layers: [{ units: 5, activation: 'tanh' }, { units: 3 }], loss: { type: 'huber', delta: 0.3 }, labels: false },
  { name: 'huber, default delta', layers: [{ units: 5, activation: 'elu' }, { units: 3, activation: 'tanh' }], loss: 'huber', labels: false },
  { name: 'mae', layers: [{ units: 5, activation: 'gelu' }, { units: 3 }], loss: 'mae', labels: false },
  { name: 'l1 and l2 on both layers, mse', layers: [{ units: 5, activation: 'tanh', l1: 0.03, l2: 0.05 }, { units: 3, l2: 0.1 }], loss: 'mse', labels: false },
  { name: 'dropout 0.3 and 0.5 (masks fixed between calls), mse', layers: [{ units: 5, activation: 'tanh', dropout: 0.3 }, { units: 4, activation: 'sigmoid', dropout: 0.5 }, { units: 3 }], loss: 'mse', labels: false },
  { name: 'l1 on the last layer, crossEntropy', layers: [{ units: 5, activation: 'sigmoid' }, { units: 3, activation: 'softmax', l1: 0.02 }], loss: 'crossEntropy', labels: true },
];

/** Weights at least 0.1 away from 0 (the L1 kink), biases small. */
function awayFromZero(like: LayerWeights[], next: () => number): LayerWeights[] {
  return like.map(({ weight, bias }) => ({
    weight: Float32Array.from(weight, () => (next() < 0.5 ? -1 : 1) * (0.1 + 0.7 * next())),
    bias: uniform(next, 1, bias.length, -0.3, 0.3),
  }));
}

function norm(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] ** 2;
  return Math.sqrt(sum);
}

/** Central differences of computeGradients' loss, divided by the float32 distance between the probes. */
function numericGradient(net: Network, x: Float32Array, y: Float32Array | Int32Array): Float64Array {
  const layers = net.getWeights();
  const base = flatten(layers);
  const numeric = new Float64Array(base.length);
  const probe = Float32Array.from(base);
  const lossAt = (i: number, value: number): [number, number] => {
    probe[i] = value;
    net.setWeights(unflatten(probe, layers));
    return [net.computeGradients(x, y).loss, probe[i]];
  };
  for (let i = 0; i < base.length; i++) {
    const [plus, plusValue] = lossAt(i, base[i] + STEP);
    const [minus, minusValue] = lossAt(i, base[i] - STEP);
    probe[i] = base[i];
    numeric[i] = (plus - minus) / (plusValue - minusValue);
  }
  net.setWeights(layers);
  return numeric;
}

function build(c: Case, backend: NetworkOptions['backend']): Network {
  return new Network({ inputs: INPUTS, layers: c.layers, loss: c.loss, optimizer: 'sgd', seed: 1, backend });
}

function data(c: Case, seed: number): { x: Float32Array; y: Float32Array | Int32Array } {
  const next = random(seed);
  const outputs = c.layers[c.layers.length - 1].units;
  const x = uniform(next, ROWS, INPUTS);
  if (c.labels) return { x, y: randomLabels(next, ROWS, outputs) };
  const softmax = c.layers[c.layers.length - 1].activation === 'softmax';
  return { x, y: softmax ? uniform(next, ROWS, outputs, 0, 1) : uniform(next, ROWS, outputs, -1.5, 1.5) };
}

describe.each(BACKENDS)('losses and penalties on the %s backend', (backend) => {
  it.each(CASES)('$name: computeGradients matches finite differences of its loss', (c) => {
    const seed = CASES.indexOf(c) + 31;
    const { x, y } = data(c, seed);
    const net = build(c, backend);
    net.setWeights(awayFromZero(net.getWeights(), random(seed + 1000)));
    const { grads } = net.computeGradients(x, y);
    const analytic = flatten(grads);
    const numeric = numericGradient(net, x, y);
    const scale = norm(numeric);
    expect(scale).toBeGreaterThan(1e-3);
    expect(norm(Array.from(analytic, (g, i) => g - numeric[i])) / scale).toBeLessThan(TOLERANCE);
    net.dispose();
  });

  it('the training loss carries the penalty, evaluate does not', () => {
    const c = CASES[5];
    const { x, y } = data(c, 5);
    const net = build(c, backend);
    const plain = new Network({ inputs: INPUTS, layers: c.layers.map(({ units, activation }) => ({ units, activation })), seed: 1, backend });
    plain.setWeights(net.getWeights());
    let penalty = 0;
    net.getWeights().forEach(({ weight }, i) => {
      const { l1 = 0, l2 = 0 } = c.layers[i];
      for (const w of weight) penalty += l1 * Math.abs(w) + l2 * w * w;
    });
    expect(penalty).toBeGreaterThan(1e-3);
    expect(net.evaluate(x, y).loss).toBe(plain.evaluate(x, y).loss);
    expect(net.computeGradients(x, y).loss).toBeCloseTo(plain.computeGradients(x, y).loss + penalty, 6);
    expect(net.trainBatch(x, y)).toBeCloseTo(plain.evaluate(x, y).loss + penalty, 6);
    net.dispose();
    plain.dispose();
  });

  it('labelSmoothing 0 and delta-free names give the bits of the bare losses', () => {
    const c = CASES[0];
    const { x, y } = data(c, 9);
    const bare = new Network({ inputs: INPUTS, layers: c.layers, loss: 'crossEntropy', seed: 3, backend });
    const zero = new Network({ inputs: INPUTS, layers: c.layers, loss: { type: 'crossEntropy', labelSmoothing: 0 }, seed: 3, backend });
    expect(flatten(zero.computeGradients(x, y).grads)).toEqual(flatten(bare.computeGradients(x, y).grads));
    expect(zero.options.loss).toBe('crossEntropy');
    bare.dispose();
    zero.dispose();
  });
});

describe.runIf(BACKENDS.includes('native'))('losses and penalties: the two backends agree', () => {
  it.each(CASES)('$name: same loss and gradients, and after three steps with row weights', (c) => {
    const { x, y } = data(c, CASES.indexOf(c) + 61);
    const sampleWeight = uniform(random(7), 1, ROWS, 0.2, 2);
    const [js, native] = (['js', 'native'] as const).map((backend) => build(c, backend));
    native.setWeights(js.getWeights());
    const a = js.computeGradients(x, y, { sampleWeight });
    const b = native.computeGradients(x, y, { sampleWeight });
    expect(b.loss).toBeCloseTo(a.loss, 6);
    const ga = flatten(a.grads);
    expect(norm(Array.from(flatten(b.grads), (g, i) => g - ga[i])) / norm(ga)).toBeLessThan(1e-5);
    for (let step = 0; step < 3; step++) {
      expect(native.trainBatch(x, y, { sampleWeight })).toBeCloseTo(js.trainBatch(x, y, { sampleWeight }), 5);
    }
    const wa = flatten(js.getWeights());
    expect(norm(Array.from(flatten(native.getWeights()), (w, i) => w - wa[i])) / norm(wa)).toBeLessThan(1e-5);
    js.dispose();
    native.dispose();
  });
});

describe('bad loss and penalty values', () => {
  const layers: LayerOptions[] = [{ units: 4, activation: 'relu' }, { units: 3, activation: 'softmax' }];
  const BAD: [string, NetworkOptions, string[]][] = [
    ['labelSmoothing 1', { inputs: 2, layers, loss: { type: 'crossEntropy', labelSmoothing: 1 } }, ['loss.labelSmoothing']],
    ['labelSmoothing −0.1', { inputs: 2, layers, loss: { type: 'crossEntropy', labelSmoothing: -0.1 } }, ['loss.labelSmoothing']],
    ['labelSmoothing on mse', { inputs: 2, layers: [{ units: 2 }], loss: { type: 'mse', labelSmoothing: 0.1 } as NetworkOptions['loss'] }, ['loss', 'labelSmoothing']],
    ['huber delta 0', { inputs: 2, layers: [{ units: 2 }], loss: { type: 'huber', delta: 0 } }, ['loss.delta']],
    ['huber delta NaN', { inputs: 2, layers: [{ units: 2 }], loss: { type: 'huber', delta: NaN } }, ['loss.delta']],
    ['unknown loss type', { inputs: 2, layers: [{ units: 2 }], loss: { type: 'hinge' } as unknown as NetworkOptions['loss'] }, ['loss.type', 'hinge']],
    ['negative l1', { inputs: 2, layers: [{ units: 4, l1: -1e-4 }, { units: 2 }] }, ['layers[0].l1']],
    ['negative l2', { inputs: 2, layers: [{ units: 4 }, { units: 2, l2: -1 }] }, ['layers[1].l2']],
    ['l2 not a number', { inputs: 2, layers: [{ units: 2, l2: '0.1' as unknown as number }] }, ['layers[0].l2']],
  ];
  it.each(BAD)('%s is an ArgumentError naming it', (_name, options, mentions) => {
    expectError(thrown(() => new Network(options)), ArgumentError, mentions);
  });
});
