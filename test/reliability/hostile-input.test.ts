/**
 * Hostile input at every public entry point, on both engines: typed-array
 * kinds that must be converted exactly or refused, detached and zero-length
 * buffers, sizes whose products overflow, absurd hyperparameters. Each is
 * either used correctly or refused with a typed error naming the argument;
 * the process keeps running (scripts/fuzz.mjs drives the raw addon).
 */
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  DivergenceError,
  Network,
  ShapeError,
  type FitOptions,
  type Matrix,
  type NetworkOptions,
  type OptimizerOptions,
  type TargetInput,
} from '../../lib/index.js';
import { expectError, rejected, thrown } from '../api/expect-error';
import { allFinite, bitsOf, bytesOf, flatten, random } from '../api/fixtures';
import { ENGINES, nativeBinary } from './engines';

nativeBinary();

type ErrorType = typeof ArgumentError;
type Engine = (typeof ENGINES)[number];

const INPUTS = 3;
const CLASSES = 3;
const ROWS = 6;

function network(backend: Engine, optimizer: NetworkOptions['optimizer'] = { type: 'sgd', learningRate: 0.1 }): Network {
  return new Network({
    inputs: INPUTS,
    layers: [{ units: 5, activation: 'tanh' }, { units: CLASSES, activation: 'softmax' }],
    loss: 'crossEntropy',
    optimizer,
    seed: 9,
    backend,
  });
}

// Small integers: every numeric typed-array kind holds them exactly.
const next = random(71);
const INTEGER_VALUES = Array.from({ length: ROWS * INPUTS }, () => Math.floor(next() * 6));
const LABEL_VALUES = Array.from({ length: ROWS }, (_, i) => i % CLASSES);
const ONE_HOT = new Float32Array(ROWS * CLASSES).map((_, i) => (i % CLASSES === LABEL_VALUES[Math.floor(i / CLASSES)] ? 1 : 0));

type NumericArrayType =
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor;

const KINDS: [string, (values: number[]) => ArrayLike<number>][] = (
  [Float64Array, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array] as NumericArrayType[]
).map((Kind) => [Kind.name, (values: number[]) => Kind.from(values)]);
KINDS.push(['Buffer', (values) => Buffer.from(values)]);

/** Each entry point, reduced to bytes that must not depend on how the same numbers were passed. */
type Probe = (backend: Engine, x: unknown, y: unknown) => Promise<Buffer>;

const X_PROBES: [string, Probe][] = [
  ['predict', async (b, x) => bytesOf(network(b).predict(x as Matrix))],
  ['evaluate', async (b, x, y) => Buffer.from(JSON.stringify(network(b).evaluate(x as Matrix, y as TargetInput)))],
  [
    'computeGradients',
    async (b, x, y) => {
      const { loss, grads } = network(b).computeGradients(x as Matrix, y as TargetInput);
      return Buffer.concat([Buffer.from(String(loss)), bitsOf(grads)]);
    },
  ],
  [
    'trainBatch',
    async (b, x, y) => {
      const net = network(b);
      const loss = net.trainBatch(x as Matrix, y as TargetInput);
      return Buffer.concat([Buffer.from(String(loss)), bitsOf(net.getWeights())]);
    },
  ],
  [
    'fitSync',
    async (b, x, y) => {
      const net = network(b);
      net.fitSync(x as Matrix, y as TargetInput, { epochs: 2, batchSize: 4 });
      return bitsOf(net.getWeights());
    },
  ],
  [
    'fit',
    async (b, x, y) => {
      const net = network(b);
      await net.fit(x as Matrix, y as TargetInput, { epochs: 2, batchSize: 4 });
      return bitsOf(net.getWeights());
    },
  ],
];

/** An ArrayBuffer moved away, as a transfer to another thread leaves it. */
const DETACH: [string, (buffer: ArrayBuffer) => void][] = [
  ['structuredClone transfer', (buffer) => structuredClone(buffer, { transfer: [buffer] })],
  [
    'postMessage transfer',
    (buffer) => {
      const { port1, port2 } = new MessageChannel();
      port1.postMessage(buffer, [buffer]);
      port1.close();
      port2.close();
    },
  ],
];

