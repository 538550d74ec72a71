/**
 * Every entry point of the addon checks its arguments before touching memory:
 * each bad input throws the facade's error class, names the argument, and
 * leaves the process and the model working.
 */
import { describe, expect, it } from 'vitest';
import { parameterLayout } from '../../lib/backends/backend';
import { ArgumentError, BackpropError, DisposedError, ShapeError } from '../../lib/errors';
import { classification, initialParams, looseAddon, modelSpec, type LooseModel } from './helpers';

type ErrorClass = typeof ArgumentError;
interface BadCall {
  readonly what: string;
  readonly call: () => unknown;
  readonly error: ErrorClass;
  readonly message: RegExp;
}

const addon = looseAddon();
const { NativeModel } = addon;

// 3 inputs → 4 relu → 2 softmax, crossEntropy: 26 parameters.
const spec = modelSpec(3, [{ units: 4, activation: 'relu' }, { units: 2, activation: 'softmax' }], 'crossEntropy');
const count = parameterLayout(spec).size;
const rows = 5;
const { x, labels } = classification(rows, 3, 2);
const dense = new Float32Array(rows * 2).map((_, i) => (i % 2 === labels[i >> 1] ? 1 : 0));

function freshModel(): LooseModel {
  return new NativeModel(spec, initialParams(spec));
}

function withSpec(change: Record<string, unknown>): Record<string, unknown> {
  return { ...spec, ...change };
}

function withOptimizer(change: Record<string, unknown>): Record<string, unknown> {
  return { ...spec, optimizer: { ...spec.optimizer, ...change } };
}

function construct(specArgument: unknown, params: unknown = new Float32Array(count)): () => unknown {
  return () => new NativeModel(specArgument, params);
}

