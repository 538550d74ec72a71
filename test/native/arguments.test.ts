/**
 * Every entry point of the addon checks its arguments before touching memory:
 * each bad input throws the facade's error class, names the argument, and
 * leaves the process and the model working.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, BackpropError, BusyError, DisposedError, ShapeError } from '../../lib/errors';
import { parameterLayout } from '../../lib/model-spec';
import { classification, initialParams, LEARNING_RATE, looseAddon, modelSpec, type LooseModel } from './helpers';

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

const batchNorm = { type: 'batch', momentum: 0.1, epsilon: 1e-5 };

/** The spec with `normalization` on its hidden layer. */
function withNormalization(normalization: unknown): Record<string, unknown> {
  return withSpec({ layers: [{ ...spec.layers[0], normalization }, spec.layers[1]] });
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
  { what: 'unknown loss', call: construct(withSpec({ loss: 'hinge' })), error: ArgumentError, message: /^spec\.loss: expected one of mse/ },
  { what: 'optimizer missing', call: construct(withSpec({ optimizer: undefined })), error: ArgumentError, message: /^spec\.optimizer: expected an object/ },
  { what: 'unknown optimizer', call: construct(withOptimizer({ type: 'lbfgs' })), error: ArgumentError, message: /^spec\.optimizer\.type/ },
  { what: 'learningRate Infinity', call: construct(withOptimizer({ learningRate: Infinity })), error: ArgumentError, message: /^spec\.optimizer\.learningRate: expected a finite number/ },
  { what: 'learningRate missing', call: construct(withOptimizer({ learningRate: undefined })), error: ArgumentError, message: /^spec\.optimizer\.learningRate/ },
  { what: 'clipNorm missing', call: construct(withOptimizer({ clipNorm: undefined })), error: ArgumentError, message: /^spec\.optimizer\.clipNorm: expected a finite number, got undefined/ },
  { what: 'clipValue NaN', call: construct(withOptimizer({ clipValue: NaN })), error: ArgumentError, message: /^spec\.optimizer\.clipValue: expected a finite number/ },
  { what: 'beta2 NaN', call: construct(withOptimizer({ beta2: NaN })), error: ArgumentError, message: /^spec\.optimizer\.beta2/ },
  { what: 'nesterov string', call: construct(withOptimizer({ nesterov: 'yes' })), error: ArgumentError, message: /^spec\.optimizer\.nesterov: expected a boolean/ },
  {
    what: 'parameter count overflow',
    call: construct(withSpec({ inputs: 2 ** 31 - 1, layers: [{ units: 2 ** 31 - 1, activation: 'relu', l1: 0, l2: 0, dropout: 0 }, spec.layers[1]] })),
    error: ShapeError,
    message: /too large/,
  },
  { what: 'params Float64Array', call: construct(spec, new Float64Array(count)), error: ArgumentError, message: /^params: expected a Float32Array, got Float64Array/ },
  { what: 'params plain array', call: construct(spec, new Array(count).fill(0)), error: ArgumentError, message: /^params: expected a Float32Array, got an array/ },
  { what: 'params DataView', call: construct(spec, new DataView(new ArrayBuffer(count * 4))), error: ArgumentError, message: /got a DataView/ },
  { what: 'params Buffer', call: construct(spec, Buffer.alloc(count * 4)), error: ArgumentError, message: /got Uint8Array/ },
  { what: 'params too short', call: construct(spec, new Float32Array(count - 1)), error: ShapeError, message: new RegExp(`^params: expected length ${count} .*got ${count - 1}`) },
  { what: 'normalization a bare name', call: construct(withNormalization('batch')), error: ArgumentError, message: /^spec\.layers\[0\]\.normalization: expected an object, got the string 'batch'/ },
  { what: 'normalization type unknown', call: construct(withNormalization({ type: 'group', momentum: 0.1, epsilon: 1e-5 })), error: ArgumentError, message: /^spec\.layers\[0\]\.normalization\.type: expected one of batch, layer, got the string 'group'/ },
  { what: 'normalization momentum missing', call: construct(withNormalization({ type: 'batch', epsilon: 1e-5 })), error: ArgumentError, message: /^spec\.layers\[0\]\.normalization\.momentum: expected a finite number, got undefined/ },
  { what: 'normalization epsilon NaN', call: construct(withNormalization({ type: 'layer', momentum: 0.1, epsilon: NaN })), error: ArgumentError, message: /^spec\.layers\[0\]\.normalization\.epsilon: expected a finite number/ },
  // 3·4 + 4 + γ, β (8) + 4·2 + 2, then running_mean, running_var (8): 34 + 8.
  { what: 'params without the running statistics', call: construct(withNormalization(batchNorm), new Float32Array(34)), error: ShapeError, message: /^params: expected length 42 \(the parameter count of the spec with its running statistics\), got 34/ },
];

/** Rules of the facade (lib/spec.ts), not of memory safety: the binding leaves them to it. */
const facadeRules: ReadonlyArray<{ what: string; spec: Record<string, unknown> }> = [
  { what: 'softmax not last', spec: withSpec({ layers: [{ units: 4, activation: 'softmax', l1: 0, l2: 0, dropout: 0 }, spec.layers[1]] }) },
  { what: 'crossEntropy without softmax', spec: withSpec({ layers: [spec.layers[0], { units: 2, activation: 'linear', l1: 0, l2: 0, dropout: 0 }] }) },
  { what: 'binaryCrossEntropy without sigmoid', spec: withSpec({ loss: 'binaryCrossEntropy' }) },
  { what: 'learningRate < 0', spec: withOptimizer({ learningRate: -1 }) },
  { what: 'momentum 1', spec: withOptimizer({ type: 'sgd', momentum: 1 }) },
  { what: 'beta1 1', spec: withOptimizer({ beta1: 1 }) },
  { what: 'epsilon < 0', spec: withOptimizer({ epsilon: -1e-8 }) },
  { what: 'alpha > 1', spec: withOptimizer({ type: 'rmsprop', alpha: 1.5 }) },
  { what: 'weightDecay < 0', spec: withOptimizer({ weightDecay: -1 }) },
  { what: 'nesterov without momentum', spec: withOptimizer({ type: 'sgd', nesterov: true, momentum: 0 }) },
];