function detached(values: ArrayLike<number>, how: (buffer: ArrayBuffer) => void): Float32Array {
  const array = Float32Array.from(values);
  how(array.buffer);
  expect(array.length).toBe(0);
  return array;
}

/** Forms of x that every entry point must refuse, with the error naming x. */
const REFUSED_X: [string, () => unknown, ErrorType][] = [
  ['a BigInt64Array', () => new BigInt64Array(ROWS * INPUTS), ArgumentError],
  ['a BigUint64Array', () => new BigUint64Array(ROWS * INPUTS), ArgumentError],
  ['a DataView', () => new DataView(new ArrayBuffer(ROWS * INPUTS * 4)), ArgumentError],
  ['an ArrayBuffer', () => new ArrayBuffer(ROWS * INPUTS * 4), ArgumentError],
  ['a zero-length Float32Array', () => new Float32Array(0), ArgumentError],
  ['an empty subarray', () => Float32Array.from(INTEGER_VALUES).subarray(3, 3), ArgumentError],
  ['a Float32Array over a zero-length buffer', () => new Float32Array(new ArrayBuffer(0)), ArgumentError],
  ...DETACH.map(([how, detach]): [string, () => unknown, ErrorType] => [`a Float32Array detached by ${how}`, () => detached(INTEGER_VALUES, detach), ArgumentError]),
  ['rows of a BigInt64Array', () => [new BigInt64Array(INPUTS)], ArgumentError],
  ['rows of a DataView', () => [new DataView(new ArrayBuffer(INPUTS * 4))], ArgumentError],
];

/** Forms of the targets that every entry point taking targets must refuse, naming y. */
const REFUSED_Y: [string, () => unknown, ErrorType][] = [
  ['a BigInt64Array of labels', () => new BigInt64Array(ROWS), ArgumentError],
  ['a DataView', () => new DataView(ONE_HOT.slice().buffer), ArgumentError],
  ['a zero-length Int32Array', () => new Int32Array(0), ArgumentError],
  ...DETACH.map(([how, detach]): [string, () => unknown, ErrorType] => [`dense targets detached by ${how}`, () => detached(ONE_HOT, detach), ArgumentError]),
];

type Call = (net: Network, x: unknown, y: unknown) => Promise<unknown>;
const CALLS: [string, Call][] = [
  ['predict', async (net, x) => net.predict(x as Matrix)],
  ['evaluate', async (net, x, y) => net.evaluate(x as Matrix, y as TargetInput)],
  ['computeGradients', async (net, x, y) => net.computeGradients(x as Matrix, y as TargetInput)],
  ['trainBatch', async (net, x, y) => net.trainBatch(x as Matrix, y as TargetInput)],
  ['fitSync', async (net, x, y) => net.fitSync(x as Matrix, y as TargetInput)],
  ['fit', (net, x, y) => net.fit(x as Matrix, y as TargetInput)],
  ['fit validationData', (net, x, y) => net.fit(Float32Array.from(INTEGER_VALUES), ONE_HOT, { validationData: { x: x as Matrix, y: y as TargetInput } })],
];

/** The name each call's error must carry for its x and y. */
function argumentNames(call: string): { x: string; y: string } {
  return call === 'fit validationData' ? { x: 'options.validationData.x', y: 'options.validationData.y' } : { x: 'x', y: 'y' };
}

