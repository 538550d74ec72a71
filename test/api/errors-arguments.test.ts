/** Bad arguments: each throws a typed error whose message names the argument. */
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  BackendError,
  Network,
  ShapeError,
  type FitOptions,
  type Matrix,
  type NetworkOptions,
  type TargetInput,
} from '../../lib/index.js';
import { BACKENDS } from './backends';
import { expectError, rejected, thrown } from './expect-error';
import { bitsOf, random, uniform } from './fixtures';

type ErrorType = typeof ArgumentError;

/** Options as a caller might really pass them, typos and wrong types included. */
type LooseOptions = Record<string, unknown>;

const BASE: LooseOptions = {
  inputs: 3,
  layers: [{ units: 4, activation: 'tanh' }, { units: 3, activation: 'softmax' }],
  loss: 'crossEntropy',
  seed: 1,
};

const CONSTRUCTOR_CASES: [string, LooseOptions | unknown, ErrorType, string[]][] = [
  ['options not an object', 'net', ArgumentError, ['options']],
  ['options null', null, ArgumentError, ['options']],
  ['inputs 0', { ...BASE, inputs: 0 }, ArgumentError, ['inputs']],
  ['inputs fractional', { ...BASE, inputs: 2.5 }, ArgumentError, ['inputs']],
  ['inputs a string', { ...BASE, inputs: '3' }, ArgumentError, ['inputs']],
  ['no layers', { ...BASE, layers: [] }, ArgumentError, ['layers']],
  ['layers not an array', { ...BASE, layers: { units: 3 } }, ArgumentError, ['layers']],
  ['units 0', { ...BASE, layers: [{ units: 0 }] , loss: 'mse' }, ArgumentError, ['layers[0].units']],
  ['unknown activation', { ...BASE, layers: [{ units: 4, activation: 'swish' }, { units: 3, activation: 'softmax' }] }, ArgumentError, ['layers[0].activation', 'swish']],
  ['unknown loss', { ...BASE, loss: 'hinge' }, ArgumentError, ['loss', 'hinge']],
  ['unknown optimizer name', { ...BASE, optimizer: 'lbfgs' }, ArgumentError, ['optimizer.type', 'lbfgs']],
  ['unknown optimizer type', { ...BASE, optimizer: { type: 'nadam' } }, ArgumentError, ['optimizer.type', 'nadam']],
  ['optimizer not a name or object', { ...BASE, optimizer: 3 }, ArgumentError, ['optimizer']],
  ['unknown backend', { ...BASE, backend: 'gpu' }, ArgumentError, ['backend', 'gpu']],
  ['unknown option key', { ...BASE, learningRate: 0.1 }, ArgumentError, ['learningRate']],
  ['unknown layer key', { ...BASE, layers: [{ units: 4, activaton: 'tanh' }, { units: 3, activation: 'softmax' }] }, ArgumentError, ['activaton']],
  ['unknown optimizer key', { ...BASE, optimizer: { type: 'adam', learningrate: 0.1 } }, ArgumentError, ['learningrate']],
  ['another optimizer\'s key', { ...BASE, optimizer: { type: 'sgd', beta1: 0.9 } }, ArgumentError, ['beta1']],
  ['negative learning rate', { ...BASE, optimizer: { type: 'sgd', learningRate: -0.1 } }, ArgumentError, ['optimizer.learningRate']],
  ['NaN learning rate', { ...BASE, optimizer: { type: 'adam', learningRate: NaN } }, ArgumentError, ['optimizer.learningRate', 'NaN']],
  ['infinite learning rate', { ...BASE, optimizer: { type: 'adam', learningRate: Infinity } }, ArgumentError, ['optimizer.learningRate']],
  ['momentum 1', { ...BASE, optimizer: { type: 'sgd', momentum: 1 } }, ArgumentError, ['optimizer.momentum']],
  ['momentum −0.1', { ...BASE, optimizer: { type: 'rmsprop', momentum: -0.1 } }, ArgumentError, ['optimizer.momentum']],
  ['beta1 1', { ...BASE, optimizer: { type: 'adam', beta1: 1 } }, ArgumentError, ['optimizer.beta1']],
  ['beta2 1', { ...BASE, optimizer: { type: 'adamw', beta2: 1 } }, ArgumentError, ['optimizer.beta2']],
  ['epsilon 0', { ...BASE, optimizer: { type: 'adam', epsilon: 0 } }, ArgumentError, ['optimizer.epsilon']],
  ['alpha 1', { ...BASE, optimizer: { type: 'rmsprop', alpha: 1 } }, ArgumentError, ['optimizer.alpha']],
  ['negative weight decay', { ...BASE, optimizer: { type: 'adagrad', weightDecay: -1 } }, ArgumentError, ['optimizer.weightDecay']],
  ['nesterov without momentum', { ...BASE, optimizer: { type: 'sgd', nesterov: true } }, ArgumentError, ['optimizer.nesterov', 'momentum']],
  ['nesterov not a boolean', { ...BASE, optimizer: { type: 'sgd', momentum: 0.9, nesterov: 'yes' } }, ArgumentError, ['optimizer.nesterov']],
  ['softmax on a hidden layer', { ...BASE, layers: [{ units: 4, activation: 'softmax' }, { units: 3, activation: 'softmax' }] }, ArgumentError, ['layers[0].activation', 'softmax']],
  ['crossEntropy without a final softmax', { ...BASE, layers: [{ units: 3, activation: 'sigmoid' }] }, ArgumentError, ['crossEntropy', 'softmax']],
  ['binaryCrossEntropy without a final sigmoid', { ...BASE, loss: 'binaryCrossEntropy' }, ArgumentError, ['binaryCrossEntropy', 'sigmoid']],
  ['negative seed', { ...BASE, seed: -1 }, ArgumentError, ['seed']],
  ['fractional seed', { ...BASE, seed: 1.5 }, ArgumentError, ['seed']],
];

