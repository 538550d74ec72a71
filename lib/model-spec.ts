/**
 * The domain of a network, shared by the facade and both backends: what a
 * model is (its validated spec) and where each layer's parameters live in
 * the one flat parameter array (docs/ARCHITECTURE.md, "Numerics").
 */

export type Activation =
  | 'linear'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'elu'
  | 'gelu'
  | 'softmax';

export type LossName = 'mse' | 'binaryCrossEntropy' | 'crossEntropy' | 'huber' | 'mae';

/** The numbers some losses take, resolved (each loss reads its own). */
export interface LossParameters {
  /** crossEntropy: ε in [0, 1); targets become (1 − ε)·y + ε/classes. */
  readonly labelSmoothing: number;
  /** huber: > 0; quadratic within ±delta of the target, linear beyond. */
  readonly delta: number;
}

export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';

/** Every hyperparameter of every optimizer, resolved to a number (PyTorch defaults). */
export interface OptimizerSettings {
  readonly type: OptimizerName;
  readonly learningRate: number;
  /** sgd, rmsprop */
  readonly momentum: number;
  /** sgd */
  readonly nesterov: boolean;
  /** all; L2 added to the gradient, except adamw where it is decoupled */
  readonly weightDecay: number;
  /** adam, adamw */
  readonly beta1: number;
  readonly beta2: number;
  /** adam, adamw, rmsprop, adagrad */
  readonly epsilon: number;
  /** rmsprop smoothing constant */
  readonly alpha: number;
  /** Gradient clipping before the update (0: off): the global L2 norm scaled to at most clipNorm… */
  readonly clipNorm: number;
  /** …or each gradient clamped to [−clipValue, clipValue]. */
  readonly clipValue: number;
}

export interface LayerSpec {
  readonly units: number;
  readonly activation: Activation;
  /** Penalties on this layer's weight (not its bias): l1·Σ|w| + l2·Σw², ≥ 0. */
  readonly l1: number;
  readonly l2: number;
  /** Inverted dropout rate in [0, 1) after the activation, in training mode only (0: none). */
  readonly dropout: number;
  /** Between the Linear and the activation (DESIGN.md §8), or null. */
  readonly normalization: NormalizationSpec | null;
}

export type NormalizationType = 'batch' | 'layer';

/** A block's normalization, resolved: PyTorch's BatchNorm1d(units) or LayerNorm(units), affine. */
export interface NormalizationSpec {
  readonly type: NormalizationType;
  /** Of the running statistics' update (batch only; 0.1 and unused for layer). */
  readonly momentum: number;
  /** Added to the variance before its square root (default 1e-5). */
  readonly epsilon: number;
}

/** Of every GEMM: float32, or operands rounded to bfloat16 (nearest even) with float32 sums (DESIGN.md §9). */
export type Precision = 'float32' | 'bfloat16';

/** A validated network description: what a backend needs to build a model. */
export interface ModelSpec {
  readonly inputs: number;
  readonly layers: readonly LayerSpec[];
  readonly loss: LossName;
  readonly lossParameters: LossParameters;
  readonly optimizer: OptimizerSettings;
  /** Seeds the dropout masks (uint32), with the optimizer's step count. */
  readonly dropoutSeed: number;
  readonly precision: Precision;
}

/** Dense targets (rows × outputs) or class labels (rows), crossEntropy only. */
export type Targets = Float32Array | Int32Array;

export interface LayerOffsets {
  readonly inputs: number;
  readonly units: number;
  readonly weight: number;
  readonly bias: number;
  /** A normalized layer's norm.weight (γ) and norm.bias (β), units each; -1 without normalization. */
  readonly normWeight: number;
  readonly normBias: number;
  /** A batch-normalized layer's running_mean and running_var (in the state tail), units each; -1 otherwise. */
  readonly runningMean: number;
  readonly runningVar: number;
}

export interface ParameterLayout {
  readonly layers: LayerOffsets[];
  /** P: the parameters (what gradients, clipping and the optimizer cover). */
  readonly size: number;
  /** P + S: the parameters, then the running statistics of every batch-normalized layer (the model's whole state). */
  readonly stateSize: number;
}

/**
 * Where everything lives in the model's one flat array: each layer's weight
 * (units × inputs, row-major), bias (units) and, when normalized, norm.weight
 * and norm.bias (units each), layer after layer; after all of them, the
 * running_mean and running_var of each batch-normalized layer, in layer order.
 */
export function parameterLayout(spec: Pick<ModelSpec, 'inputs' | 'layers'>): ParameterLayout {
  const placed: { inputs: number; units: number; weight: number; bias: number; normWeight: number; normBias: number }[] = [];
  let offset = 0;
  let inputs = spec.inputs;
  for (const { units, normalization } of spec.layers) {
    const weight = offset;
    const bias = weight + units * inputs;
    offset = bias + units;
    const normalized = normalization !== null && normalization !== undefined;
    placed.push({ inputs, units, weight, bias, normWeight: normalized ? offset : -1, normBias: normalized ? offset + units : -1 });
    if (normalized) offset += 2 * units;
    inputs = units;
  }
  const size = offset;
  const layers = placed.map((l, i): LayerOffsets => {
    if (spec.layers[i].normalization?.type !== 'batch') return { ...l, runningMean: -1, runningVar: -1 };
    const runningMean = offset;
    offset += 2 * l.units;
    return { ...l, runningMean, runningVar: runningMean + l.units };
  });
  return { layers, size, stateSize: offset };
}
