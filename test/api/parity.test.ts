/**
 * The native engine against the pure-TS one, through the public API: same
 * seed, same data, same results up to float32 rounding. The engines sum in
 * different orders (blocked SIMD GEMM versus a 2x4 JS tile), so values agree
 * to a tolerance scaled by the size of what is compared, never bit for bit.
 * Shapes are odd on purpose, so that every GEMM micro-kernel edge is hit.
 */
import { describe, expect, it } from 'vitest';
import {
  info,
  Network,
  type Activation,
  type LayerWeights,
  type LossName,
  type NetworkOptions,
  type OptimizerOptions,
} from '../../lib/index.js';
import { loadDigits } from './digits';
import { bitsOf, flatten, oneHot, random, randomLabels, uniform } from './fixtures';

// Not skipped when the addon is missing: every test below then fails, this one saying why.
describe('the native engine', () => {
  it('is loaded (npm test builds it first)', () => {
    const loaded = info();
    expect(
      loaded.binary,
      `parity tests need the native addon, which did not load here (${loaded.nativeError ?? 'no reason given'}); ` +
        'build it with `node scripts/build-native.mjs`',
    ).not.toBeNull();
  });
});

const INPUTS = 37;
const HIDDEN_UNITS = [29, 23];
const OUTPUTS = 5;
const ROWS = 19;

/** Largest |value| of an array, the scale its rounding errors are measured against. */
function largest(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  return max;
}

/**
 * Every element of `native` within relative·max|js| + absolute of `js`.
 * Reports the worst element, not the first, so a failure shows how far off the engines are.
 */
function expectSameValues(js: ArrayLike<number>, native: ArrayLike<number>, what: string, relative: number, absolute: number): void {
  expect(native.length, `${what}: length`).toBe(js.length);
  const bound = relative * largest(js) + absolute;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < js.length; i++) {
    const difference = Math.abs(js[i] - native[i]);
    // NaN on either side counts as the worst possible disagreement.
    if (!(difference <= worst)) {
      worst = Number.isNaN(difference) ? Infinity : difference;
      at = i;
    }
  }
  expect(worst, `${what}: element ${at} is ${js[at]} (js) vs ${native[at]} (native); allowed ${bound}`).toBeLessThanOrEqual(bound);
}

/** Each layer's weight and bias (and norm entries) compared on its own scale. */
function expectSameLayers(js: readonly LayerWeights[], native: readonly LayerWeights[], what: string, relative: number, absolute: number): void {
  expect(native.length).toBe(js.length);
  js.forEach((layer, i) => {
    expectSameValues(layer.weight, native[i].weight, `${what}, layer ${i} weight`, relative, absolute);
    expectSameValues(layer.bias, native[i].bias, `${what}, layer ${i} bias`, relative, absolute);
    const nativeNorm: Record<string, Float32Array> = { ...native[i].norm };
    expect(Object.keys(nativeNorm), `${what}, layer ${i} norm`).toEqual(Object.keys(layer.norm ?? {}));
    for (const [key, values] of Object.entries(layer.norm ?? {})) {
      expectSameValues(values, nativeNorm[key], `${what}, layer ${i} norm.${key}`, relative, absolute);
    }
  });
}

/** One network per engine from the same options; the initial weights (drawn in TS) must be bit-identical. */
function twins(options: Omit<NetworkOptions, 'backend'>): { js: Network; native: Network } {
  const js = new Network({ ...options, backend: 'js' });
  const native = new Network({ ...options, backend: 'native' });
  expect(native.backend).toBe('native');
  expect(bitsOf(native.getWeights()).equals(bitsOf(js.getWeights()))).toBe(true);
  return { js, native };
}

function disposeBoth({ js, native }: { js: Network; native: Network }): void {
  js.dispose();
  native.dispose();
}

type TargetKind = 'dense' | 'unit' | 'labels' | 'oneHot';

interface Head {
  name: string;
  output: Activation;
  loss: LossName;
  targets: TargetKind;
}