const model = freshModel();
const weights = initialParams(spec);
const out = new Float32Array(rows * 2);
const grads = new Float32Array(count);
const order = new Int32Array([4, 3, 2, 1, 0]);

/** A valid plan for the 5 rows in batches of 2 (3 batches), with `change` applied. */
function plan(change: Record<string, unknown> = {}): Record<string, unknown> {
  return { x, targets: labels, rows, order: order.slice(), batchSize: 2, learningRates: new Float64Array(3).fill(LEARNING_RATE), stats: new Float64Array(6), ...change };
}

const readerCases: BadCall[] = [
  { what: 'predict 3 arguments', call: () => model.predict(weights, x, rows), error: ArgumentError, message: /^predict\(weights, x, rows, out\): expected 4 arguments, got 3/ },
  { what: 'predict weights Float64Array', call: () => model.predict(new Float64Array(count), x, rows, out), error: ArgumentError, message: /^weights: expected a Float32Array, got Float64Array/ },
  { what: 'predict weights plain array', call: () => model.predict(Array.from(weights), x, rows, out), error: ArgumentError, message: /^weights: expected a Float32Array, got an array/ },
  { what: 'predict weights null', call: () => model.predict(null, x, rows, out), error: ArgumentError, message: /^weights: expected a Float32Array, got null/ },
  { what: 'predict weights short', call: () => model.predict(weights.subarray(1), x, rows, out), error: ShapeError, message: /^weights: expected length 26 \(the parameter count with the running statistics\), got 25/ },
  { what: 'predict weights long', call: () => model.predict(new Float32Array(count + 1), x, rows, out), error: ShapeError, message: /^weights: expected length 26 .*got 27/ },
  { what: 'predict weights detached', call: () => model.predict(detachedFloat32(count), x, rows, out), error: ShapeError, message: /^weights: expected length 26 .*got 0/ },
  { what: 'predict x Float64Array', call: () => model.predict(weights, new Float64Array(x), rows, out), error: ArgumentError, message: /^x: expected a Float32Array, got Float64Array/ },
  { what: 'predict x plain array', call: () => model.predict(weights, Array.from(x), rows, out), error: ArgumentError, message: /^x: expected a Float32Array, got an array/ },
  { what: 'predict x DataView', call: () => model.predict(weights, new DataView(x.buffer), rows, out), error: ArgumentError, message: /^x: .*got a DataView/ },
  { what: 'predict rows 0', call: () => model.predict(weights, x, 0, out), error: ArgumentError, message: /^rows: expected an integer in \[1, 9007199254740991\], got the number 0/ },
  { what: 'predict rows 2.5', call: () => model.predict(weights, x, 2.5, out), error: ArgumentError, message: /^rows/ },
  { what: 'predict rows -1', call: () => model.predict(weights, x, -1, out), error: ArgumentError, message: /^rows/ },
  { what: 'predict rows NaN', call: () => model.predict(weights, x, NaN, out), error: ArgumentError, message: /^rows/ },
  { what: 'predict rows string', call: () => model.predict(weights, x, '5', out), error: ArgumentError, message: /^rows.*got the string '5'/ },
  { what: 'predict rows bigint', call: () => model.predict(weights, x, 5n, out), error: ArgumentError, message: /^rows.*got a bigint/ },
  { what: 'predict x too short for rows', call: () => model.predict(weights, x, rows + 1, out), error: ShapeError, message: /^x: expected length 18 \(rows 6 × inputs 3\), got 15/ },
  { what: 'predict rows × inputs overflow', call: () => model.predict(weights, x, 2 ** 53 - 1, out), error: ShapeError, message: /^rows × inputs is too large/ },
  { what: 'predict out Int32Array', call: () => model.predict(weights, x, rows, new Int32Array(10)), error: ArgumentError, message: /^out: expected a Float32Array/ },
  { what: 'predict out short', call: () => model.predict(weights, x, rows, new Float32Array(9)), error: ShapeError, message: /^out: expected length 10 \(rows 5 × outputs 2\), got 9/ },
  { what: 'evaluate 4 arguments', call: () => model.evaluate(weights, x, labels, rows), error: ArgumentError, message: /^evaluate\(weights, x, targets, rows, out\): expected 5 arguments, got 4/ },
  { what: 'evaluate out short', call: () => model.evaluate(weights, x, labels, rows, new Float32Array(rows * 2 - 1)), error: ShapeError, message: /^out: expected length 10 \(rows 5 × outputs 2\), got 9/ },
  { what: 'evaluate out Float64Array', call: () => model.evaluate(weights, x, labels, rows, new Float64Array(rows * 2)), error: ArgumentError, message: /^out: expected a Float32Array, got Float64Array/ },
  { what: 'evaluate weights Int32Array', call: () => model.evaluate(new Int32Array(count), x, labels, rows, null), error: ArgumentError, message: /^weights: expected a Float32Array, got Int32Array/ },
  { what: 'evaluate weights short', call: () => model.evaluate(new Float32Array(count - 1), x, labels, rows, null), error: ShapeError, message: /^weights: expected length 26/ },
  { what: 'evaluate targets Uint8Array', call: () => model.evaluate(weights, x, new Uint8Array(rows), rows, null), error: ArgumentError, message: /^targets: expected a Float32Array .* or an Int32Array of class labels, got Uint8Array/ },
  { what: 'evaluate targets plain array', call: () => model.evaluate(weights, x, Array.from(labels), rows, null), error: ArgumentError, message: /^targets: .*got an array/ },
  { what: 'evaluate label = outputs', call: () => model.evaluate(weights, x, new Int32Array([0, 1, 2, 0, 1]), rows, null), error: ArgumentError, message: /^targets\[2\]: expected a class label in \[0, 2\), got 2/ },
  { what: 'evaluate label < 0', call: () => model.evaluate(weights, x, new Int32Array([0, -1, 0, 0, 1]), rows, null), error: ArgumentError, message: /^targets\[1\]/ },
  { what: 'evaluate labels short', call: () => model.evaluate(weights, x, labels.subarray(1), rows, null), error: ShapeError, message: /^targets: expected length 5 \(one class label per row\), got 4/ },
  { what: 'evaluate dense short', call: () => model.evaluate(weights, x, dense.subarray(1), rows, null), error: ShapeError, message: /^targets: expected length 10 \(rows 5 × outputs 2\), got 9/ },
  { what: 'computeGradients 4 arguments', call: () => model.computeGradients(weights, x, labels, rows), error: ArgumentError, message: /^computeGradients\(weights, x, targets, rows, grads, rowWeights\): expected 6 arguments, got 4/ },
  { what: 'computeGradients rowWeights long', call: () => model.computeGradients(weights, x, labels, rows, grads, new Float32Array(rows + 1)), error: ShapeError, message: /^rowWeights: expected length 5 \(one weight per row\), got 6/ },
  { what: 'computeGradients rowWeights Float64Array', call: () => model.computeGradients(weights, x, labels, rows, grads, new Float64Array(rows)), error: ArgumentError, message: /^rowWeights: expected a Float32Array, got Float64Array/ },
  { what: 'computeGradients weights Float64Array', call: () => model.computeGradients(new Float64Array(count), x, labels, rows, grads, null), error: ArgumentError, message: /^weights: expected a Float32Array/ },
  { what: 'computeGradients weights long', call: () => model.computeGradients(new Float32Array(count + 1), x, labels, rows, grads, null), error: ShapeError, message: /^weights: expected length 26/ },
  { what: 'computeGradients grads short', call: () => model.computeGradients(weights, x, labels, rows, new Float32Array(count - 1), null), error: ShapeError, message: /^grads: expected length 26 \(the parameter count\)/ },
  { what: 'computeGradients grads Float64Array', call: () => model.computeGradients(weights, x, labels, rows, new Float64Array(count), null), error: ArgumentError, message: /^grads: expected a Float32Array/ },
  { what: 'firstNonFiniteParameter with an argument', call: () => model.firstNonFiniteParameter(0), error: ArgumentError, message: /^firstNonFiniteParameter\(\): expected 0 arguments, got 1/ },
  { what: 'undoneUpdate with an argument', call: () => model.undoneUpdate(0), error: ArgumentError, message: /^undoneUpdate\(\): expected 0 arguments, got 1/ },
  { what: 'trainBatch no arguments', call: () => model.trainBatch(), error: ArgumentError, message: /^trainBatch\(x, targets, rows, learningRate, rowWeights\): expected 5 arguments, got 0/ },
  { what: 'trainBatch no learningRate', call: () => model.trainBatch(x, labels, rows), error: ArgumentError, message: /^trainBatch\(x, targets, rows, learningRate, rowWeights\): expected 5 arguments, got 3/ },
  { what: 'trainBatch rowWeights short', call: () => model.trainBatch(x, labels, rows, LEARNING_RATE, new Float32Array(rows - 1)), error: ShapeError, message: /^rowWeights: expected length 5 \(one weight per row\), got 4/ },
  { what: 'trainBatch rowWeights Int32Array', call: () => model.trainBatch(x, labels, rows, LEARNING_RATE, new Int32Array(rows)), error: ArgumentError, message: /^rowWeights: expected a Float32Array, got Int32Array/ },
  { what: 'trainBatch learningRate NaN', call: () => model.trainBatch(x, labels, rows, NaN, null), error: ArgumentError, message: /^learningRate: expected a finite number, got the number NaN/ },
  { what: 'trainBatch learningRate string', call: () => model.trainBatch(x, labels, rows, '0.1', null), error: ArgumentError, message: /^learningRate: .*got the string '0\.1'/ },
  { what: 'trainBatch targets null', call: () => model.trainBatch(x, null, rows, LEARNING_RATE, null), error: ArgumentError, message: /^targets: .*got null/ },
  { what: 'requestStop with an argument', call: () => model.requestStop(true), error: ArgumentError, message: /^requestStop\(\): expected 0 arguments, got 1/ },
  { what: 'beginEpoch with an argument', call: () => model.beginEpoch(order), error: ArgumentError, message: /^beginEpoch\(\): expected 0 arguments, got 1/ },
  { what: 'endTraining with an argument', call: () => model.endTraining(1), error: ArgumentError, message: /^endTraining\(\): expected 0 arguments, got 1/ },
  { what: 'dispose with an argument', call: () => model.dispose(1), error: ArgumentError, message: /^dispose\(\): expected 0 arguments, got 1/ },
  { what: 'info with an argument', call: () => addon.info(1), error: ArgumentError, message: /^info\(\): expected 0 arguments/ },
  { what: 'firstNonFinite two arguments', call: () => addon.firstNonFinite(x, 0), error: ArgumentError, message: /^firstNonFinite\(values, from, to\): expected 3 arguments, got 2/ },
  { what: 'firstNonFinite Float64Array', call: () => addon.firstNonFinite(new Float64Array(4), 0, 4), error: ArgumentError, message: /^values: expected a Float32Array, got Float64Array/ },
  { what: 'firstNonFinite to past the end', call: () => addon.firstNonFinite(x, 0, x.length + 1), error: ArgumentError, message: /^to: expected an integer in \[0, 15\], got the number 16/ },
  { what: 'firstNonFinite from past to', call: () => addon.firstNonFinite(x, 4, 3), error: ArgumentError, message: /^from: expected an integer in \[0, 3\], got the number 4/ },
  { what: 'firstNonFinite negative from', call: () => addon.firstNonFinite(x, -1, 3), error: ArgumentError, message: /^from: expected an integer in \[0, 3\]/ },
  { what: 'firstNonFinite fractional to', call: () => addon.firstNonFinite(x, 0, 2.5), error: ArgumentError, message: /^to: / },
  { what: 'firstNonFinite detached values', call: () => addon.firstNonFinite(detachedFloat32(15), 0, 1), error: ArgumentError, message: /^to: expected an integer in \[0, 0\]/ },
];

