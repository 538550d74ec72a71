/**
 * Network options as users write them, and their resolution into the
 * validated ModelSpec the engines take (PyTorch's optimizer defaults).
 */
import type { BackendName } from './backends/backend';
import {
  parameterLayout,
  type Activation,
  type LayerSpec,
  type LossName,
  type LossParameters,
  type ModelSpec,
  type NormalizationSpec,
  type NormalizationType,
  type OptimizerName,
  type OptimizerSettings,
  type Precision,
} from './model-spec';
import { ArgumentError } from './errors';
import { RECIPE_KEYS, type InputNormalizationOptions } from './input-normalization';
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
export const LOSSES: readonly LossName[] = ['mse', 'binaryCrossEntropy', 'crossEntropy', 'huber', 'mae'];
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'];
export const PRECISIONS: readonly Precision[] = ['float32', 'bfloat16'];
export const NORMALIZATIONS: readonly NormalizationType[] = ['batch', 'layer'];

export type BackendChoice = 'auto' | BackendName;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'native', 'js'];

export interface LayerOptions {
  /** Number of units (outputs) of the layer. */
  units: number;
  /** Default 'linear'. 'softmax' only on the last layer. */
  activation?: Activation;
  /** L1 penalty l1·Σ|w| on this layer's weight (not its bias), added to the training loss; default 0. */
  l1?: number;
  /** L2 penalty l2·Σw² on this layer's weight (not its bias), added to the training loss; default 0. */
  l2?: number;
  /** Inverted dropout rate in [0, 1) after the activation, in training mode only; not on the last layer. Default 0. */
  dropout?: number;
  /** Between the Linear and the activation: PyTorch's BatchNorm1d(units) or LayerNorm(units), affine. Not on a softmax layer. */
  normalization?: NormalizationOptions;
}

/** A block's normalization: a type, or a type with its options (momentum of the running statistics 0.1, epsilon 1e-5). */
export type NormalizationOptions =
  | NormalizationType
  | { type: 'batch'; momentum?: number; epsilon?: number }
  | { type: 'layer'; epsilon?: number };

/** A loss with its options; each type takes its own. */
export type LossOptions =
  | { type: 'crossEntropy'; labelSmoothing?: number }
  | { type: 'huber'; delta?: number }
  | { type: 'mse' | 'binaryCrossEntropy' | 'mae' };

/** Gradient clipping, which every optimizer takes: at most one of the two, off unless given. */
export interface ClippingOptions {
  /** Scale all gradients together to an L2 norm of at most this (PyTorch's clip_grad_norm_). */
  clipNorm?: number;
  /** Clamp each gradient to [−clipValue, clipValue] (clip_grad_value_). */
  clipValue?: number;
}