const HEADS: Head[] = [
  { name: 'mse, linear output', output: 'linear', loss: 'mse', targets: 'dense' },
  { name: 'mse, softmax output', output: 'softmax', loss: 'mse', targets: 'unit' },
  { name: 'binaryCrossEntropy', output: 'sigmoid', loss: 'binaryCrossEntropy', targets: 'unit' },
  { name: 'crossEntropy, labels', output: 'softmax', loss: 'crossEntropy', targets: 'labels' },
  { name: 'crossEntropy, one-hot', output: 'softmax', loss: 'crossEntropy', targets: 'oneHot' },
];

const HIDDEN: Activation[] = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'gelu'];

function targetsFor(kind: TargetKind, next: () => number, rows: number): Float32Array | Int32Array {
  switch (kind) {
    case 'dense':
      return uniform(next, rows, OUTPUTS);
    case 'unit':
      return uniform(next, rows, OUTPUTS, 0, 1);
    case 'labels':
      return randomLabels(next, rows, OUTPUTS);
    case 'oneHot':
      return oneHot(randomLabels(next, rows, OUTPUTS), OUTPUTS);
  }
}

function optionsFor(hidden: Activation, head: Head, optimizer: OptimizerOptions = { type: 'sgd' }): Omit<NetworkOptions, 'backend'> {
  return {
    inputs: INPUTS,
    layers: [...HIDDEN_UNITS.map((units) => ({ units, activation: hidden })), { units: OUTPUTS, activation: head.output }],
    loss: head.loss,
    optimizer,
    seed: 17,
  };
}

/** Losses: both accumulate in double; only the float32 forward pass differs. */
const LOSS_TOLERANCE = 1e-6;
/**
 * Gradients: an element's rounding error scales with the terms summed into it
 * (about max|g| of its tensor), not with its own value, which may cancel to ~0.
 * float32 has 6e-8 relative precision; measured worst here: 7e-7 of max|g|.
 */
const GRADIENT_RELATIVE = 1e-4;
const GRADIENT_ABSOLUTE = 1e-7;

describe('computeGradients: native equals js', () => {
  const cases = HIDDEN.flatMap((hidden) => HEADS.map((head) => ({ name: `hidden ${hidden}, ${head.name}`, hidden, head })));

  it.each(cases)('$name', ({ hidden, head }) => {
    const next = random(cases.findIndex((c) => c.hidden === hidden && c.head === head) + 301);
    const x = uniform(next, ROWS, INPUTS);
    const y = targetsFor(head.targets, next, ROWS);
    const nets = twins(optionsFor(hidden, head));

    const js = nets.js.computeGradients(x, y);
    const native = nets.native.computeGradients(x, y);
    expect(Number.isFinite(js.loss)).toBe(true);
    expect(Math.abs(native.loss - js.loss), `loss ${native.loss} (native) vs ${js.loss} (js)`).toBeLessThanOrEqual(LOSS_TOLERANCE * Math.abs(js.loss));
    // A zero gradient would make the comparison vacuous.
    expect(largest(flatten(js.grads))).toBeGreaterThan(1e-4);
    expectSameLayers(js.grads, native.grads, 'gradient', GRADIENT_RELATIVE, GRADIENT_ABSOLUTE);
    disposeBoth(nets);
  });
});

const OPTIMIZERS: { name: string; optimizer: OptimizerOptions }[] = [
  { name: 'sgd', optimizer: { type: 'sgd', learningRate: 0.1 } },
  { name: 'sgd momentum', optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 } },
  { name: 'sgd nesterov', optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.8, nesterov: true } },
  { name: 'sgd weight decay', optimizer: { type: 'sgd', learningRate: 0.1, weightDecay: 0.3 } },
  { name: 'adam', optimizer: { type: 'adam', learningRate: 0.01 } },
  { name: 'adam weightDecay', optimizer: { type: 'adam', learningRate: 0.01, weightDecay: 0.5 } },
  { name: 'adamw', optimizer: { type: 'adamw', learningRate: 0.01, weightDecay: 0.5 } },
  { name: 'rmsprop', optimizer: { type: 'rmsprop', learningRate: 0.01 } },
  { name: 'rmsprop momentum', optimizer: { type: 'rmsprop', learningRate: 0.01, momentum: 0.9, alpha: 0.9 } },
  { name: 'adagrad', optimizer: { type: 'adagrad', learningRate: 0.1 } },
];

