/**
 * Type-level tests of the public surface, compiled by `tsc -p test/types`
 * (part of `npm test`), never run. Each `@ts-expect-error` line must fail
 * to compile: if the type it tests became looser, the directive itself
 * would be an error ("unused '@ts-expect-error'").
 */
import { loadCsv, loadJsonl, Network, type BatchNormWeights, type NetworkOptions, type OptimizerOptions, type TableData } from '../../lib/index';

// Optimizer options: a discriminated union by type.
const sgd: OptimizerOptions = { type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true };
const adam: OptimizerOptions = { type: 'adam', beta1: 0.8, beta2: 0.99, epsilon: 1e-7 };
const rmsprop: OptimizerOptions = { type: 'rmsprop', alpha: 0.9, momentum: 0.5 };
const adagrad: OptimizerOptions = { type: 'adagrad', epsilon: 1e-9, weightDecay: 0.1 };
// @ts-expect-error sgd has no beta1
const sgdWithBeta: OptimizerOptions = { type: 'sgd', beta1: 0.9 };
// @ts-expect-error adam has no momentum
const adamWithMomentum: OptimizerOptions = { type: 'adam', momentum: 0.9 };
// @ts-expect-error adagrad has no alpha
const adagradWithAlpha: OptimizerOptions = { type: 'adagrad', alpha: 0.9 };
// @ts-expect-error rmsprop has no nesterov
const rmspropWithNesterov: OptimizerOptions = { type: 'rmsprop', nesterov: true };
// @ts-expect-error no such optimizer
const lion: OptimizerOptions = { type: 'lion' };
const net = new Network({ inputs: 2, layers: [{ units: 1 }], optimizer: { type: 'adamw', weightDecay: 0.05 } });
// @ts-expect-error through NetworkOptions too
new Network({ inputs: 2, layers: [{ units: 1 }], optimizer: { type: 'sgd', beta2: 0.9 } });

// The data recipe options.
const recipe: NetworkOptions[] = [
  { inputs: 2, layers: [{ units: 2, activation: 'softmax' }], inputNormalization: 'standardize', classes: ['a', 'b'] },
  { inputs: 2, layers: [{ units: 1 }], inputNormalization: { mean: [0, 0], std: [1, 1] } },
  { inputs: 2, layers: [{ units: 1 }], inputNormalization: { min: [0, 0], max: [1, 1] } },
];
// @ts-expect-error not a normalization
const zscore: NetworkOptions = { inputs: 2, layers: [{ units: 1 }], inputNormalization: 'zscore' };
// @ts-expect-error mean needs std
const meanOnly: NetworkOptions = { inputs: 2, layers: [{ units: 1 }], inputNormalization: { mean: [0, 0] } };
const classes: string[] | number[] = net.predictClasses([[0, 1]]);

// Block normalization: a type, or a type with its own options.
const normalized: NetworkOptions['layers'] = [
  { units: 4, normalization: 'batch' },
  { units: 4, normalization: { type: 'batch', momentum: 0.01, epsilon: 1e-3 } },
  { units: 1, normalization: { type: 'layer', epsilon: 1e-6 } },
];
// @ts-expect-error layer normalization has no running statistics, so no momentum
const layerMomentum: NetworkOptions['layers'] = [{ units: 1, normalization: { type: 'layer', momentum: 0.1 } }];
// @ts-expect-error no such normalization
const groupNorm: NetworkOptions['layers'] = [{ units: 1, normalization: 'group' }];
const batchNorm = net.getWeights()[0].norm as BatchNormWeights;
const runningVar: Float32Array = batchNorm.runningVar;

// TableData.y: present when a target is read, absent for { target: false }.
async function tables(): Promise<void> {
  const byDefault = await loadCsv('data.csv');
  const yDefault: Float32Array | Int32Array = byDefault.y;
  const named = await loadJsonl('data.jsonl', { target: 'species', columns: ['a', 'b'] });
  const yNamed: Float32Array | Int32Array = named.y;
  const target: string = named.target;
  const inputsOnly = await loadCsv('data.csv', { target: false });
  // @ts-expect-error no target was read
  const yNone = inputsOnly.y;
  const maybe: TableData = await loadCsv('data.csv', {} as { target?: string | false });
  // @ts-expect-error a target that may be false may be absent
  const yMaybe: Float32Array | Int32Array = maybe.y;
  void [yDefault, yNamed, target, yNone, yMaybe];
}

void [sgd, adam, rmsprop, adagrad, sgdWithBeta, adamWithMomentum, adagradWithAlpha, rmspropWithNesterov, lion, recipe, zscore, meanOnly, classes, tables];