describe('constructor options', () => {
  it.each(CONSTRUCTOR_CASES)('%s', (_name, options, type, mentions) => {
    expectError(thrown(() => new Network(options as NetworkOptions)), type, mentions);
  });

  it('names the native engine when it cannot be used, or uses it', () => {
    if (BACKENDS.includes('native')) {
      expect(new Network({ ...(BASE as unknown as NetworkOptions), backend: 'native' }).backend).toBe('native');
    } else {
      expectError(thrown(() => new Network({ ...(BASE as unknown as NetworkOptions), backend: 'native' })), BackendError, ['native']);
    }
  });
});

const next = random(41);
const X2 = uniform(next, 2, 3);
const ONE_HOT2 = new Float32Array([1, 0, 0, 0, 0, 1]);

/** Rows of 3 inputs, all 0.5 but `value` at index `at`. */
function withBadValue(length: number, at: number, value: number): Float32Array {
  const x = new Float32Array(length).fill(0.5);
  x[at] = value;
  return x;
}

/** x given in a bad form, with the error it must raise. */
const BAD_X: [string, unknown, ErrorType, string[]][] = [
  ['length not a multiple of inputs', new Float32Array(7), ShapeError, ['x', '7', '3']],
  ['flat array not a multiple of inputs', [1, 2, 3, 4], ShapeError, ['x', '4']],
  ['ragged rows', [[1, 2, 3], [1, 2]], ShapeError, ['x[1]']],
  ['a string', 'abc', ArgumentError, ['x']],
  ['null', null, ArgumentError, ['x']],
  ['empty', [], ArgumentError, ['x']],
  ['a non-number in a row', [[1, 'a', 3], [1, 2, 3]], ArgumentError, ['x[0][1]']],
  ['a row that is not an array', [[1, 2, 3], null], ArgumentError, ['x[1]']],
  ['NaN in a Float32Array', new Float32Array([1, 2, 3, 4, NaN, 6]), ArgumentError, ['x[1][1]', 'NaN']],
  // Long float32 inputs are scanned by the addon when it is loaded (lib/finite.ts).
  ['NaN past the first 1024 values of a long Float32Array', withBadValue(3000, 2049, NaN), ArgumentError, ['x[683][0]', 'NaN']],
  ['-Infinity in a long Float32Array view', withBadValue(3000, 2999, -Infinity).subarray(3), ArgumentError, ['x[998][2]', '-Infinity']],
  ['Infinity in a row', [[1, 2, 3], [1, 2, Infinity]], ArgumentError, ['x[1][2]', 'Infinity']],
  ['a BigInt64Array', new BigInt64Array(6), ArgumentError, ['x']],
];

/** y given in a bad form, for x of two rows. */
const BAD_Y: [string, unknown, ErrorType, string[]][] = [
  ['more target rows than x rows', new Float32Array(9), ShapeError, ['y', '3', '2']],
  ['more labels than x rows', new Int32Array([0, 1, 2]), ShapeError, ['y']],
  ['ragged target rows', [[1, 0, 0], [0, 1]], ShapeError, ['y[1]']],
  ['a label out of range', [0, 3], ArgumentError, ['y[1]', '3']],
  ['a fractional label', [0, 1.5], ArgumentError, ['y[1]', '1.5']],
  ['a negative label', new Int32Array([-1, 0]), ArgumentError, ['y[0]', '-1']],
  ['a NaN label', [NaN, 0], ArgumentError, ['y[0]', 'NaN']],
  ['NaN in dense targets', new Float32Array([1, NaN, 0, 0, 0, 1]), ArgumentError, ['y[0][1]', 'NaN']],
  ['Infinity in dense targets', [[1, 0, 0], [0, -Infinity, 1]], ArgumentError, ['y[1][1]']],
  ['a string', 'labels', ArgumentError, ['y']],
];