/** Stochastic gradient descent (PyTorch's SGD): lr 0.01, momentum 0, nesterov false, weightDecay 0. */
export interface SgdOptions extends ClippingOptions {
  type: 'sgd';
  learningRate?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** Adam (lr 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-8, weightDecay 0 as L2) and AdamW (weightDecay 0.01, decoupled). */
export interface AdamOptions extends ClippingOptions {
  type: 'adam' | 'adamw';
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

/** RMSprop: lr 0.01, alpha 0.99, epsilon 1e-8, momentum 0, weightDecay 0. */
export interface RmspropOptions extends ClippingOptions {
  type: 'rmsprop';
  learningRate?: number;
  alpha?: number;
  epsilon?: number;
  momentum?: number;
  weightDecay?: number;
}

/** Adagrad: lr 0.01, epsilon 1e-10, weightDecay 0. */
export interface AdagradOptions extends ClippingOptions {
  type: 'adagrad';
  learningRate?: number;
  epsilon?: number;
  weightDecay?: number;
}

/** Optimizer hyperparameters, by type: each type takes exactly the ones it uses (PyTorch's defaults). */
export type OptimizerOptions = SgdOptions | AdamOptions | RmspropOptions | AdagradOptions;

export interface NetworkOptions {
  /** Width of an input row. */
  inputs: number;
  /** At least one layer; the last one's units are the outputs. */
  layers: LayerOptions[];
  /** A loss name or options; default 'mse'. */
  loss?: LossName | LossOptions;
  /** An optimizer name or options; default 'adam'. */
  optimizer?: OptimizerName | OptimizerOptions;
  /** Seeds weight initialisation and shuffling; default: a random seed (see `Network.seed`). */
  seed?: number;
  /** Default 'auto': the native engine when it loads, else the pure-TS one. */
  backend?: BackendChoice;
  /** Per-column normalization of every input row, part of the model (saved with it). */
  inputNormalization?: InputNormalizationOptions;
  /** Class names: one per output (crossEntropy), or two for one sigmoid output (binaryCrossEntropy). */
  classes?: string[];
  /** Default 'float32'. 'bfloat16': GEMM operands rounded to bfloat16, sums and everything else float32. */
  precision?: Precision;
}

type Defaults = Omit<OptimizerSettings, 'type' | 'clipNorm' | 'clipValue'>;

/** Options every optimizer takes: gradient clipping, off unless given. */
const CLIPPING = ['clipNorm', 'clipValue'] as const;

/** Largest learning rate or weight decay accepted: the largest float32. */
export const MAX_RATE = 3.4028234663852886e38;
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
  checkKeys(options, name, ['type', ...known, ...CLIPPING]);
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
    clipNorm: clipping(options.clipNorm, `${name}.clipNorm`),
    clipValue: clipping(options.clipValue, `${name}.clipValue`),
  };
  if (options.clipNorm !== undefined && options.clipValue !== undefined) {
    throw new ArgumentError(`${name}.clipNorm and ${name}.clipValue cannot both be given`);
  }
  if (settings.nesterov && settings.momentum === 0) {
    throw new ArgumentError(`${name}.nesterov needs ${name}.momentum > 0 (as in PyTorch)`);
  }
  return settings;
}

/** A clipping threshold: > 0 when given, 0 (off) when not. */
function clipping(value: unknown, name: string): number {
  return value === undefined ? 0 : checkNumber(value, name, { min: 0, minExclusive: true, max: MAX_RATE });
}

function resolveLayers(value: unknown): LayerSpec[] {
  if (!Array.isArray(value) || value.length === 0) fail('layers', 'a non-empty array of { units, activation }', value);
  // Array.from visits holes of a sparse array (map would skip them).
  return Array.from(value as unknown[], (layer: unknown, i): LayerSpec => {
    const name = `layers[${i}]`;
    const options = checkObject(layer, name);
    checkKeys(options, name, ['units', 'activation', 'l1', 'l2', 'dropout', 'normalization']);
    const units = checkInteger(options.units, `${name}.units`, 1, 1 << 24);
    const activation = checkOneOf<Activation>(options.activation ?? 'linear', `${name}.activation`, ACTIVATIONS);
    if (activation === 'softmax' && i !== value.length - 1) {
      throw new ArgumentError(`${name}.activation 'softmax' is allowed on the last layer only`);
    }
    const l1 = checkNumber(options.l1 ?? 0, `${name}.l1`, { min: 0, max: MAX_RATE });
    const l2 = checkNumber(options.l2 ?? 0, `${name}.l2`, { min: 0, max: MAX_RATE });
    const dropout = checkNumber(options.dropout ?? 0, `${name}.dropout`, { min: 0, max: 1, maxExclusive: true });
    if (dropout > 0 && i === value.length - 1) {
      throw new ArgumentError(`${name}.dropout is not allowed on the last layer (its outputs are the network's)`);
    }
    const normalization = resolveNormalization(options.normalization, `${name}.normalization`);
    if (normalization !== null && activation === 'softmax') {
      throw new ArgumentError(`${name}.normalization is not allowed on a 'softmax' layer (its outputs are probabilities)`);
    }
    return { units, activation, l1, l2, dropout, normalization };
  });
}

