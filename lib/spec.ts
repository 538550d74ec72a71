/**
 * Network options as users write them, and their resolution into the
 * validated ModelSpec the engines take (PyTorch's optimizer defaults).
 */
import type {
  Activation,
  BackendName,
  LayerSpec,
  LossName,
  ModelSpec,
  OptimizerName,
  OptimizerSettings,
  Precision,
} from './backends/backend';
import { ArgumentError } from './errors';
import {
  checkBoolean,
  checkInteger,
  checkKeys,
  checkNumber,
  checkObject,
  checkOneOf,
  fail,
} from './validate';

export const ACTIVATIONS: readonly Activation[] = [
  'linear',
  'sigmoid',
  'tanh',
  'relu',
  'leakyRelu',
  'elu',
  'gelu',
  'softmax',
];
export const LOSSES: readonly LossName[] = ['mse', 'binaryCrossEntropy', 'crossEntropy'];
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'];
export const PRECISIONS: readonly Precision[] = ['float32', 'bfloat16'];

export type BackendChoice = 'auto' | BackendName;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'native', 'js'];

export interface LayerOptions {
  /** Number of units (outputs) of the layer. */
  units: number;
  /** Default 'linear'. 'softmax' only on the last layer. */
  activation?: Activation;
}

/** Optimizer hyperparameters; each type reads the ones it uses (PyTorch's defaults). */
export interface OptimizerOptions {
  type: OptimizerName;
  learningRate?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  alpha?: number;
}

export interface NetworkOptions {
  /** Width of an input row. */
  inputs: number;
  /** At least one layer; the last one's units are the outputs. */
  layers: LayerOptions[];
  /** Default 'mse'. */
  loss?: LossName;
  /** An optimizer name or options; default 'adam'. */
  optimizer?: OptimizerName | OptimizerOptions;
  /** Seeds weight initialisation and shuffling; default: a random seed (see `Network.seed`). */
  seed?: number;
  /** Default 'auto': the native engine when it loads, else the pure-TS one. */
  backend?: BackendChoice;
  /** Default 'float32'. 'bfloat16': GEMM operands rounded to bfloat16, sums and everything else float32. */
  precision?: Precision;
}

type Defaults = Omit<OptimizerSettings, 'type'>;

/** Largest learning rate or weight decay accepted: the largest float32. */
const MAX_RATE = 3.4028234663852886e38;
/** Smallest normal float32 (2^-126). */
const MIN_NORMAL_FLOAT32 = 2 ** -126;
/** Parameters of a whole network, so that one Float32Array (and int32 indexing in the engines) holds them. */
const MAX_PARAMETERS = 2 ** 31 - 1;

const COMMON: Defaults = {
  learningRate: 0.01,
  momentum: 0,
  nesterov: false,
  weightDecay: 0,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  alpha: 0.99,
};

/** PyTorch's defaults per optimizer, and the options each one reads. */
const OPTIMIZER_DEFAULTS: Record<OptimizerName, { defaults: Defaults; options: (keyof Defaults)[] }> = {
  sgd: { defaults: COMMON, options: ['learningRate', 'momentum', 'nesterov', 'weightDecay'] },
  adam: {
    defaults: { ...COMMON, learningRate: 1e-3 },
    options: ['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay'],
  },
  adamw: {
    defaults: { ...COMMON, learningRate: 1e-3, weightDecay: 0.01 },
    options: ['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay'],
  },
  rmsprop: { defaults: COMMON, options: ['learningRate', 'alpha', 'epsilon', 'momentum', 'weightDecay'] },
  adagrad: { defaults: { ...COMMON, epsilon: 1e-10 }, options: ['learningRate', 'epsilon', 'weightDecay'] },
};

export function resolveOptimizer(value: unknown, name = 'optimizer'): OptimizerSettings {
  if (value === undefined) value = 'adam';
  const options = typeof value === 'string' ? { type: value } : checkObject(value, name);
  const type = checkOneOf<OptimizerName>(options.type, `${name}.type`, OPTIMIZERS);
  const { defaults, options: known } = OPTIMIZER_DEFAULTS[type];
  checkKeys(options, name, ['type', ...known]);
  const pick = (key: keyof Defaults): unknown => options[key] ?? defaults[key];
  // The engines compute in float32: a rate beyond MAX_RATE can only overflow,
  // and an epsilon below the smallest normal float32 becomes 0 (or is flushed).
  const settings: OptimizerSettings = {
    type,
    learningRate: checkNumber(pick('learningRate'), `${name}.learningRate`, { min: 0, max: MAX_RATE }),
    momentum: checkNumber(pick('momentum'), `${name}.momentum`, { min: 0, max: 1, maxExclusive: true }),
    nesterov: checkBoolean(pick('nesterov'), `${name}.nesterov`),
    weightDecay: checkNumber(pick('weightDecay'), `${name}.weightDecay`, { min: 0, max: MAX_RATE }),
    beta1: checkNumber(pick('beta1'), `${name}.beta1`, { min: 0, max: 1, maxExclusive: true }),
    beta2: checkNumber(pick('beta2'), `${name}.beta2`, { min: 0, max: 1, maxExclusive: true }),
    epsilon: checkNumber(pick('epsilon'), `${name}.epsilon`, { min: MIN_NORMAL_FLOAT32, max: 1 }),
    alpha: checkNumber(pick('alpha'), `${name}.alpha`, { min: 0, max: 1, maxExclusive: true }),
  };
  if (settings.nesterov && settings.momentum === 0) {
    throw new ArgumentError(`${name}.nesterov needs ${name}.momentum > 0 (as in PyTorch)`);
  }
  return settings;
}