const begin = (planArgument: unknown) => () => model.beginTraining(planArgument);

const planCases: BadCall[] = [
  { what: 'no plan', call: () => model.beginTraining(), error: ArgumentError, message: /^beginTraining\(plan\): expected 1 argument, got 0/ },
  { what: 'two arguments', call: () => model.beginTraining(plan(), 1), error: ArgumentError, message: /^beginTraining\(plan\): expected 1 argument, got 2/ },
  { what: 'plan null', call: begin(null), error: ArgumentError, message: /^plan: expected an object \{ x, targets, rows, order, batchSize, .*stats \}, got null/ },
  { what: 'plan array', call: begin([x, labels]), error: ArgumentError, message: /^plan: expected an object .*got an array/ },
  { what: 'plan function', call: begin(() => plan()), error: ArgumentError, message: /^plan: expected an object .*got a function/ },
  { what: 'plan number', call: begin(5), error: ArgumentError, message: /^plan: .*got the number 5/ },
  { what: 'plan.x missing', call: begin(plan({ x: undefined })), error: ArgumentError, message: /^plan\.x: expected a Float32Array, got undefined/ },
  { what: 'plan.x Float64Array', call: begin(plan({ x: new Float64Array(x) })), error: ArgumentError, message: /^plan\.x: expected a Float32Array, got Float64Array/ },
  { what: 'plan.x plain array', call: begin(plan({ x: Array.from(x) })), error: ArgumentError, message: /^plan\.x: .*got an array/ },
  { what: 'plan.x short', call: begin(plan({ x: x.subarray(1) })), error: ShapeError, message: /^plan\.x: expected length 15 \(rows × inputs\), got 14/ },
  { what: 'plan.x detached', call: begin(plan({ x: detachedFloat32(15) })), error: ShapeError, message: /^plan\.x: expected length 15 .*got 0/ },
  { what: 'plan.rows missing', call: begin(plan({ rows: undefined })), error: ArgumentError, message: /^plan\.rows: expected an integer in \[1, 9007199254740991\], got undefined/ },
  { what: 'plan.rows 0', call: begin(plan({ rows: 0 })), error: ArgumentError, message: /^plan\.rows: expected an integer in \[1,.*got the number 0/ },
  { what: 'plan.rows 2.5', call: begin(plan({ rows: 2.5 })), error: ArgumentError, message: /^plan\.rows/ },
  { what: 'plan.rows NaN', call: begin(plan({ rows: NaN })), error: ArgumentError, message: /^plan\.rows/ },
  { what: 'plan.rows string', call: begin(plan({ rows: '5' })), error: ArgumentError, message: /^plan\.rows.*got the string '5'/ },
  { what: 'plan.rows past x', call: begin(plan({ rows: 6 })), error: ShapeError, message: /^plan\.x: expected length 18 \(rows × inputs\), got 15/ },
  { what: 'plan.rows × inputs overflow', call: begin(plan({ rows: 2 ** 53 - 1 })), error: ShapeError, message: /^plan\.x is too large/ },
  { what: 'plan.targets missing', call: begin(plan({ targets: undefined })), error: ArgumentError, message: /^plan\.targets: expected a Float32Array .* or an Int32Array of class labels, got undefined/ },
  { what: 'plan.targets Uint8Array', call: begin(plan({ targets: new Uint8Array(rows) })), error: ArgumentError, message: /^plan\.targets: .*got Uint8Array/ },
  { what: 'plan.targets label = outputs', call: begin(plan({ targets: new Int32Array([0, 1, 2, 0, 1]) })), error: ArgumentError, message: /^plan\.targets\[2\]: expected a class label in \[0, 2\), got 2/ },
  { what: 'plan.targets label < 0', call: begin(plan({ targets: new Int32Array([0, 0, 0, 0, -1]) })), error: ArgumentError, message: /^plan\.targets\[4\]/ },
  { what: 'plan.targets labels short', call: begin(plan({ targets: labels.subarray(1) })), error: ShapeError, message: /^plan\.targets: expected length 5 \(one class label per row\), got 4/ },
  { what: 'plan.targets dense long', call: begin(plan({ targets: new Float32Array(11) })), error: ShapeError, message: /^plan\.targets: expected length 10 \(rows 5 × outputs 2\), got 11/ },
  { what: 'plan.order missing', call: begin(plan({ order: undefined })), error: ArgumentError, message: /^plan\.order: expected a Int32Array, got undefined/ },
  { what: 'plan.order Float32Array', call: begin(plan({ order: new Float32Array(5) })), error: ArgumentError, message: /^plan\.order: expected a Int32Array, got Float32Array/ },
  { what: 'plan.order Uint32Array', call: begin(plan({ order: new Uint32Array(5) })), error: ArgumentError, message: /^plan\.order: .*got Uint32Array/ },
  { what: 'plan.order short', call: begin(plan({ order: order.subarray(1) })), error: ShapeError, message: /^plan\.order: expected length 5 \(one index per row\), got 4/ },
  { what: 'plan.order long', call: begin(plan({ order: new Int32Array(6) })), error: ShapeError, message: /^plan\.order: expected length 5 .*got 6/ },
  { what: 'plan.batchSize missing', call: begin(plan({ batchSize: undefined })), error: ArgumentError, message: /^plan\.batchSize: expected an integer in \[1, 5\], got undefined/ },
  { what: 'plan.batchSize 0', call: begin(plan({ batchSize: 0 })), error: ArgumentError, message: /^plan\.batchSize: expected an integer in \[1, 5\], got the number 0/ },
  { what: 'plan.batchSize past rows', call: begin(plan({ batchSize: 6 })), error: ArgumentError, message: /^plan\.batchSize: expected an integer in \[1, 5\], got the number 6/ },
  { what: 'plan.batchSize 1.5', call: begin(plan({ batchSize: 1.5 })), error: ArgumentError, message: /^plan\.batchSize/ },
  { what: 'plan.batchSize Infinity', call: begin(plan({ batchSize: Infinity })), error: ArgumentError, message: /^plan\.batchSize/ },
  { what: 'plan.rowWeights Int32Array', call: begin(plan({ rowWeights: new Int32Array(5) })), error: ArgumentError, message: /^plan\.rowWeights: expected a Float32Array, got Int32Array/ },
  { what: 'plan.rowWeights short', call: begin(plan({ rowWeights: new Float32Array(4) })), error: ShapeError, message: /^plan\.rowWeights: expected length 5 \(one weight per row\), got 4/ },
  { what: 'plan.learningRates missing', call: begin(plan({ learningRates: undefined })), error: ArgumentError, message: /^plan\.learningRates: expected a Float64Array, got undefined/ },
  { what: 'plan.learningRates Float32Array', call: begin(plan({ learningRates: new Float32Array(3) })), error: ArgumentError, message: /^plan\.learningRates: expected a Float64Array, got Float32Array/ },
  { what: 'plan.learningRates plain array', call: begin(plan({ learningRates: [0.1, 0.1, 0.1] })), error: ArgumentError, message: /^plan\.learningRates: .*got an array/ },
  { what: 'plan.learningRates short', call: begin(plan({ learningRates: new Float64Array(2) })), error: ShapeError, message: /^plan\.learningRates: expected length 3 \(1 per batch of an epoch\), got 2/ },
  { what: 'plan.learningRates long', call: begin(plan({ learningRates: new Float64Array(4) })), error: ShapeError, message: /^plan\.learningRates: expected length 3 .*got 4/ },
  { what: 'plan.stats missing', call: begin(plan({ stats: undefined })), error: ArgumentError, message: /^plan\.stats: expected a Float64Array, got undefined/ },
  { what: 'plan.stats Float32Array', call: begin(plan({ stats: new Float32Array(6) })), error: ArgumentError, message: /^plan\.stats: expected a Float64Array, got Float32Array/ },
  { what: 'plan.stats short', call: begin(plan({ stats: new Float64Array(5) })), error: ShapeError, message: /^plan\.stats: expected length 6 \(2 per batch of an epoch\), got 5/ },
  { what: 'plan.stats long', call: begin(plan({ stats: new Float64Array(7) })), error: ShapeError, message: /^plan\.stats: expected length 6 .*got 7/ },
  { what: 'plan.stats for another batchSize', call: begin(plan({ batchSize: 1, learningRates: new Float64Array(5) })), error: ShapeError, message: /^plan\.stats: expected length 10 .*got 6/ },
];

function batchRangeCases(method: 'trainBatches' | 'trainBatchesAsync'): BadCall[] {
  const call = (...args: unknown[]) => () => model[method](...args);
  return [
    { what: `${method} 1 argument`, call: call(0), error: ArgumentError, message: new RegExp(`^${method}\\(first, count\\): expected 2 arguments, got 1`) },
    { what: `${method} 3 arguments`, call: call(0, 1, 2), error: ArgumentError, message: /expected 2 arguments, got 3/ },
    { what: `${method} first negative`, call: call(-1, 1), error: ArgumentError, message: /^first: expected an integer in \[0, 9007199254740991\], got the number -1/ },
    { what: `${method} first 0.5`, call: call(0.5, 1), error: ArgumentError, message: /^first/ },
    { what: `${method} first string`, call: call('0', 1), error: ArgumentError, message: /^first.*got the string '0'/ },
    { what: `${method} count NaN`, call: call(0, NaN), error: ArgumentError, message: /^count: expected an integer/ },
    { what: `${method} count 2^53`, call: call(0, 2 ** 53), error: ArgumentError, message: /^count/ },
    { what: `${method} count bigint`, call: call(0, 1n), error: ArgumentError, message: /^count.*got a bigint/ },
  ];
}

function detachedFloat32(length: number): Float32Array {
  const array = new Float32Array(length);
  structuredClone(array.buffer, { transfer: [array.buffer] });
  return array;
}

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

describe('new NativeModel(spec, params) and the facade\'s rules', () => {
  it.each(facadeRules)('accepts $what, and trains without touching memory it does not own', ({ spec: ruleBreaking }) => {
    const params = new Float32Array(count).fill(0.1);
    const ruleModel = new NativeModel(ruleBreaking, params);
    expect(typeof ruleModel.trainBatch(x, dense, rows, LEARNING_RATE, null)).toBe('number');
    ruleModel.predict(params, x, rows, out);
    ruleModel.dispose();
  });
});

describe('NativeModel methods', () => {
  it.each(readerCases)('refuse $what', (bad) => expectBadCall(bad));

  it('refuse the same calls during a training session as outside one', () => {
    const trainer = freshModel();
    trainer.beginTraining(plan());
    trainer.beginEpoch();
    expectBadCall({ what: 'weights short', call: () => trainer.predict(weights.subarray(1), x, rows, out), error: ShapeError, message: /^weights: expected length 26/ });
    expect(trainer.trainBatches(0, 3)).toBe(3);
    trainer.dispose();
  });

  it('still work after every refused call', () => {
    model.predict(weights, x, rows, out);
    expect(out.every(Number.isFinite)).toBe(true);
    const { loss } = model.evaluate(weights, x, dense, rows, null) as { loss: number };
    expect(Number.isFinite(loss)).toBe(true);
    const evaluated = new Float32Array(out.length);
    expect(model.evaluate(weights, x, dense, rows, evaluated)).toEqual({ loss, correct: expect.any(Number) });
    expect(evaluated).toEqual(out);
    expect(model.computeGradients(weights, x, labels, rows, grads, null)).toBeCloseTo(loss, 5);
    expect(Number.isFinite(model.trainBatch(x, labels, rows, LEARNING_RATE, null))).toBe(true);
  });

  it('refuse Int32Array labels unless the loss is crossEntropy, in readers, trainBatch and plans', () => {
    const mseSpec = modelSpec(3, [{ units: 2, activation: 'linear' }], 'mse');
    const mse = new NativeModel(mseSpec, initialParams(mseSpec));
    const message = /targets: expected a Float32Array \(rows × outputs; Int32Array labels need the crossEntropy loss\), got Int32Array/;
    expectBadCall({ what: 'labels with mse', call: () => mse.trainBatch(x, labels, rows, LEARNING_RATE, null), error: ArgumentError, message: new RegExp(`^${message.source}`) });
    expectBadCall({ what: 'labels with mse', call: () => mse.evaluate(initialParams(mseSpec), x, labels, rows, null), error: ArgumentError, message: new RegExp(`^${message.source}`) });
    expectBadCall({ what: 'labels with mse', call: () => mse.beginTraining(plan()), error: ArgumentError, message: new RegExp(`^plan\\.${message.source}`) });
    mse.dispose();
  });

  it('refuse every call after dispose, except dispose, requestStop and endTraining', () => {
    const disposed = freshModel();
    disposed.beginTraining(plan());
    disposed.dispose();
    disposed.dispose();
    disposed.requestStop();
    disposed.endTraining();
    const calls: Array<[string, () => unknown]> = [
      ['predict', () => disposed.predict(weights, x, rows, out)],
      ['evaluate', () => disposed.evaluate(weights, x, labels, rows, null)],
      ['computeGradients', () => disposed.computeGradients(weights, x, labels, rows, grads, null)],
      ['trainBatch', () => disposed.trainBatch(x, labels, rows, LEARNING_RATE, null)],
      ['firstNonFiniteParameter', () => disposed.firstNonFiniteParameter()],
      ['undoneUpdate', () => disposed.undoneUpdate()],
      ['beginTraining', () => disposed.beginTraining(plan())],
      ['beginEpoch', () => disposed.beginEpoch()],
      ['trainBatches', () => disposed.trainBatches(0, 3)],
      ['trainBatchesAsync', () => disposed.trainBatchesAsync(0, 3)],
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
    expectBadCall({ what: 'detached', call: () => detachable.predict(weights, x, rows, out), error: ArgumentError, message: /^predict: the params Float32Array .* was detached/ });
    expectBadCall({ what: 'detached', call: () => detachable.beginTraining(plan()), error: ArgumentError, message: /^beginTraining: the params Float32Array .* was detached/ });
    detachable.dispose();
  });

  it('refuse NativeModel called without new', () => {
    expect(() => (NativeModel as unknown as (...args: unknown[]) => unknown)(spec, new Float32Array(count))).toThrow(TypeError);
  });
});

describe('a normalized NativeModel', () => {
  // The hidden layer's weight, bias, γ, β (12 + 4 + 4 + 4), the softmax
  // layer's (8 + 2): 34 parameters; then batch normalization's running_mean
  // and running_var (4 each).
  const parameters = 34;
  function normalizedState(): Float32Array {
    const plain = initialParams(spec);
    const state = new Float32Array(parameters + 8);
    state.set(plain.subarray(0, 16));
    state.fill(1, 16, 20);
    state.set(plain.subarray(16), 24);
    state.fill(1, 38, 42);
    return state;
  }

  it('takes weights with the running statistics, gradients and optimizer moments without', () => {
    const state = normalizedState();
    const normalized = new NativeModel(withNormalization(batchNorm), state);
    const long = new Float32Array(parameters + 8);
    expectBadCall({ what: 'weights without statistics', call: () => normalized.predict(state.subarray(0, parameters), x, rows, out), error: ShapeError, message: /^weights: expected length 42 \(the parameter count with the running statistics\), got 34/ });
    expectBadCall({ what: 'grads with statistics', call: () => normalized.computeGradients(state, x, labels, rows, long, null), error: ShapeError, message: /^grads: expected length 34 \(the parameter count\), got 42/ });
    expectBadCall({ what: 'moments with statistics', call: () => normalized.readOptimizerState(long, long), error: ShapeError, message: /^first: expected length 34/ });
    expect(normalized.readOptimizerState(new Float32Array(parameters), new Float32Array(parameters))).toBe(0);
    normalized.dispose();
    // Layer normalization keeps no running statistics.
    const layerNormalized = new NativeModel(withNormalization({ type: 'layer', momentum: 0.1, epsilon: 1e-5 }), state.slice(0, parameters));
    layerNormalized.predict(state.slice(0, parameters), x, rows, out);
    expect(out.every(Number.isFinite)).toBe(true);
    layerNormalized.dispose();
  });

  it('finds the first non-finite value of params, running statistics included', () => {
    const state = normalizedState();
    const normalized = new NativeModel(withNormalization(batchNorm), state);
    expect(normalized.firstNonFiniteParameter()).toBe(-1);
    state[40] = -Infinity; // running_var
    expect(normalized.firstNonFiniteParameter()).toBe(40);
    state[3] = NaN;
    expect(normalized.firstNonFiniteParameter()).toBe(3);
    normalized.dispose();
  });

  it('undoes a trainBatch step that makes a running statistic infinite, and names it with undoneUpdate', () => {
    const state = normalizedState();
    const normalized = new NativeModel(withNormalization(batchNorm), state);
    expect(normalized.undoneUpdate()).toBeNull();
    const before = state.slice();
    // A batch variance of ~1e40: beyond float32, while the normalized activations stay tame.
    expect(normalized.trainBatch(x.map((v) => v * 1e20), labels, rows, LEARNING_RATE, null)).toBeNaN();
    const undone = normalized.undoneUpdate() as { index: number; value: number };
    expect(undone.index >= 38 && undone.index < 42).toBe(true); // a running_var
    expect(undone.value).toBe(Infinity);
    expect(state).toEqual(before);
    expect(Number.isFinite(normalized.trainBatch(x, labels, rows, LEARNING_RATE, null))).toBe(true);
    expect(normalized.undoneUpdate()).toBeNull();
    // A loss that is not finite comes back as it is, with nothing to undo.
    expect(normalized.trainBatch(x.map(() => NaN), labels, rows, LEARNING_RATE, null)).toBeNaN();
    expect(normalized.undoneUpdate()).toBeNull();
    normalized.dispose();
  });

  it('moves the running statistics in params with trainBatch, never with computeGradients', () => {
    const state = normalizedState();
    const start = state.slice();
    const normalized = new NativeModel(withNormalization(batchNorm), state);
    const gradients = new Float32Array(parameters);
    const loss = normalized.computeGradients(state, x, labels, rows, gradients, null) as number;
    expect(normalized.computeGradients(state, x, labels, rows, new Float32Array(parameters), null)).toBe(loss);
    expect(state).toEqual(start);
    expect(gradients.subarray(16, 24).some((g) => g !== 0)).toBe(true); // dγ, dβ
    expect(normalized.trainBatch(x, labels, rows, LEARNING_RATE, null)).toBe(loss);
    expect(state.subarray(0, parameters)).not.toEqual(start.subarray(0, parameters));
    expect(state.subarray(parameters)).not.toEqual(start.subarray(parameters));
    expect(state.every(Number.isFinite)).toBe(true);
    normalized.dispose();
  });
});

describe('beginTraining(plan)', () => {
  it.each(planCases)('refuses $what', (bad) => expectBadCall(bad));

  it('lets the error of a throwing getter on the plan through, and keeps working', () => {
    const hostile = freshModel();
    const throwing = Object.defineProperty(plan(), 'stats', { get: () => { throw new RangeError('no stats here'); } });
    expect(() => hostile.beginTraining(throwing)).toThrow(RangeError);
    hostile.beginTraining(plan());
    hostile.beginEpoch();
    expect(hostile.trainBatches(0, 3)).toBe(3);
    hostile.dispose();
  });

  it('accepts dense targets, and arrays over SharedArrayBuffers', () => {
    const shared = <T extends Float32Array | Float64Array | Int32Array>(array: T): T => {
      const copy = new (array.constructor as new (buffer: SharedArrayBuffer) => T)(new SharedArrayBuffer(array.byteLength));
      copy.set(array);
      return copy;
    };
    const trainer = freshModel();
    trainer.beginTraining(plan({ targets: dense }));
    trainer.beginEpoch();
    expect(trainer.trainBatches(0, 3)).toBe(3);
    const sharedPlan = plan({ x: shared(x), targets: shared(labels), order: shared(order), stats: shared(new Float64Array(6)) });
    trainer.beginTraining(sharedPlan);
    trainer.beginEpoch();
    expect(trainer.trainBatches(0, 3)).toBe(3);
    expect([0, 2, 4].every((b) => (sharedPlan.stats as Float64Array)[b] > 0)).toBe(true);
    trainer.dispose();
  });
});

describe('beginEpoch()', () => {
  it('refuses an order index out of [0, rows), and then trains nothing until an epoch is begun', () => {
    const trainer = freshModel();
    const p = plan();
    const order = p.order as Int32Array;
    trainer.beginTraining(p);
    trainer.beginEpoch();
    expect(trainer.trainBatches(0, 1)).toBe(1);
    order[1] = rows;
    expectBadCall({ what: 'index = rows', call: () => trainer.beginEpoch(), error: ArgumentError, message: /^plan\.order\[1\]: expected a row index in \[0, 5\), got 5/ });
    // The epoch begun before is gone: nothing trains over a half-checked order.
    expectBadCall({ what: 'after a refused epoch', call: () => trainer.trainBatches(0, 3), error: BusyError, message: /^trainBatches: call beginTraining\(plan\) and beginEpoch\(\) first/ });
    order[1] = -1;
    expectBadCall({ what: 'index < 0', call: () => trainer.beginEpoch(), error: ArgumentError, message: /^plan\.order\[1\]: .*got -1/ });
    order[1] = 2 ** 31 - 1;
    expectBadCall({ what: 'index 2^31 − 1', call: () => trainer.beginEpoch(), error: ArgumentError, message: /^plan\.order\[1\]/ });
    order[1] = 3;
    trainer.beginEpoch();
    expect(trainer.trainBatches(0, 3)).toBe(3);
    trainer.dispose();
  });

  it('refuses an order array detached since beginTraining', () => {
    const trainer = freshModel();
    const p = plan();
    trainer.beginTraining(p);
    const buffer = (p.order as Int32Array).buffer;
    structuredClone(buffer, { transfer: [buffer] });
    expectBadCall({ what: 'detached order', call: () => trainer.beginEpoch(), error: ShapeError, message: /^plan\.order: expected length 5 \(one index per row\), got 0/ });
    trainer.dispose();
  });
});

describe('trainBatches(first, count) and trainBatchesAsync(first, count)', () => {
  it.each([...batchRangeCases('trainBatches'), ...batchRangeCases('trainBatchesAsync')])('refuse $what', (bad) => expectBadCall(bad));

  it('refuse to run before beginTraining, before beginEpoch, and after endTraining (BusyError)', () => {
    const trainer = freshModel();
    const busy = (what: string, method: string, call: () => unknown, message = `^${method}: call beginTraining\\(plan\\) and beginEpoch\\(\\) first`) =>
      expectBadCall({ what, call, error: BusyError, message: new RegExp(message) });
    busy('beginEpoch first', 'beginEpoch', () => trainer.beginEpoch(), '^beginEpoch: call beginTraining\\(plan\\) first');
    busy('no session', 'trainBatches', () => trainer.trainBatches(0, 1));
    busy('no session', 'trainBatchesAsync', () => trainer.trainBatchesAsync(0, 1));
    trainer.beginTraining(plan());
    busy('no epoch', 'trainBatches', () => trainer.trainBatches(0, 1));
    busy('no epoch', 'trainBatchesAsync', () => trainer.trainBatchesAsync(0, 1));
    trainer.beginEpoch();
    expect(trainer.trainBatches(0, 1)).toBe(1);
    trainer.endTraining();
    trainer.endTraining();
    busy('ended', 'trainBatches', () => trainer.trainBatches(0, 1));
    busy('ended', 'beginEpoch', () => trainer.beginEpoch(), '^beginEpoch: call beginTraining\\(plan\\) first');
    trainer.dispose();
  });

  it('write stats by batch of the epoch, step at each batch\'s learning rate, and stop at the epoch\'s last batch', () => {
    const params = initialParams(spec);
    const trainer = new NativeModel(spec, params);
    const p = plan();
    const stats = p.stats as Float64Array;
    (p.learningRates as Float64Array)[1] = 0;
    trainer.beginTraining(p);
    trainer.beginEpoch();
    expect(trainer.trainBatches(1, 1)).toBe(1);
    expect(Array.from(stats)).toEqual([0, 0, stats[2], stats[3], 0, 0]);
    expect(stats[2]).toBeGreaterThan(0);
    expect(params).toEqual(initialParams(spec));
    expect(trainer.trainBatches(2, 100)).toBe(1);
    expect(params).not.toEqual(initialParams(spec));
    expect(trainer.trainBatches(3, 1)).toBe(0);
    expect(trainer.trainBatches(2 ** 53 - 1, 2 ** 53 - 1)).toBe(0);
    expect(trainer.trainBatches(0, 0)).toBe(0);
    expect(stats[0]).toBe(0);
    trainer.dispose();
  });

  it('refuse, without reading or writing, a plan whose x, targets, rowWeights, learningRates or stats was detached between calls', () => {
    for (const field of ['x', 'targets', 'rowWeights', 'learningRates', 'stats'] as const) {
      const params = initialParams(spec);
      const trainer = new NativeModel(spec, params);
      const p = plan({ x: x.slice(), targets: dense.slice(), rowWeights: new Float32Array(rows).fill(1) });
      const stats = p.stats as Float64Array;
      trainer.beginTraining(p);
      trainer.beginEpoch();
      expect(trainer.trainBatches(0, 1)).toBe(1);
      const trained = params.slice();
      const statsBefore = stats.slice();
      const buffer = (p[field] as Float32Array | Float64Array).buffer;
      structuredClone(buffer, { transfer: [buffer] });
      for (const method of ['trainBatches', 'trainBatchesAsync'] as const) {
        expectBadCall({
          what: `${field} detached`,
          call: () => trainer[method](1, 2),
          error: ArgumentError,
          message: /^plan: an array of the training plan was detached or moved since beginTraining/,
        });
      }
      expect(params).toEqual(trained);
      if (field !== 'stats') expect(stats).toEqual(statsBefore);
      // A new plan starts a new fit on the same model.
      trainer.beginTraining(plan());
      trainer.beginEpoch();
      expect(trainer.trainBatches(0, 3)).toBe(3);
      trainer.dispose();
    }
  });

  it('train on the checked copies of labels (per fit) and order (per epoch): rewriting or detaching them meanwhile changes nothing', () => {
    const pristineParams = initialParams(spec);
    const rewrittenParams = initialParams(spec);
    const pristine = new NativeModel(spec, pristineParams);
    const rewritten = new NativeModel(spec, rewrittenParams);
    const pristinePlan = plan({ targets: labels.slice() });
    const rewrittenPlan = plan({ targets: labels.slice() });
    pristine.beginTraining(pristinePlan);
    pristine.beginEpoch();
    rewritten.beginTraining(rewrittenPlan);
    rewritten.beginEpoch();
    (rewrittenPlan.targets as Int32Array).fill(-5);
    (rewrittenPlan.order as Int32Array).fill(1e9);
    expect(rewritten.trainBatches(0, 1)).toBe(1);
    const orderBuffer = (rewrittenPlan.order as Int32Array).buffer;
    structuredClone(orderBuffer, { transfer: [orderBuffer] });
    expect(rewritten.trainBatches(1, 2)).toBe(2);
    expect(pristine.trainBatches(0, 3)).toBe(3);
    expect(rewrittenParams).toEqual(pristineParams);
    expect(rewrittenPlan.stats).toEqual(pristinePlan.stats);
    pristine.dispose();
    rewritten.dispose();
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
    expectBadCall({ what: 'still registered', call: () => model.predict(weights, x, 0, out), error: ArgumentError, message: /^rows/ });
  });
});
