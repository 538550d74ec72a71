/**
 * trainBatch's step guard (README, trainBatch): a step whose loss or update
 * is not finite is undone whole — parameters, running statistics, optimizer
 * moments and step count — so the next step is, bit for bit, the one a
 * network that never tried it takes; and a kept step is the update fit
 * makes, bit for bit. On every backend, and the same on both.
 */
import { describe, expect, it } from 'vitest';
import { DivergenceError, Network, type NetworkOptions, type OptimizerOptions } from '../../lib/index.js';
import { BACKENDS } from './backends';
import { expectError, thrown } from './expect-error';
import { bitsOf, random, uniform } from './fixtures';

type Backend = NetworkOptions['backend'];

/** Everything a network carries: weights, running statistics, optimizer moments and step count, learning rate. */
function wholeState(net: Network): Buffer {
  return Buffer.from(net.toBytes({ trainingState: true }));
}

/** A network that continues from `net`'s whole state, as if it were `net` before what happens next. */
function twinOf(net: Network, backend: Backend): Network {
  return Network.fromBytes(net.toBytes({ trainingState: true }), { backend });
}

/** The reproduction: the first layer sees 1e10, and a rate of 1e30 overflows its update. */
function reproduction(backend: Backend): Network {
  return new Network({
    inputs: 2,
    layers: [{ units: 3, activation: 'relu' }, { units: 1 }],
    loss: 'mse',
    optimizer: { type: 'sgd', learningRate: 1e30, momentum: 0.9 },
    seed: 4,
    backend,
  });
}
const HUGE_X = [1e10, 2e10, 3, 4];
const HUGE_Y = [1e10, 2];
const CALM_X = [0.5, -1, 0.25, 2];
const CALM_Y = [0.3, -0.2];

const next = random(21);
const X = uniform(next, 6, 5, -1, 1);
const Y = uniform(next, 6, 1, -1, 1);
const FLOAT32_MAX = 3.4028234663852886e38;

/** A step whose update overflows: `rate` as the learning rate, `targets` for the batch. */
interface Overflow {
  readonly rate: number;
  readonly targets: Float32Array;
}
/** Targets that make every gradient large: at the largest rate, the update overflows. */
const LARGEST_RATE: Overflow = { rate: 3e38, targets: uniform(next, 6, 1, 1e4, 2e4) };
/** Adam's and adagrad's steps are at most about their rate: their update overflows only with the gradient, here the output bias's, 2·mean(out − y) ≈ −2·FLOAT32_MAX. */
const LARGEST_TARGETS: Overflow = { rate: 0.1, targets: new Float32Array(6).fill(FLOAT32_MAX) };

const OPTIMIZERS: [string, OptimizerOptions, Overflow][] = [
  ['sgd', { type: 'sgd', learningRate: 0.1 }, LARGEST_RATE],
  ['sgd momentum', { type: 'sgd', learningRate: 0.1, momentum: 0.9 }, LARGEST_RATE],
  ['nesterov', { type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true }, LARGEST_RATE],
  ['adam', { type: 'adam', learningRate: 0.01 }, LARGEST_TARGETS],
  ['adamw', { type: 'adamw', learningRate: 0.01, weightDecay: 0.1 }, LARGEST_TARGETS],
  ['rmsprop with momentum', { type: 'rmsprop', learningRate: 0.01, momentum: 0.5 }, LARGEST_RATE],
  ['adagrad', { type: 'adagrad', learningRate: 0.1 }, LARGEST_TARGETS],
];

function small(backend: Backend, optimizer: OptimizerOptions, activation: 'tanh' | 'relu' = 'tanh'): Network {
  return new Network({ inputs: 5, layers: [{ units: 4, activation }, { units: 1 }], loss: 'mse', optimizer, seed: 8, backend });
}