type Method = [string, (net: Network, x: unknown, y: unknown) => Promise<unknown>];

const METHODS_WITH_X: Method[] = [
  ['predict', async (net, x) => net.predict(x as Matrix)],
  ['evaluate', async (net, x) => net.evaluate(x as Matrix, ONE_HOT2)],
  ['trainBatch', async (net, x) => net.trainBatch(x as Matrix, ONE_HOT2)],
  ['computeGradients', async (net, x) => net.computeGradients(x as Matrix, ONE_HOT2)],
  ['fitSync', async (net, x) => net.fitSync(x as Matrix, ONE_HOT2)],
  ['fit', (net, x) => net.fit(x as Matrix, ONE_HOT2)],
];

const METHODS_WITH_Y: Method[] = [
  ['evaluate', async (net, _x, y) => net.evaluate(X2, y as TargetInput)],
  ['trainBatch', async (net, _x, y) => net.trainBatch(X2, y as TargetInput)],
  ['computeGradients', async (net, _x, y) => net.computeGradients(X2, y as TargetInput)],
  ['fitSync', async (net, _x, y) => net.fitSync(X2, y as TargetInput)],
  ['fit', (net, _x, y) => net.fit(X2, y as TargetInput)],
];

const BAD_FIT_OPTIONS: [string, unknown, ErrorType, string[]][] = [
  ['options not an object', 'fast', ArgumentError, ['options']],
  ['unknown option key', { epoch: 3 }, ArgumentError, ['epoch']],
  ['epochs 0', { epochs: 0 }, ArgumentError, ['options.epochs']],
  ['fractional epochs', { epochs: 1.5 }, ArgumentError, ['options.epochs']],
  ['batchSize 0', { batchSize: 0 }, ArgumentError, ['options.batchSize']],
  ['batchSize NaN', { batchSize: NaN }, ArgumentError, ['options.batchSize']],
  ['validationSplit 1', { validationSplit: 1 }, ArgumentError, ['options.validationSplit']],
  ['negative validationSplit', { validationSplit: -0.1 }, ArgumentError, ['options.validationSplit']],
  ['validationSplit leaving no validation row', { validationSplit: 0.2 }, ArgumentError, ['options.validationSplit']],
  ['shuffle not a boolean', { shuffle: 'yes' }, ArgumentError, ['options.shuffle']],
  ['signal not an AbortSignal', { signal: {} }, ArgumentError, ['options.signal']],
  ['onEpochEnd not a function', { onEpochEnd: 'log' }, ArgumentError, ['options.onEpochEnd']],
  ['onBatchEnd not a function', { onBatchEnd: 1 }, ArgumentError, ['options.onBatchEnd']],
  ['validationData and validationSplit', { validationSplit: 0.5, validationData: { x: X2, y: ONE_HOT2 } }, ArgumentError, ['validationData', 'validationSplit']],
  ['validationData with bad x', { validationData: { x: new Float32Array(4), y: ONE_HOT2 } }, ShapeError, ['options.validationData.x']],
  ['validationData with a bad label', { validationData: { x: X2, y: [0, 7] } }, ArgumentError, ['options.validationData.y[1]']],
  ['validationData with an unknown key', { validationData: { x: X2, y: ONE_HOT2, z: 1 } }, ArgumentError, ['"z"']],
];

describe('file and JSON arguments', () => {
  const json = () => new Network(BASE as unknown as NetworkOptions).toJSON();
  const cases: [string, () => Promise<unknown>, string[]][] = [
    ['fromJSON with an unknown backend', async () => Network.fromJSON(json(), { backend: 'gpu' as 'js' }), ['options.backend', 'gpu']],
    ['fromJSON with an unknown option key', async () => Network.fromJSON(json(), { backnd: 'js' } as never), ['backnd']],
    ['fromJSON with options not an object', async () => Network.fromJSON(json(), 'js' as never), ['options']],
    ['load with an empty path', () => Network.load(''), ['path']],
    ['load with a path not a string', () => Network.load(42 as never), ['path']],
    ['load with an unknown option key', () => Network.load('model.safetensors', { backnd: 'js' } as never), ['backnd']],
    ['save with an empty path', () => new Network(BASE as unknown as NetworkOptions).save(''), ['path']],
    ['save with a path not a string', () => new Network(BASE as unknown as NetworkOptions).save({} as never), ['path']],
  ];
  it.each(cases)('%s', async (_name, call, mentions) => {
    expectError(await rejected(call), ArgumentError, mentions);
  });
});