const constructorCases: BadCall[] = [
  { what: 'no arguments', call: () => new NativeModel(), error: ArgumentError, message: /expected 2 arguments, got 0/ },
  { what: 'one argument', call: () => new NativeModel(spec), error: ArgumentError, message: /expected 2 arguments/ },
  { what: 'spec null', call: construct(null), error: ArgumentError, message: /^spec: expected an object, got null/ },
  { what: 'spec array', call: construct([]), error: ArgumentError, message: /^spec: expected an object/ },
  { what: 'inputs 0', call: construct(withSpec({ inputs: 0 })), error: ArgumentError, message: /^spec\.inputs: expected an integer in \[1,/ },
  { what: 'inputs 1.5', call: construct(withSpec({ inputs: 1.5 })), error: ArgumentError, message: /^spec\.inputs/ },
  { what: 'inputs NaN', call: construct(withSpec({ inputs: NaN })), error: ArgumentError, message: /^spec\.inputs/ },
  { what: 'inputs string', call: construct(withSpec({ inputs: '3' })), error: ArgumentError, message: /^spec\.inputs.*got the string '3'/ },
  { what: 'inputs 2^31', call: construct(withSpec({ inputs: 2 ** 31 })), error: ArgumentError, message: /^spec\.inputs/ },
  { what: 'layers empty', call: construct(withSpec({ layers: [] })), error: ArgumentError, message: /^spec\.layers: expected a non-empty array/ },
  { what: 'layers not array', call: construct(withSpec({ layers: { units: 2 } })), error: ArgumentError, message: /^spec\.layers/ },
  { what: 'layer not object', call: construct(withSpec({ layers: [3] })), error: ArgumentError, message: /^spec\.layers\[0\]: expected an object/ },
  {
    what: 'units 0',
    call: construct(withSpec({ layers: [{ units: 0, activation: 'relu' }, spec.layers[1]] })),
    error: ArgumentError,
    message: /^spec\.layers\[0\]\.units/,
  },
  {
    what: 'unknown activation',
    call: construct(withSpec({ layers: [{ units: 4, activation: 'swish' }, spec.layers[1]] })),
    error: ArgumentError,
    message: /^spec\.layers\[0\]\.activation: expected one of linear, .*got the string 'swish'/,
  },
  {
    what: 'softmax not last',
    call: construct(withSpec({ layers: [{ units: 4, activation: 'softmax' }, spec.layers[1]] })),
    error: ArgumentError,
    message: /softmax is allowed on the last layer only/,
  },
  { what: 'unknown loss', call: construct(withSpec({ loss: 'hinge' })), error: ArgumentError, message: /^spec\.loss: expected one of mse/ },
  {
    what: 'crossEntropy without softmax',
    call: construct(withSpec({ layers: [spec.layers[0], { units: 2, activation: 'linear' }] })),
    error: ArgumentError,
    message: /crossEntropy loss needs a final softmax/,
  },
  {
    what: 'binaryCrossEntropy without sigmoid',
    call: construct(withSpec({ loss: 'binaryCrossEntropy' })),
    error: ArgumentError,
    message: /binaryCrossEntropy loss needs a final sigmoid/,
  },
  { what: 'optimizer missing', call: construct(withSpec({ optimizer: undefined })), error: ArgumentError, message: /^spec\.optimizer: expected an object/ },
  { what: 'unknown optimizer', call: construct(withOptimizer({ type: 'lbfgs' })), error: ArgumentError, message: /^spec\.optimizer\.type/ },
  { what: 'learningRate < 0', call: construct(withOptimizer({ learningRate: -1 })), error: ArgumentError, message: /^spec\.optimizer\.learningRate: expected a number ≥ 0/ },
  { what: 'learningRate Infinity', call: construct(withOptimizer({ learningRate: Infinity })), error: ArgumentError, message: /^spec\.optimizer\.learningRate: expected a finite number/ },
  { what: 'learningRate missing', call: construct(withOptimizer({ learningRate: undefined })), error: ArgumentError, message: /^spec\.optimizer\.learningRate/ },
  { what: 'momentum 1', call: construct(withOptimizer({ momentum: 1 })), error: ArgumentError, message: /^spec\.optimizer\.momentum: expected a number in \[0, 1\)/ },
  { what: 'momentum < 0', call: construct(withOptimizer({ momentum: -0.1 })), error: ArgumentError, message: /^spec\.optimizer\.momentum/ },
  { what: 'beta1 1', call: construct(withOptimizer({ beta1: 1 })), error: ArgumentError, message: /^spec\.optimizer\.beta1/ },
  { what: 'beta2 NaN', call: construct(withOptimizer({ beta2: NaN })), error: ArgumentError, message: /^spec\.optimizer\.beta2/ },
  { what: 'epsilon < 0', call: construct(withOptimizer({ epsilon: -1e-8 })), error: ArgumentError, message: /^spec\.optimizer\.epsilon/ },
  { what: 'alpha > 1', call: construct(withOptimizer({ alpha: 1.5 })), error: ArgumentError, message: /^spec\.optimizer\.alpha: expected a number in \[0, 1\]/ },
  { what: 'weightDecay < 0', call: construct(withOptimizer({ weightDecay: -1 })), error: ArgumentError, message: /^spec\.optimizer\.weightDecay/ },
  { what: 'nesterov string', call: construct(withOptimizer({ nesterov: 'yes' })), error: ArgumentError, message: /^spec\.optimizer\.nesterov: expected a boolean/ },
  { what: 'nesterov without momentum', call: construct(withOptimizer({ nesterov: true, momentum: 0 })), error: ArgumentError, message: /nesterov: needs a momentum > 0/ },
  {
    what: 'parameter count overflow',
    call: construct(withSpec({ inputs: 2 ** 31 - 1, layers: [{ units: 2 ** 31 - 1, activation: 'relu' }, spec.layers[1]] })),
    error: ShapeError,
    message: /too large/,
  },
  { what: 'params Float64Array', call: construct(spec, new Float64Array(count)), error: ArgumentError, message: /^params: expected a Float32Array, got Float64Array/ },
  { what: 'params plain array', call: construct(spec, new Array(count).fill(0)), error: ArgumentError, message: /^params: expected a Float32Array, got an array/ },
  { what: 'params DataView', call: construct(spec, new DataView(new ArrayBuffer(count * 4))), error: ArgumentError, message: /got a DataView/ },
  { what: 'params Buffer', call: construct(spec, Buffer.alloc(count * 4)), error: ArgumentError, message: /got Uint8Array/ },
  { what: 'params too short', call: construct(spec, new Float32Array(count - 1)), error: ShapeError, message: new RegExp(`^params: expected length ${count} .*got ${count - 1}`) },
];

const model = freshModel();
const out = new Float32Array(rows * 2);
const grads = new Float32Array(count);
const order = new Int32Array([4, 3, 2, 1, 0]);
const stats = new Float64Array(10);

function methodCases(method: 'trainChunk' | 'trainChunkAsync'): BadCall[] {
  const call = (...args: unknown[]) => () => model[method](...args);
  return [
    { what: `${method} 6 arguments`, call: call(x, labels, order, 2, 0, 3), error: ArgumentError, message: /expected 7 arguments, got 6/ },
    { what: `${method} x not a row multiple`, call: call(x.subarray(1), labels, order, 2, 0, 3, stats), error: ShapeError, message: /^x: expected a non-zero length that is a multiple of inputs \(3\)/ },
    { what: `${method} x Float64Array`, call: call(new Float64Array(x), labels, order, 2, 0, 3, stats), error: ArgumentError, message: /^x: expected a Float32Array/ },
    { what: `${method} targets short`, call: call(x, labels.subarray(1), order, 2, 0, 3, stats), error: ShapeError, message: /^targets: expected length 5/ },
    { what: `${method} order Float32Array`, call: call(x, labels, new Float32Array(5), 2, 0, 3, stats), error: ArgumentError, message: /^order: expected a Int32Array, got Float32Array/ },
    { what: `${method} order entry ≥ rows`, call: call(x, labels, new Int32Array([0, 5]), 2, 0, 1, stats), error: ArgumentError, message: /^order\[1\]: expected a row index in \[0, 5\), got 5/ },
    { what: `${method} order entry < 0`, call: call(x, labels, new Int32Array([-1, 0]), 2, 0, 1, stats), error: ArgumentError, message: /^order\[0\]/ },
    { what: `${method} batchSize 0`, call: call(x, labels, order, 0, 0, 3, stats), error: ArgumentError, message: /^batchSize: expected an integer in \[1,/ },
    { what: `${method} batchSize 1.5`, call: call(x, labels, order, 1.5, 0, 3, stats), error: ArgumentError, message: /^batchSize/ },
    { what: `${method} firstBatch negative`, call: call(x, labels, order, 2, -1, 1, stats), error: ArgumentError, message: /^firstBatch/ },
    { what: `${method} batchCount past the epoch`, call: call(x, labels, order, 2, 1, 3, stats), error: ArgumentError, message: /^firstBatch \+ batchCount: expected at most 3/ },
    { what: `${method} firstBatch past the epoch`, call: call(x, labels, order, 2, 4, 0, stats), error: ArgumentError, message: /^firstBatch \+ batchCount/ },
    { what: `${method} stats Float32Array`, call: call(x, labels, order, 2, 0, 3, new Float32Array(6)), error: ArgumentError, message: /^stats: expected a Float64Array/ },
    { what: `${method} stats short`, call: call(x, labels, order, 2, 0, 3, new Float64Array(5)), error: ShapeError, message: /^stats: expected length ≥ 6 \(2 × batchCount\), got 5/ },
    { what: `${method} batchSize overflowing`, call: call(x, labels, order, 2 ** 53 - 1, 0, 1, stats), error: ShapeError, message: /^batchSize is too large: 9007199254740991 rows × 9 \(inputs \+ units of every layer\) exceeds 2\^50/ },
  ];
}

const rowCases: BadCall[] = [
  { what: 'predict 2 arguments', call: () => model.predict(x, rows), error: ArgumentError, message: /^predict\(x, rows, out\): expected 3 arguments, got 2/ },
  { what: 'predict x Float64Array', call: () => model.predict(new Float64Array(x), rows, out), error: ArgumentError, message: /^x: expected a Float32Array, got Float64Array/ },
  { what: 'predict x plain array', call: () => model.predict(Array.from(x), rows, out), error: ArgumentError, message: /^x: expected a Float32Array, got an array/ },
  { what: 'predict x DataView', call: () => model.predict(new DataView(x.buffer), rows, out), error: ArgumentError, message: /^x: .*got a DataView/ },
  { what: 'predict rows 0', call: () => model.predict(x, 0, out), error: ArgumentError, message: /^rows: expected an integer in \[1, 9007199254740991\], got the number 0/ },
  { what: 'predict rows 2.5', call: () => model.predict(x, 2.5, out), error: ArgumentError, message: /^rows/ },
  { what: 'predict rows -1', call: () => model.predict(x, -1, out), error: ArgumentError, message: /^rows/ },
  { what: 'predict rows NaN', call: () => model.predict(x, NaN, out), error: ArgumentError, message: /^rows/ },
  { what: 'predict rows string', call: () => model.predict(x, '5', out), error: ArgumentError, message: /^rows.*got the string '5'/ },
  { what: 'predict rows bigint', call: () => model.predict(x, 5n, out), error: ArgumentError, message: /^rows.*got a bigint/ },
  { what: 'predict x too short for rows', call: () => model.predict(x, rows + 1, out), error: ShapeError, message: /^x: expected length 18 \(rows 6 × inputs 3\), got 15/ },
  { what: 'predict rows × inputs overflow', call: () => model.predict(x, 2 ** 53 - 1, out), error: ShapeError, message: /^rows × inputs is too large/ },
  { what: 'predict out Int32Array', call: () => model.predict(x, rows, new Int32Array(10)), error: ArgumentError, message: /^out: expected a Float32Array/ },
  { what: 'predict out short', call: () => model.predict(x, rows, new Float32Array(9)), error: ShapeError, message: /^out: expected length 10 \(rows 5 × outputs 2\), got 9/ },
  { what: 'evaluate 2 arguments', call: () => model.evaluate(x, labels), error: ArgumentError, message: /^evaluate\(x, targets, rows\): expected 3 arguments/ },
  { what: 'evaluate targets Uint8Array', call: () => model.evaluate(x, new Uint8Array(rows), rows), error: ArgumentError, message: /^targets: expected a Float32Array .* or an Int32Array of class labels, got Uint8Array/ },
  { what: 'evaluate targets plain array', call: () => model.evaluate(x, Array.from(labels), rows), error: ArgumentError, message: /^targets: .*got an array/ },
  { what: 'evaluate label = outputs', call: () => model.evaluate(x, new Int32Array([0, 1, 2, 0, 1]), rows), error: ArgumentError, message: /^targets\[2\]: expected a class label in \[0, 2\), got 2/ },
  { what: 'evaluate label < 0', call: () => model.evaluate(x, new Int32Array([0, -1, 0, 0, 1]), rows), error: ArgumentError, message: /^targets\[1\]/ },
  { what: 'evaluate labels short', call: () => model.evaluate(x, labels.subarray(1), rows), error: ShapeError, message: /^targets: expected length 5 \(one class label per row\), got 4/ },
  { what: 'evaluate dense short', call: () => model.evaluate(x, dense.subarray(1), rows), error: ShapeError, message: /^targets: expected length 10 \(rows 5 × outputs 2\), got 9/ },
  { what: 'computeGradients grads short', call: () => model.computeGradients(x, labels, rows, new Float32Array(count - 1)), error: ShapeError, message: /^grads: expected length 26 \(the parameter count\)/ },
  { what: 'computeGradients grads Float64Array', call: () => model.computeGradients(x, labels, rows, new Float64Array(count)), error: ArgumentError, message: /^grads: expected a Float32Array/ },
  { what: 'trainBatch no arguments', call: () => model.trainBatch(), error: ArgumentError, message: /^trainBatch\(x, targets, rows\): expected 3 arguments, got 0/ },
  { what: 'trainBatch targets null', call: () => model.trainBatch(x, null, rows), error: ArgumentError, message: /^targets: .*got null/ },
  { what: 'resetOptimizer with an argument', call: () => model.resetOptimizer(1), error: ArgumentError, message: /^resetOptimizer\(\): expected 0 arguments, got 1/ },
  { what: 'requestStop with an argument', call: () => model.requestStop(true), error: ArgumentError, message: /^requestStop\(\)/ },
  { what: 'info with an argument', call: () => addon.info(1), error: ArgumentError, message: /^info\(\): expected 0 arguments/ },
  ...methodCases('trainChunk'),
  ...methodCases('trainChunkAsync'),
];

function expectBadCall({ call, error, message }: BadCall): void {
  let thrown: unknown;
  try {
    call();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(error);
  expect(thrown).toBeInstanceOf(BackpropError);
  expect((thrown as Error).message).toMatch(message);
}

describe('new NativeModel(spec, params)', () => {
  it.each(constructorCases)('refuses $what', (bad) => expectBadCall(bad));
});

describe('NativeModel methods', () => {
  it.each(rowCases)('refuse $what', (bad) => expectBadCall(bad));

  it('still work after every refused call', () => {
    model.predict(x, rows, out);
    expect(out.every(Number.isFinite)).toBe(true);
    const { loss } = model.evaluate(x, dense, rows) as { loss: number };
    expect(Number.isFinite(loss)).toBe(true);
    expect(model.computeGradients(x, labels, rows, grads)).toBeCloseTo(loss, 5);
    expect(model.trainChunk(x, labels, order, 2, 0, 3, stats)).toBe(3);
  });

  it('refuse Int32Array labels unless the loss is crossEntropy', () => {
    const mseSpec = modelSpec(3, [{ units: 2, activation: 'linear' }], 'mse');
    const mse = new NativeModel(mseSpec, initialParams(mseSpec));
    expectBadCall({
      what: 'labels with mse',
      call: () => mse.trainBatch(x, labels, rows),
      error: ArgumentError,
      message: /^targets: expected a Float32Array \(rows × outputs; Int32Array labels need the crossEntropy loss\), got Int32Array/,
    });
  });

  it('refuse every call after dispose, except dispose and requestStop', () => {
    const disposed = freshModel();
    disposed.dispose();
    disposed.dispose();
    disposed.requestStop();
    const calls: Array<[string, () => unknown]> = [
      ['predict', () => disposed.predict(x, rows, out)],
      ['evaluate', () => disposed.evaluate(x, labels, rows)],
      ['computeGradients', () => disposed.computeGradients(x, labels, rows, grads)],
      ['trainBatch', () => disposed.trainBatch(x, labels, rows)],
      ['trainChunk', () => disposed.trainChunk(x, labels, order, 2, 0, 3, stats)],
      ['trainChunkAsync', () => disposed.trainChunkAsync(x, labels, order, 2, 0, 3, stats)],
      ['resetOptimizer', () => disposed.resetOptimizer()],
    ];
    for (const [method, call] of calls) {
      expectBadCall({ what: method, call, error: DisposedError, message: new RegExp(`^${method}: the model was disposed`) });
    }
  });

  it('refuse calls once the params buffer was detached', () => {
    const buffer = new ArrayBuffer(count * 4);
    const params = new Float32Array(buffer);
    params.set(initialParams(spec));
    const detachable = new NativeModel(spec, params);
    structuredClone(buffer, { transfer: [buffer] });
    expect(params.length).toBe(0);
    expectBadCall({ what: 'detached', call: () => detachable.predict(x, rows, out), error: ArgumentError, message: /^predict: the params Float32Array .* was detached/ });
    detachable.dispose();
  });

  it('refuse NativeModel called without new', () => {
    expect(() => (NativeModel as unknown as (...args: unknown[]) => unknown)(spec, new Float32Array(count))).toThrow(TypeError);
  });
});

describe('setErrorClasses(classes)', () => {
  it('refuses anything but an object of six classes, and keeps the registered ones', () => {
    expectBadCall({ what: 'no object', call: () => addon.setErrorClasses(1), error: ArgumentError, message: /^classes: expected an object/ });
    expectBadCall({
      what: 'missing class',
      call: () => addon.setErrorClasses({ ArgumentError }),
      error: ArgumentError,
      message: /^classes\.ShapeError: expected a class/,
    });
    expectBadCall({ what: 'still registered', call: () => model.predict(x, 0, out), error: ArgumentError, message: /^rows/ });
  });
});