describe.each(BACKENDS)('on the %s backend', (backend) => {
  it("after a rejected momentum step, the next step is the one a network that never tried it takes (the issue's reproduction)", () => {
    const net = reproduction(backend);
    const twin = twinOf(net, backend);
    const before = wholeState(net);
    expectError(thrown(() => net.trainBatch(HUGE_X, HUGE_Y)), DivergenceError, ['the update made parameter', 'the step was undone']);
    expect(wholeState(net).equals(before)).toBe(true);
    for (const n of [net, twin]) {
      n.learningRate = 0.01;
      n.trainBatch(CALM_X, CALM_Y);
    }
    expect(bitsOf(net.getWeights()).equals(bitsOf(twin.getWeights()))).toBe(true);
    expect(wholeState(net).equals(wholeState(twin))).toBe(true);
    // Without the momentum of the rejected step, one calm step moves no weight far.
    for (const value of net.getWeights()[0].weight) expect(Math.abs(value)).toBeLessThan(10);
  });

  it('a loss that is not finite (NaN) applies nothing', () => {
    const net = small(backend, { type: 'adam', learningRate: 0.01 }, 'relu');
    net.trainBatch(X, Y);
    // Hidden units of +∞ (the largest weights, positive inputs) times output weights of 0: NaN.
    const weights = net.getWeights();
    weights[0].weight.fill(3e38);
    weights[1].weight.fill(0);
    net.setWeights(weights);
    const before = wholeState(net);
    expectError(thrown(() => net.trainBatch(X.map(Math.abs), Y)), DivergenceError, ['the loss was NaN', 'the step was undone']);
    expect(wholeState(net).equals(before)).toBe(true);
  });

  it.each(OPTIMIZERS)('%s: an update that overflows is undone whole, moments and step count included; the next step is exact', (_, optimizer, overflow) => {
    const net = small(backend, optimizer);
    net.trainBatch(X, Y);
    const twin = twinOf(net, backend);
    const before = wholeState(net);
    net.learningRate = overflow.rate;
    expectError(thrown(() => net.trainBatch(X, overflow.targets)), DivergenceError, ['the update made parameter', 'the step was undone']);
    net.learningRate = optimizer.learningRate as number;
    expect(wholeState(net).equals(before)).toBe(true);
    // Adam's bias correction counts steps: a rejected step counted would change this one.
    net.trainBatch(X, Y);
    twin.trainBatch(X, Y);
    expect(wholeState(net).equals(wholeState(twin))).toBe(true);
  });

  it('batch normalization: a running variance that overflows undoes the whole step', () => {
    const net = new Network({
      inputs: 5,
      layers: [{ units: 4, activation: 'tanh', normalization: 'batch' }, { units: 1 }],
      loss: 'mse',
      optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9 },
      seed: 8,
      backend,
    });
    net.trainBatch(X, Y);
    const before = wholeState(net);
    const twin = twinOf(net, backend);
    // Inputs of 1e20: the normalized activations are tame, the batch variance (~1e40) is not a float32.
    const error = thrown(() => net.trainBatch(X.map((v) => v * 1e20), Y)) as DivergenceError;
    expectError(error, DivergenceError, ['the update made parameter', 'Infinity', 'the step was undone']);
    // The parameter named is a running variance: after the 4·5 + 4 + 4 + 4 + 4 + 1 = 37 parameters and the 4 running means.
    expect(Number(/parameter (\d+)/.exec(error.message)?.[1])).toBeGreaterThanOrEqual(41);
    expect(wholeState(net).equals(before)).toBe(true);
    net.trainBatch(X, Y);
    twin.trainBatch(X, Y);
    expect(wholeState(net).equals(wholeState(twin))).toBe(true);
  });

  it.each(OPTIMIZERS)('%s: a kept step is the update fit makes, bit for bit', (_, optimizer) => {
    // 1037·130 + … parameters: several blocks, and parts of a split update on a native pool.
    const wide = (): Network =>
      new Network({ inputs: 1037, layers: [{ units: 130, activation: 'relu' }, { units: 3 }], loss: 'mse', optimizer, seed: 2, backend });
    const rows = uniform(random(5), 9, 1037, -1, 1);
    const targets = uniform(random(6), 9, 3, -1, 1);
    const stepped = wide();
    for (let b = 0; b < 3; b++) stepped.trainBatch(rows.subarray(b * 3 * 1037, (b + 1) * 3 * 1037), targets.subarray(b * 9, (b + 1) * 9));
    const fitted = wide();
    fitted.fitSync(rows, targets, { epochs: 1, batchSize: 3, shuffle: false });
    expect(bitsOf(stepped.getWeights()).equals(bitsOf(fitted.getWeights()))).toBe(true);
  });
});

describe.runIf(BACKENDS.includes('native'))('js and native', () => {
  it('take the same sequence: a rejected step naming the same parameter, then the same next step', () => {
    const messages: string[] = [];
    const weights = (['js', 'native'] as const).map((backend) => {
      const net = reproduction(backend);
      messages.push((thrown(() => net.trainBatch(HUGE_X, HUGE_Y)) as Error).message);
      net.learningRate = 0.01;
      net.trainBatch(CALM_X, CALM_Y);
      net.trainBatch(CALM_Y.concat(CALM_Y), CALM_Y);
      return net.getWeights().flatMap((layer) => [...layer.weight, ...layer.bias]);
    });
    expect(messages[1]).toBe(messages[0]);
    weights[1].forEach((value, i) => expect(value).toBeCloseTo(weights[0][i], 5));
  });
});