describe.each(BACKENDS)('data and call arguments on the %s backend', (backend) => {
  const network = () =>
    new Network({ ...(BASE as unknown as NetworkOptions), optimizer: { type: 'sgd', learningRate: 0.1 }, backend });

  describe.each(METHODS_WITH_X)('%s', (_method, call) => {
    it.each(BAD_X)('rejects x: %s', async (_name, x, type, mentions) => {
      const net = network();
      const before = bitsOf(net.getWeights());
      expectError(await rejected(() => call(net, x, undefined)), type, mentions);
      expect(bitsOf(net.getWeights()).equals(before)).toBe(true);
      expect(net.training).toBe(false);
    });
  });

  describe.each(METHODS_WITH_Y)('%s', (_method, call) => {
    it.each(BAD_Y)('rejects y: %s', async (_name, y, type, mentions) => {
      const net = network();
      const before = bitsOf(net.getWeights());
      expectError(await rejected(() => call(net, X2, y)), type, mentions);
      expect(bitsOf(net.getWeights()).equals(before)).toBe(true);
    });
  });

  it('rejects binaryCrossEntropy targets outside [0, 1]', () => {
    const net = new Network({ inputs: 3, layers: [{ units: 2, activation: 'sigmoid' }], loss: 'binaryCrossEntropy', backend });
    expectError(thrown(() => net.trainBatch(X2, [[0, 1], [1.5, 0]])), ArgumentError, ['y[1][0]', '[0, 1]']);
    expectError(thrown(() => net.evaluate(X2, [[-0.1, 1], [1, 0]])), ArgumentError, ['y[0][0]']);
  });

  it.each(BAD_FIT_OPTIONS)('fit and fitSync reject options: %s', async (_name, options, type, mentions) => {
    const net = network();
    const before = bitsOf(net.getWeights());
    const x = uniform(random(5), 4, 3);
    const y = [0, 1, 2, 0];
    expectError(thrown(() => net.fitSync(x, y, options as FitOptions)), type, mentions);
    expectError(await rejected(() => net.fit(x, y, options as FitOptions)), type, mentions);
    expect(bitsOf(net.getWeights()).equals(before)).toBe(true);
    expect(net.training).toBe(false);
    expect(net.fitSync(x, y).epochs).toBe(1);
  });

  describe('setWeights', () => {
    const shapes = (net: Network) => net.getWeights();
    const cases: [string, (w: ReturnType<typeof shapes>) => unknown, ErrorType, string[]][] = [
      ['not an array', () => 'weights', ArgumentError, ['layers']],
      ['one layer too few', (w) => w.slice(1), ArgumentError, ['layers', '2']],
      ['an entry that is not an object', (w) => [null, w[1]], ArgumentError, ['layers[0]']],
      ['a weight with a missing row', (w) => [{ ...w[0], weight: w[0].weight.slice(3) }, w[1]], ShapeError, ['layers[0].weight', '3', '4']],
      ['a weight not a multiple of inputs', (w) => [{ ...w[0], weight: w[0].weight.slice(1) }, w[1]], ShapeError, ['layers[0].weight']],
      ['a bias too long', (w) => [w[0], { ...w[1], bias: new Float32Array(4) }], ShapeError, ['layers[1].bias']],
      ['a bias of two rows', (w) => [w[0], { ...w[1], bias: new Float32Array(6) }], ShapeError, ['layers[1].bias']],
      ['a NaN weight', (w) => [w[0], { ...w[1], weight: w[1].weight.map((v, i) => (i === 5 ? NaN : v)) }], ArgumentError, ['layers[1].weight', 'NaN']],
      ['a missing bias', (w) => [{ weight: w[0].weight }, w[1]], ArgumentError, ['layers[0].bias']],
    ];
    it.each(cases)('rejects %s and keeps the weights', (_name, edit, type, mentions) => {
      const net = network();
      const before = bitsOf(net.getWeights());
      const bad = edit(net.getWeights());
      expectError(thrown(() => net.setWeights(bad as Parameters<Network['setWeights']>[0])), type, mentions);
      expect(bitsOf(net.getWeights()).equals(before)).toBe(true);
    });
  });
});