function resolveLayers(value: unknown): LayerSpec[] {
  if (!Array.isArray(value) || value.length === 0) fail('layers', 'a non-empty array of { units, activation }', value);
  // Array.from visits holes of a sparse array (map would skip them).
  return Array.from(value as unknown[], (layer: unknown, i): LayerSpec => {
    const name = `layers[${i}]`;
    const options = checkObject(layer, name);
    checkKeys(options, name, ['units', 'activation']);
    const units = checkInteger(options.units, `${name}.units`, 1, 1 << 24);
    const activation = checkOneOf<Activation>(options.activation ?? 'linear', `${name}.activation`, ACTIVATIONS);
    if (activation === 'softmax' && i !== value.length - 1) {
      throw new ArgumentError(`${name}.activation 'softmax' is allowed on the last layer only`);
    }
    return { units, activation };
  });
}

/** Validates the architecture part of NetworkOptions (shared by the constructor and the file loaders). */
export function resolveModelSpec(options: Record<string, unknown>, optimizer: unknown): ModelSpec {
  const inputs = checkInteger(options.inputs, 'inputs', 1, 1 << 24);
  const layers = resolveLayers(options.layers);
  const loss = checkOneOf<LossName>(options.loss ?? 'mse', 'loss', LOSSES);
  const last = layers[layers.length - 1].activation;
  if (loss === 'crossEntropy' && last !== 'softmax') {
    throw new ArgumentError(`loss 'crossEntropy' needs a final 'softmax' layer, got '${last}'`);
  }
  if (loss === 'binaryCrossEntropy' && last !== 'sigmoid') {
    throw new ArgumentError(`loss 'binaryCrossEntropy' needs a final 'sigmoid' layer, got '${last}'`);
  }
  let previous = inputs;
  let parameters = 0;
  for (const [i, { units }] of layers.entries()) {
    if (previous * units > MAX_PARAMETERS) {
      throw new ArgumentError(`layers[${i}] has ${previous} × ${units} weights; at most 2^31 − 1 per layer`);
    }
    parameters += previous * units + units;
    previous = units;
  }
  if (parameters > MAX_PARAMETERS) {
    throw new ArgumentError(`layers hold ${parameters} parameters in all; at most 2^31 − 1 fit in one network`);
  }
  const precision = checkOneOf<Precision>(options.precision ?? 'float32', 'precision', PRECISIONS);
  return { inputs, layers, loss, optimizer: resolveOptimizer(optimizer), precision };
}

export interface ResolvedOptions {
  spec: ModelSpec;
  seed: number;
  backend: BackendChoice;
}

export function resolveNetworkOptions(value: unknown): ResolvedOptions {
  const options = checkObject(value, 'options');
  checkKeys(options, 'options', ['inputs', 'layers', 'loss', 'optimizer', 'seed', 'backend', 'precision']);
  const spec = resolveModelSpec(options, options.optimizer);
  const seed =
    options.seed === undefined
      ? Math.floor(Math.random() * 2 ** 32)
      : checkInteger(options.seed, 'seed', 0, Number.MAX_SAFE_INTEGER);
  const backend = checkOneOf<BackendChoice>(options.backend ?? 'auto', 'backend', BACKEND_CHOICES);
  return { spec, seed, backend };
}

/** The options that rebuild this spec (for toJSON and file metadata). */
export function specToOptions(spec: ModelSpec): Required<Pick<NetworkOptions, 'inputs' | 'layers' | 'loss' | 'precision'>> & {
  optimizer: OptimizerOptions;
} {
  const { type } = spec.optimizer;
  const optimizer: OptimizerOptions = { type };
  for (const key of OPTIMIZER_DEFAULTS[type].options) {
    (optimizer as unknown as Record<string, unknown>)[key] = spec.optimizer[key];
  }
  return {
    inputs: spec.inputs,
    layers: spec.layers.map(({ units, activation }) => ({ units, activation })),
    loss: spec.loss,
    optimizer,
    precision: spec.precision,
  };
}