/** PyTorch's BatchNorm1d and LayerNorm defaults. */
const NORMALIZATION_DEFAULTS = { momentum: 0.1, epsilon: 1e-5 } as const;
/** The options each normalization type reads. */
const NORMALIZATION_OPTIONS: Record<NormalizationType, ('momentum' | 'epsilon')[]> = {
  batch: ['momentum', 'epsilon'],
  layer: ['epsilon'],
};

/** `normalization`: absent (none), a type, or { type, ...its options }. */
function resolveNormalization(value: unknown, name: string): NormalizationSpec | null {
  if (value === undefined) return null;
  const options = typeof value === 'string' ? { type: value } : checkObject(value, name);
  const type = checkOneOf<NormalizationType>(options.type, typeof value === 'string' ? name : `${name}.type`, NORMALIZATIONS);
  checkKeys(options, name, ['type', ...NORMALIZATION_OPTIONS[type]]);
  return {
    type,
    momentum: checkNumber(options.momentum ?? NORMALIZATION_DEFAULTS.momentum, `${name}.momentum`, { min: 0, minExclusive: true, max: 1 }),
    epsilon: checkNumber(options.epsilon ?? NORMALIZATION_DEFAULTS.epsilon, `${name}.epsilon`, { min: 0, minExclusive: true, max: MAX_RATE }),
  };
}

/** The normalization option that rebuilds this one: its type when every option is the default. */
function normalizationToOptions(normalization: NormalizationSpec): NormalizationOptions {
  const changed = NORMALIZATION_OPTIONS[normalization.type].filter((key) => normalization[key] !== NORMALIZATION_DEFAULTS[key]);
  if (changed.length === 0) return normalization.type;
  const options: Record<string, unknown> = { type: normalization.type };
  for (const key of changed) options[key] = normalization[key];
  return options as NormalizationOptions;
}

/** Validates the architecture part of NetworkOptions (shared by the constructor and the file loaders). */
export function resolveModelSpec(options: Record<string, unknown>, optimizer: unknown, seed = 0): ModelSpec {
  const inputs = checkInteger(options.inputs, 'inputs', 1, 1 << 24);
  const layers = resolveLayers(options.layers);
  const { loss, lossParameters } = resolveLoss(options.loss);
  const last = layers[layers.length - 1].activation;
  if (loss === 'crossEntropy' && last !== 'softmax') {
    throw new ArgumentError(`loss 'crossEntropy' needs a final 'softmax' layer, got '${last}'`);
  }
  if (loss === 'binaryCrossEntropy' && last !== 'sigmoid') {
    throw new ArgumentError(`loss 'binaryCrossEntropy' needs a final 'sigmoid' layer, got '${last}'`);
  }
  let previous = inputs;
  for (const [i, { units }] of layers.entries()) {
    if (previous * units > MAX_PARAMETERS) {
      throw new ArgumentError(`layers[${i}] has ${previous} × ${units} weights; at most 2^31 − 1 per layer`);
    }
    previous = units;
  }
  // The parameters and the running statistics share one array.
  const { stateSize } = parameterLayout({ inputs, layers });
  if (stateSize > MAX_PARAMETERS) {
    throw new ArgumentError(`layers hold ${stateSize} parameters and running statistics in all; at most 2^31 − 1 fit in one network`);
  }
  const precision = checkOneOf<Precision>(options.precision ?? 'float32', 'precision', PRECISIONS);
  // Dropout masks take a uint32 seed: the low 32 bits of the network's.
  return { inputs, layers, loss, lossParameters, optimizer: resolveOptimizer(optimizer), dropoutSeed: seed % 2 ** 32, precision };
}

const LOSS_DEFAULTS: LossParameters = { labelSmoothing: 0, delta: 1 };
/** The options of LossParameters each loss reads. */
const LOSS_OPTIONS: Record<LossName, (keyof LossParameters)[]> = {
  mse: [],
  binaryCrossEntropy: [],
  crossEntropy: ['labelSmoothing'],
  huber: ['delta'],
  mae: [],
};