describe.each(ENGINES)('typed-array kinds on the %s engine', (backend) => {
  describe.each(X_PROBES)('%s', (_entry, probe) => {
    it.each(KINDS)('converts x given as %s exactly like a Float32Array of the same numbers', async (_kind, make) => {
      const expected = await probe(backend, Float32Array.from(INTEGER_VALUES), Int32Array.from(LABEL_VALUES));
      expect((await probe(backend, make(INTEGER_VALUES), Int32Array.from(LABEL_VALUES))).equals(expected)).toBe(true);
    });

    it('rounds Float64Array values to float32 exactly as Float32Array.from does', async () => {
      const values = INTEGER_VALUES.map((v, i) => v / 7 + i * 1e-9);
      const expected = await probe(backend, Float32Array.from(values), ONE_HOT);
      expect((await probe(backend, Float64Array.from(values), ONE_HOT)).equals(expected)).toBe(true);
    });

    it('reads a Float32Array view at a byte offset, and one over a SharedArrayBuffer, like a plain copy', async () => {
      const expected = await probe(backend, Float32Array.from(INTEGER_VALUES), ONE_HOT);
      const padded = new Float32Array(INTEGER_VALUES.length + 5);
      padded.set(INTEGER_VALUES, 3);
      expect((await probe(backend, padded.subarray(3, 3 + INTEGER_VALUES.length), ONE_HOT)).equals(expected)).toBe(true);
      const shared = new Float32Array(new SharedArrayBuffer(INTEGER_VALUES.length * 4));
      shared.set(INTEGER_VALUES);
      expect((await probe(backend, shared, ONE_HOT)).equals(expected)).toBe(true);
    });
  });

  it.each(KINDS.filter(([kind]) => kind !== 'Float64Array'))('takes labels given as %s like an Int32Array', async (_kind, make) => {
    for (const [, probe] of X_PROBES.slice(1)) {
      const expected = await probe(backend, Float32Array.from(INTEGER_VALUES), Int32Array.from(LABEL_VALUES));
      expect((await probe(backend, Float32Array.from(INTEGER_VALUES), make(LABEL_VALUES))).equals(expected)).toBe(true);
    }
  });

  it('setWeights converts Float64Array and integer arrays exactly like Float32Array', () => {
    const reference = network(backend);
    const layers = reference.getWeights().map(({ weight, bias }) => ({
      weight: weight.map((_, i) => Math.fround(Math.sin(i) / 3)),
      bias: bias.map((_, i) => i - 1),
    }));
    reference.setWeights(layers);
    const viaFloat64 = network(backend);
    viaFloat64.setWeights(layers.map(({ weight, bias }) => ({ weight: Float64Array.from(weight), bias: Int8Array.from(bias) })));
    expect(bitsOf(viaFloat64.getWeights()).equals(bitsOf(reference.getWeights()))).toBe(true);
    expect(bytesOf(viaFloat64.predict(INTEGER_VALUES)).equals(bytesOf(reference.predict(INTEGER_VALUES)))).toBe(true);
  });
});

