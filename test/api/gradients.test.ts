/**
 * computeGradients() against central finite differences of evaluate(), for
 * every activation in hidden and output position and every loss.
 * Parameters are float32, so the step is large (1e-2) and the divisor is the
 * actual float32 distance between the two perturbed values.
 */
import { describe, expect, it } from 'vitest';
import { Network, type Activation, type LayerOptions, type LayerWeights, type LossName } from '../../lib/index.js';
import { BACKENDS } from './backends';
import { flatten, oneHot, random, randomLabels, uniform, unflatten } from './fixtures';

const INPUTS = 3;
const ROWS = 4;
const STEP = 1e-2;
/** Relative error allowed on the gradient vector and on each large element. */
const TOLERANCE = 2e-2;
/** Pre-activations of relu and leakyRelu units stay this far from the kink. */
const KINK_MARGIN = 0.15;

type TargetKind = 'dense' | 'unit' | 'labels' | 'oneHot' | 'probabilities';

interface GradientCase {
  name: string;
  hidden: Activation[];
  output: Activation;
  outputs: number;
  loss: LossName;
  targets: TargetKind;
}

const HIDDEN: Activation[] = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'gelu'];
const OUTPUT: Activation[] = [...HIDDEN, 'softmax'];

const CASES: GradientCase[] = [
  ...HIDDEN.map((a): GradientCase => ({ name: `hidden ${a}, mse`, hidden: [a], output: 'linear', outputs: 3, loss: 'mse', targets: 'dense' })),
  ...OUTPUT.map((a): GradientCase => ({ name: `output ${a}, mse`, hidden: ['tanh'], output: a, outputs: 3, loss: 'mse', targets: 'unit' })),
  { name: 'binaryCrossEntropy after relu', hidden: ['relu'], output: 'sigmoid', outputs: 3, loss: 'binaryCrossEntropy', targets: 'unit' },
  { name: 'binaryCrossEntropy after gelu', hidden: ['gelu'], output: 'sigmoid', outputs: 2, loss: 'binaryCrossEntropy', targets: 'unit' },
  { name: 'crossEntropy, labels', hidden: ['elu'], output: 'softmax', outputs: 3, loss: 'crossEntropy', targets: 'labels' },
  { name: 'crossEntropy, one-hot', hidden: ['leakyRelu'], output: 'softmax', outputs: 3, loss: 'crossEntropy', targets: 'oneHot' },
  { name: 'crossEntropy, soft targets', hidden: ['sigmoid'], output: 'softmax', outputs: 3, loss: 'crossEntropy', targets: 'probabilities' },
  { name: 'crossEntropy, targets not summing to 1', hidden: ['tanh'], output: 'softmax', outputs: 3, loss: 'crossEntropy', targets: 'unit' },
  { name: 'deep mse', hidden: ['relu', 'sigmoid'], output: 'tanh', outputs: 2, loss: 'mse', targets: 'dense' },
  { name: 'deep crossEntropy', hidden: ['gelu', 'leakyRelu'], output: 'softmax', outputs: 4, loss: 'crossEntropy', targets: 'labels' },
];

function layersOf(c: GradientCase): LayerOptions[] {
  return [...c.hidden.map((activation) => ({ units: 4, activation })), { units: c.outputs, activation: c.output }];
}

function targetsFor(kind: TargetKind, next: () => number, outputs: number): Float32Array | Int32Array {
  switch (kind) {
    case 'dense':
      return uniform(next, ROWS, outputs);
    case 'unit':
      return uniform(next, ROWS, outputs, 0, 1);
    case 'labels':
      return randomLabels(next, ROWS, outputs);
    case 'oneHot':
      return oneHot(randomLabels(next, ROWS, outputs), outputs);
    case 'probabilities': {
      const y = uniform(next, ROWS, outputs, 0.1, 1);
      for (let r = 0; r < ROWS; r++) {
        let sum = 0;
        for (let c = 0; c < outputs; c++) sum += y[r * outputs + c];
        for (let c = 0; c < outputs; c++) y[r * outputs + c] /= sum;
      }
      return y;
    }
  }
}

/** Pre-activations of layer k: the first k+1 layers with layer k made linear. */
function preActivations(c: GradientCase, weights: LayerWeights[], k: number, x: Float32Array): Float32Array {
  const layers = layersOf(c)
    .slice(0, k + 1)
    .map((l, i) => (i === k ? { units: l.units, activation: 'linear' as const } : l));
  const prefix = new Network({ inputs: INPUTS, layers, backend: 'js', seed: 0 });
  prefix.setWeights(weights.slice(0, k + 1));
  const z = prefix.predict(x);
  prefix.dispose();
  return z;
}