/** The name of a loss option (a name, or options with a type). */
export function lossName(loss: LossName | LossOptions): LossName {
  return typeof loss === 'string' ? loss : loss.type;
}

/** `loss`: a name or { type, ...its options }. */
function resolveLoss(value: unknown): { loss: LossName; lossParameters: LossParameters } {
  if (value === undefined) value = 'mse';
  const options = typeof value === 'string' ? { type: value } : checkObject(value, 'loss');
  const loss = checkOneOf<LossName>(options.type, typeof value === 'string' ? 'loss' : 'loss.type', LOSSES);
  checkKeys(options, 'loss', ['type', ...LOSS_OPTIONS[loss]]);
  const lossParameters: LossParameters = {
    labelSmoothing: checkNumber(options.labelSmoothing ?? LOSS_DEFAULTS.labelSmoothing, 'loss.labelSmoothing', {
      min: 0,
      max: 1,
      maxExclusive: true,
    }),
    delta: checkNumber(options.delta ?? LOSS_DEFAULTS.delta, 'loss.delta', { min: 0, minExclusive: true, max: MAX_RATE }),
  };
  return { loss, lossParameters };
}

/** The loss option that rebuilds this spec's loss: its name when every parameter is the default. */
function lossToOptions(spec: ModelSpec): LossName | LossOptions {
  const changed = LOSS_OPTIONS[spec.loss].filter((key) => spec.lossParameters[key] !== LOSS_DEFAULTS[key]);
  if (changed.length === 0) return spec.loss;
  const options: Record<string, unknown> = { type: spec.loss };
  for (const key of changed) options[key] = spec.lossParameters[key];
  return options as LossOptions;
}

/** The layer options that rebuild this layer (penalties only when set). */
function layerToOptions(layer: LayerSpec): LayerOptions {
  const options: LayerOptions = { units: layer.units, activation: layer.activation };
  if (layer.l1 > 0) options.l1 = layer.l1;
  if (layer.l2 > 0) options.l2 = layer.l2;
  if (layer.dropout > 0) options.dropout = layer.dropout;
  if (layer.normalization !== null) options.normalization = normalizationToOptions(layer.normalization);
  return options;
}

export interface ResolvedOptions {
  spec: ModelSpec;
  seed: number;
  backend: BackendChoice;
}

export function resolveNetworkOptions(value: unknown): ResolvedOptions {
  const options = checkObject(value, 'options');
  checkKeys(options, 'options', ['inputs', 'layers', 'loss', 'optimizer', 'seed', 'backend', 'precision', ...RECIPE_KEYS]);
  const seed =
    options.seed === undefined
      ? Math.floor(Math.random() * 2 ** 32)
      : checkInteger(options.seed, 'seed', 0, Number.MAX_SAFE_INTEGER);
  const spec = resolveModelSpec(options, options.optimizer, seed);
  const backend = checkOneOf<BackendChoice>(options.backend ?? 'auto', 'backend', BACKEND_CHOICES);
  return { spec, seed, backend };
}

/** The options that rebuild this spec (for toJSON and file metadata). */
export function specToOptions(spec: ModelSpec): Required<Pick<NetworkOptions, 'inputs' | 'layers' | 'loss' | 'precision'>> & {
  optimizer: OptimizerOptions;
} {
  const { type } = spec.optimizer;
  const optimizer: Record<string, unknown> = { type };
  for (const key of OPTIMIZER_DEFAULTS[type].options) optimizer[key] = spec.optimizer[key];
  for (const key of CLIPPING) if (spec.optimizer[key] > 0) optimizer[key] = spec.optimizer[key];
  return {
    inputs: spec.inputs,
    layers: spec.layers.map(layerToOptions),
    loss: lossToOptions(spec),
    // The keys of OPTIMIZER_DEFAULTS[type] are those of that type's options.
    optimizer: optimizer as unknown as OptimizerOptions,
    precision: spec.precision,
  };
}