describe.each(ENGINES)('refused buffers on the %s engine', (backend) => {
  describe.each(CALLS)('%s', (call, run) => {
    it.each(REFUSED_X)('refuses x as %s, naming it', async (_form, make, type) => {
      const net = network(backend);
      const before = bitsOf(net.getWeights());
      expectError(await rejected(() => run(net, make(), ONE_HOT)), type, [argumentNames(call).x]);
      expect(bitsOf(net.getWeights()).equals(before)).toBe(true);
      expect(net.training).toBe(false);
      expect(allFinite(net.predict(INTEGER_VALUES))).toBe(true);
    });

    if (call !== 'predict') {
      it.each(REFUSED_Y)('refuses y as %s, naming it', async (_form, make, type) => {
        const net = network(backend);
        const before = bitsOf(net.getWeights());
        expectError(await rejected(() => run(net, Float32Array.from(INTEGER_VALUES), make())), type, [argumentNames(call).y]);
        expect(bitsOf(net.getWeights()).equals(before)).toBe(true);
      });
    }
  });

  it.each([
    ['a BigInt64Array weight', (w: Float32Array) => new BigInt64Array(w.length), 'layers[0].weight'],
    ['a DataView weight', (w: Float32Array) => new DataView(w.slice().buffer), 'layers[0].weight'],
    ['a detached weight', (w: Float32Array) => detached(w, DETACH[0][1]), 'layers[0].weight'],
  ] as const)('setWeights refuses %s and keeps the weights', (_name, edit, mentions) => {
    const net = network(backend);
    const weights = net.getWeights();
    const before = bitsOf(weights);
    const bad = [{ weight: edit(weights[0].weight), bias: weights[0].bias }, weights[1]];
    expectError(thrown(() => net.setWeights(bad as Parameters<Network['setWeights']>[0])), ArgumentError, [mentions]);
    expect(bitsOf(net.getWeights()).equals(before)).toBe(true);
  });

  it.each(DETACH)('trains on as if nothing happened when x and y are detached by %s once fit trains', async (_how, detach) => {
    const data = () => ({ x: Float32Array.from({ length: 64 * INPUTS }, (_, i) => Math.sin(i)), y: Int32Array.from({ length: 64 }, (_, i) => i % CLASSES) });
    const undisturbed = network(backend);
    const reference = data();
    await undisturbed.fit(reference.x, reference.y, { epochs: 5, batchSize: 8 });
    const net = network(backend);
    const moved = data();
    let detachedAt = 0;
    await net.fit(moved.x, moved.y, {
      epochs: 5,
      batchSize: 8,
      // The first batch ran on the fit's own copy: the caller's arrays are free again.
      onBatchEnd: () => {
        if (detachedAt++ > 0) return;
        detach(moved.x.buffer);
        detach(moved.y.buffer);
      },
    });
    expect(moved.x.length).toBe(0);
    expect(bitsOf(net.getWeights()).equals(bitsOf(undisturbed.getWeights()))).toBe(true);
  });

  it.each(DETACH)('rejects with an ArgumentError naming x when x is detached by %s while fit still reads it', async (_how, detach) => {
    const net = network(backend);
    const x = Float32Array.from({ length: 64 * INPUTS }, (_, i) => Math.sin(i));
    const running = net.fit(x, Int32Array.from({ length: 64 }, (_, i) => i % CLASSES));
    detach(x.buffer);
    expectError(await rejected(() => running), ArgumentError, ['x']);
    expect(net.training).toBe(false);
  });
});

describe.each(ENGINES)('sizes on the %s engine', (backend) => {
  const CONSTRUCTOR_CASES: [string, Record<string, unknown>, ErrorType, string][] = [
    ['inputs 2^20 × units 2^12 (2^32 weights in one layer)', { inputs: 2 ** 20, layers: [{ units: 2 ** 12 }] }, ArgumentError, 'layers[0]'],
    ['inputs 2^31', { inputs: 2 ** 31, layers: [{ units: 1 }] }, ArgumentError, 'inputs'],
    // Sparse arrays: Array.prototype.map skips their holes.
    ['a layers array of two holes', { inputs: 3, layers: new Array(2) }, ArgumentError, 'layers[0]'],
    ['a hole before the last layer', { inputs: 3, layers: [, { units: 2 }] }, ArgumentError, 'layers[0]'],
    ['a hole after the first layer', { inputs: 3, layers: [{ units: 2 }, ,] }, ArgumentError, 'layers[1]'],
    ['units 2^32 + 1', { inputs: 1, layers: [{ units: 2 ** 32 + 1 }] }, ArgumentError, 'layers[0].units'],
    [
      'layers that each fit but together hold 6.4·10^9 parameters (more than a Float32Array can)',
      { inputs: 46340, layers: [{ units: 46340 }, { units: 46340 }, { units: 46340 }] },
      ArgumentError,
      'layers',
    ],
  ];
  it.each(CONSTRUCTOR_CASES)('refuses %s, naming it', (_name, options, type, mentions) => {
    expectError(thrown(() => new Network({ ...options, backend } as unknown as NetworkOptions)), type, [mentions]);
  });

  it('refuses rows × inputs beyond 2^31 − 1 values before copying a single row', () => {
    const net = new Network({ inputs: 2 ** 16, layers: [{ units: 1 }], backend, seed: 1 });
    const row = new Float32Array(2 ** 16);
    const rows = Array.from({ length: 2 ** 15 + 1 }, () => row);
    expectError(thrown(() => net.predict(rows)), ShapeError, ['x']);
  });

  const FIT_CASES: [string, FitOptions, string][] = [
    ['batchSize 2^40', { batchSize: 2 ** 40 }, 'options.batchSize'],
    ['batchSize Infinity', { batchSize: Infinity }, 'options.batchSize'],
    ['epochs 1e12', { epochs: 1e12 }, 'options.epochs'],
    ['epochs Infinity', { epochs: Infinity }, 'options.epochs'],
    ['epochs −1', { epochs: -1 }, 'options.epochs'],
  ];
  it.each(FIT_CASES)('refuses %s, naming it', async (_name, options, mentions) => {
    const net = network(backend);
    expectError(thrown(() => net.fitSync(INTEGER_VALUES, LABEL_VALUES, options)), ArgumentError, [mentions]);
    expectError(await rejected(() => net.fit(INTEGER_VALUES, LABEL_VALUES, options)), ArgumentError, [mentions]);
    expect(net.training).toBe(false);
  });

  it('trains with batchSize 2^31 − 1 (accepted, larger than the data) exactly as with one batch of every row', async () => {
    const whole = network(backend);
    whole.fitSync(INTEGER_VALUES, LABEL_VALUES, { epochs: 3, batchSize: ROWS });
    const huge = network(backend);
    huge.fitSync(INTEGER_VALUES, LABEL_VALUES, { epochs: 3, batchSize: 2 ** 31 - 1 });
    expect(bitsOf(huge.getWeights()).equals(bitsOf(whole.getWeights()))).toBe(true);
    const hugeAsync = network(backend);
    await hugeAsync.fit(INTEGER_VALUES, LABEL_VALUES, { epochs: 3, batchSize: 2 ** 31 - 1 });
    expect(bitsOf(hugeAsync.getWeights()).equals(bitsOf(whole.getWeights()))).toBe(true);
  });
});