const STEPS = 5;
/** Per-step losses after k updates: forward rounding plus the drift of k slightly different steps. */
const STEP_LOSS_TOLERANCE = 1e-5;
/**
 * Final weights, per tensor, against how far that tensor moved in 5 steps:
 * adaptive optimizers divide by sqrt(v), so a gradient's relative rounding
 * error becomes the update's, and 5 steps add up (measured worst: 2e-5).
 */
const WEIGHT_RELATIVE = 1e-3;
const WEIGHT_ABSOLUTE = 1e-7;

describe('trainBatch: native equals js', () => {
  it.each(OPTIMIZERS)('$name: 5 steps give the same losses and weights', ({ optimizer }) => {
    const head = HEADS[3];
    const nets = twins(optionsFor('tanh', head, optimizer));
    const initial = nets.js.getWeights();
    const next = random(401);
    for (let step = 1; step <= STEPS; step++) {
      const x = uniform(next, ROWS, INPUTS);
      const y = targetsFor(head.targets, next, ROWS);
      const js = nets.js.trainBatch(x, y);
      const native = nets.native.trainBatch(x, y);
      expect(Math.abs(native - js), `step ${step}: loss ${native} (native) vs ${js} (js)`).toBeLessThanOrEqual(STEP_LOSS_TOLERANCE * js);
    }
    const js = nets.js.getWeights();
    const native = nets.native.getWeights();
    js.forEach((layer, i) => {
      for (const part of ['weight', 'bias'] as const) {
        const moved = layer[part].map((w, k) => w - initial[i][part][k]);
        expect(largest(moved), `layer ${i} ${part} moved`).toBeGreaterThan(1e-4);
        const bound = WEIGHT_RELATIVE * largest(moved) + WEIGHT_ABSOLUTE;
        const difference = native[i][part].map((w, k) => w - layer[part][k]);
        expect(largest(difference), `layer ${i} ${part}: native − js`).toBeLessThanOrEqual(bound);
      }
    });
    disposeBoth(nets);
  });
});

describe('normalization: native equals js', () => {
  const layers = (normalization: 'batch' | 'layer'): NetworkOptions['layers'] => [
    { units: HIDDEN_UNITS[0], activation: 'tanh', normalization },
    { units: HIDDEN_UNITS[1], activation: 'gelu', normalization: normalization === 'batch' ? { type: 'batch', momentum: 0.3, epsilon: 1e-3 } : 'layer' },
    { units: OUTPUTS, activation: 'softmax' },
  ];

  // SGD, not Adam: under batch normalization the Linear bias has a zero gradient up to rounding, which Adam would scale to full steps.
  it.each(['batch', 'layer'] as const)('%s normalization: gradients, 5 SGD steps (running statistics included) and inference', (normalization) => {
    const next = random(normalization === 'batch' ? 501 : 502);
    const nets = twins({ inputs: INPUTS, layers: layers(normalization), loss: 'crossEntropy', optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 }, seed: 19 });
    const x = uniform(next, ROWS, INPUTS);
    const y = randomLabels(next, ROWS, OUTPUTS);
    const js = nets.js.computeGradients(x, y);
    const native = nets.native.computeGradients(x, y);
    expect(Math.abs(native.loss - js.loss)).toBeLessThanOrEqual(LOSS_TOLERANCE * Math.abs(js.loss));
    expect(largest(js.grads[0].norm?.weight ?? [])).toBeGreaterThan(1e-4);
    expectSameLayers(js.grads, native.grads, 'gradient', GRADIENT_RELATIVE, GRADIENT_ABSOLUTE);
    for (let step = 1; step <= STEPS; step++) {
      const bx = uniform(next, ROWS, INPUTS);
      const by = randomLabels(next, ROWS, OUTPUTS);
      const loss = nets.js.trainBatch(bx, by);
      expect(Math.abs(nets.native.trainBatch(bx, by) - loss), `step ${step}`).toBeLessThanOrEqual(STEP_LOSS_TOLERANCE * loss);
    }
    expectSameLayers(nets.js.getWeights(), nets.native.getWeights(), 'after 5 steps', WEIGHT_RELATIVE, 1e-5);
    expectSameValues(nets.js.predict(x), nets.native.predict(x), 'inference-mode predictions', 1e-4, 1e-6);
    disposeBoth(nets);
  });
});