/** Random weights whose relu/leakyRelu pre-activations all stay clear of 0 on x. */
function weightsAwayFromKinks(c: GradientCase, like: LayerWeights[], x: Float32Array, next: () => number): LayerWeights[] {
  const kinked = layersOf(c).map((l) => l.activation === 'relu' || l.activation === 'leakyRelu');
  for (let attempt = 0; attempt < 2000; attempt++) {
    const weights = like.map(({ weight, bias }) => ({
      weight: uniform(next, 1, weight.length),
      bias: uniform(next, 1, bias.length, -0.5, 0.5),
    }));
    const clear = kinked.every((k, i) => !k || preActivations(c, weights, i, x).every((z) => Math.abs(z) > KINK_MARGIN));
    if (clear) return weights;
  }
  throw new Error(`no weights clear of the relu kink for ${c.name}`);
}

function numericGradient(net: Network, x: Float32Array, y: Float32Array | Int32Array): Float64Array {
  const layers = net.getWeights();
  const base = flatten(layers);
  const numeric = new Float64Array(base.length);
  const probe = Float32Array.from(base);
  for (let i = 0; i < base.length; i++) {
    probe[i] = base[i] + STEP;
    const plusValue = probe[i];
    net.setWeights(unflatten(probe, layers));
    const plus = net.evaluate(x, y).loss;
    probe[i] = base[i] - STEP;
    const minusValue = probe[i];
    net.setWeights(unflatten(probe, layers));
    const minus = net.evaluate(x, y).loss;
    probe[i] = base[i];
    numeric[i] = (plus - minus) / (plusValue - minusValue);
  }
  net.setWeights(layers);
  return numeric;
}

function norm(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] ** 2;
  return Math.sqrt(sum);
}

function expectCloseGradients(analytic: Float32Array, numeric: Float64Array): void {
  const scale = norm(numeric);
  expect(scale).toBeGreaterThan(1e-3);
  const difference = norm(Array.from(analytic, (g, i) => g - numeric[i]));
  expect(difference / scale).toBeLessThan(TOLERANCE);
  const largest = Math.max(...Array.from(numeric, Math.abs));
  for (let i = 0; i < numeric.length; i++) {
    if (Math.abs(numeric[i]) > 0.1 * largest) {
      expect(Math.abs(analytic[i] - numeric[i]), `parameter ${i}`).toBeLessThan(TOLERANCE * Math.abs(numeric[i]));
    }
  }
}

describe.each(BACKENDS)('gradients on the %s backend', (backend) => {
  it.each(CASES)('$name matches finite differences', (c) => {
    const next = random(CASES.indexOf(c) + 101);
    const x = uniform(next, ROWS, INPUTS);
    const y = targetsFor(c.targets, next, c.outputs);
    const net = new Network({ inputs: INPUTS, layers: layersOf(c), loss: c.loss, optimizer: 'sgd', seed: 1, backend });
    net.setWeights(weightsAwayFromKinks(c, net.getWeights(), x, next));

    const { loss, grads } = net.computeGradients(x, y);
    expect(loss).toBeCloseTo(net.evaluate(x, y).loss, 6);
    expectCloseGradients(flatten(grads), numericGradient(net, x, y));
    net.dispose();
  });

  it('gives identical gradients for class labels and one-hot targets', () => {
    const next = random(7);
    const x = uniform(next, 6, INPUTS);
    const labels = randomLabels(next, 6, 4);
    const net = new Network({
      inputs: INPUTS,
      layers: [{ units: 5, activation: 'tanh' }, { units: 4, activation: 'softmax' }],
      loss: 'crossEntropy',
      seed: 3,
      backend,
    });
    const fromLabels = net.computeGradients(x, labels);
    const fromOneHot = net.computeGradients(x, oneHot(labels, 4));
    expect(flatten(fromLabels.grads)).toEqual(flatten(fromOneHot.grads));
    expect(fromLabels.loss).toBeCloseTo(fromOneHot.loss, 6);
    expect(norm(flatten(fromLabels.grads))).toBeGreaterThan(1e-3);
  });

  it('does not change the weights', () => {
    const next = random(8);
    const x = uniform(next, 5, INPUTS);
    const y = uniform(next, 5, 2);
    const net = new Network({ inputs: INPUTS, layers: [{ units: 4, activation: 'relu' }, { units: 2 }], seed: 4, backend });
    const before = flatten(net.getWeights());
    net.computeGradients(x, y);
    expect(flatten(net.getWeights())).toEqual(before);
  });
});