/**
 * Hyperparameters that are finite numbers but that float32 engines turn into
 * Infinity or 0. Either the constructor refuses them (ArgumentError naming
 * the option), or training with them is harmless: fit ends, or stops with a
 * DivergenceError, and the weights stay finite either way.
 */
const ABSURD_HYPERPARAMETERS: [string, OptimizerOptions, string][] = [
  ['sgd learningRate 1e300', { type: 'sgd', learningRate: 1e300 }, 'optimizer.learningRate'],
  ['adam learningRate 1e300', { type: 'adam', learningRate: 1e300 }, 'optimizer.learningRate'],
  ['sgd weightDecay 1e300', { type: 'sgd', weightDecay: 1e300 }, 'optimizer.weightDecay'],
  ['adam epsilon 1e-300', { type: 'adam', epsilon: 1e-300 }, 'optimizer.epsilon'],
  ['rmsprop epsilon 1e-300', { type: 'rmsprop', epsilon: 1e-300 }, 'optimizer.epsilon'],
  ['adagrad epsilon 1e-40 (a float32 denormal)', { type: 'adagrad', epsilon: 1e-40 }, 'optimizer.epsilon'],
];

describe.each(ENGINES)('absurd hyperparameters on the %s engine', (backend) => {
  it.each(ABSURD_HYPERPARAMETERS)('%s: refused by name, or harmless', async (_name, optimizer, option) => {
    let net: Network;
    try {
      net = network(backend, optimizer);
    } catch (error) {
      expectError(error, ArgumentError, [option]);
      return;
    }
    // Input column 0 is always 0: the weights reading it get exactly zero
    // gradients, the case where an epsilon of 0 divides 0 by 0.
    const x = Float32Array.from(INTEGER_VALUES, (v, i) => (i % INPUTS === 0 ? 0 : v));
    try {
      await net.fit(x, LABEL_VALUES, { epochs: 3, batchSize: 2 });
    } catch (error) {
      expect(error).toBeInstanceOf(DivergenceError);
    }
    expect(allFinite(flatten(net.getWeights()))).toBe(true);
  });
});