const DIGIT_OPTIONS: Omit<NetworkOptions, 'backend'> = {
  inputs: 784,
  layers: [{ units: 64, activation: 'relu' }, { units: 10, activation: 'softmax' }],
  loss: 'crossEntropy',
  optimizer: { type: 'adam', learningRate: 1e-3 },
  seed: 2025,
};

const EPOCHS = 5;
/**
 * Rounding differences grow over hundreds of adam steps, yet stay near 1e-6
 * here; the same run with the batches unshuffled, or with a 1 % larger
 * learning rate, is off by more than 4e-3 in epoch losses and 5e-2 in probabilities.
 */
const CURVE_TOLERANCE = 1e-3;

describe('fit: native and js follow the same curve', () => {
  it('5 shuffled epochs of adam on 2000 digits (315 steps) give the same history and predictions', async () => {
    const { train, test } = loadDigits(2000, 1000, 7);
    const nets = twins(DIGIT_OPTIONS);
    const fit = { epochs: EPOCHS, batchSize: 32, shuffle: true };
    const js = nets.js.fitSync(train.x, train.labels, fit);
    // Native trains on its worker thread here: that path, too, must see the batches in the same order.
    const native = await nets.native.fit(train.x, train.labels, fit);

    expect(native.loss.length).toBe(EPOCHS);
    // The curve must actually descend, or equal curves would prove little.
    expect(js.loss[EPOCHS - 1]).toBeLessThan(0.5 * js.loss[0]);
    js.loss.forEach((loss, epoch) => {
      expect(Math.abs(native.loss[epoch] - loss), `epoch ${epoch}: ${native.loss[epoch]} (native) vs ${loss} (js)`).toBeLessThanOrEqual(CURVE_TOLERANCE * loss);
    });

    const classes = 10;
    const pjs = nets.js.predict(test.x);
    const pnative = nets.native.predict(test.x);
    let same = 0;
    for (let r = 0; r < test.rows; r++) {
      if (argmax(pjs, r * classes, classes) === argmax(pnative, r * classes, classes)) same++;
    }
    expect(same / test.rows).toBeGreaterThanOrEqual(0.99);
    expectSameValues(pjs, pnative, 'probabilities after training', 0, CURVE_TOLERANCE);
    disposeBoth(nets);
  });
});

function argmax(values: Float32Array, start: number, width: number): number {
  let best = 0;
  for (let c = 1; c < width; c++) if (values[start + c] > values[start + best]) best = c;
  return best;
}

/** More rows than the engines' 256-row inference block, and not a multiple of it. */
const MANY_ROWS = 1100;
const PREDICTION_RELATIVE = 1e-5;
const PREDICTION_ABSOLUTE = 1e-7;

describe('predict and evaluate on many rows: native equals js', () => {
  it.each(HEADS)('$name', (head) => {
    const next = random(HEADS.indexOf(head) + 501);
    const x = uniform(next, MANY_ROWS, INPUTS);
    const y = targetsFor(head.targets, next, MANY_ROWS);
    const nets = twins(optionsFor('gelu', head));

    expectSameValues(nets.js.predict(x), nets.native.predict(x), 'predictions', PREDICTION_RELATIVE, PREDICTION_ABSOLUTE);
    const js = nets.js.evaluate(x, y);
    const native = nets.native.evaluate(x, y);
    expect(Math.abs(native.loss - js.loss), `loss ${native.loss} (native) vs ${js.loss} (js)`).toBeLessThanOrEqual(LOSS_TOLERANCE * js.loss);
    if (head.loss === 'mse') {
      expect(native.accuracy).toBeUndefined();
      expect(js.accuracy).toBeUndefined();
    } else {
      // An output within rounding of a tie (argmax, or 0.5 for binaryCrossEntropy) may flip one count.
      const counted = head.loss === 'binaryCrossEntropy' ? MANY_ROWS * OUTPUTS : MANY_ROWS;
      expect(Math.abs((native.accuracy ?? NaN) - (js.accuracy ?? NaN))).toBeLessThanOrEqual(1 / counted);
    }
    disposeBoth(nets);
  });
});
