/**
 * The one seam between the facade and an engine. Both the pure-TypeScript
 * engine and the native addon implement `Engine`; nothing outside
 * `lib/backends/` knows which one runs.
 *
 * Conventions every engine follows (see DESIGN.md §2):
 * - Parameters live in ONE flat Float32Array owned by the facade. For layer i
 *   (in order): its weight, `units × inputs` row-major, then its bias
 *   (`units`). `parameterLayout()` gives the offsets. Gradients use the same
 *   layout.
 * - `x` is row-major `rows × inputs`. Targets are either a Float32Array
 *   `rows × outputs` (dense) or an Int32Array of `rows` class labels
 *   (crossEntropy only).
 * - Losses are means: mse and binaryCrossEntropy over rows × outputs,
 *   crossEntropy over rows. Gradients are of that mean.
 * - Engines assume their inputs were validated by the facade, except the
 *   native binding, which re-checks everything that could touch memory.
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

export type LossName = 'mse' | 'binaryCrossEntropy' | 'crossEntropy';

export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';

export type BackendName = 'native' | 'js';

/** Of every GEMM: float32, or operands rounded to bfloat16 (nearest even) with float32 sums (DESIGN.md §9). */
export type Precision = 'float32' | 'bfloat16';

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
}

export interface LayerSpec {
  readonly units: number;
  readonly activation: Activation;
}

/** A validated network description: what an engine needs to build a model. */
export interface ModelSpec {
  readonly inputs: number;
  readonly layers: readonly LayerSpec[];
  readonly loss: LossName;
  readonly optimizer: OptimizerSettings;
  readonly precision: Precision;
}

/** Dense targets (rows × outputs) or class labels (rows), crossEntropy only. */
export type Targets = Float32Array | Int32Array;

/** A contiguous run of mini-batches of one epoch, trained in one engine call. */
export interface TrainChunk {
  readonly x: Float32Array;
  readonly targets: Targets;
  /** Sample indices of the epoch in visiting order; batch b holds
   *  order[b·batchSize … min((b+1)·batchSize, order.length)). */
  readonly order: Int32Array;
  readonly batchSize: number;
  readonly firstBatch: number;
  readonly batchCount: number;
  /** Written by the engine: for the j-th batch of the chunk,
   *  stats[2j] = mean loss before the step, stats[2j+1] = correct predictions. */
  readonly stats: Float64Array;
}

export interface Evaluation {
  /** Mean loss over the rows, as the loss defines its mean. */
  readonly loss: number;
  /** Correct predictions: argmax match (crossEntropy), or elements on the
   *  right side of 0.5 (binaryCrossEntropy); 0 for mse. */
  readonly correct: number;
}

export interface EngineModel {
  /** True when trainChunkAsync runs off the JS thread (the facade then
   *  sends whole epochs; otherwise it yields between batches). */
  readonly trainsOffThread: boolean;
  /** Network outputs (after the last activation) into out (rows × outputs). */
  predict(x: Float32Array, rows: number, out: Float32Array): void;
  evaluate(x: Float32Array, targets: Targets, rows: number): Evaluation;
  /** Gradients of the mean loss into grads (parameter layout); returns the loss. No update. */
  computeGradients(x: Float32Array, targets: Targets, rows: number, grads: Float32Array): number;
  /** One optimizer step on exactly these rows; returns the loss before the step. */
  trainBatch(x: Float32Array, targets: Targets, rows: number): number;
  /**
   * Trains chunk.batchCount batches; returns how many were applied. It stops
   * early, without applying that batch, at the first batch whose loss is not
   * finite (its stats are still written), or after a batch once requestStop()
   * was called during this call.
   */
  trainChunk(chunk: TrainChunk): number;
  trainChunkAsync(chunk: TrainChunk): Promise<number>;
  /** Asks a running trainChunkAsync to stop after its current batch. */
  requestStop(): void;
  /** Forgets optimizer state (moments, step count). */
  resetOptimizer(): void;
  dispose(): void;
}

export interface EngineInfo {
  readonly isa: string;
  readonly threads: number;
  /** How bfloat16 GEMMs run: 'amx', 'avx512bf16' or 'emulated'. */
  readonly bfloat16: string;
  /** Where the binary was loaded from ('' for the js engine). */
  readonly binary: string;
}

export interface Engine {
  readonly name: BackendName;
  readonly info: EngineInfo;
  /** `params` is kept (not copied): the model reads and updates it in place. */
  createModel(spec: ModelSpec, params: Float32Array): EngineModel;
}

export interface LayerOffsets {
  readonly inputs: number;
  readonly units: number;
  readonly weight: number;
  readonly bias: number;
}

/** Offsets of each layer's weight and bias in the flat parameter array. */
export function parameterLayout(spec: Pick<ModelSpec, 'inputs' | 'layers'>): {
  layers: LayerOffsets[];
  size: number;
} {
  const layers: LayerOffsets[] = [];
  let offset = 0;
  let inputs = spec.inputs;
  for (const { units } of spec.layers) {
    layers.push({ inputs, units, weight: offset, bias: offset + units * inputs });
    offset += units * inputs + units;
    inputs = units;
  }
  return { layers, size: offset };
}
