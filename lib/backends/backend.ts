/**
 * The one seam between the facade and a backend (docs/ARCHITECTURE.md).
 * Both the pure-TypeScript backend and the native addon implement
 * `Backend`; nothing outside `lib/backends/` knows which one runs.
 *
 * Conventions every backend follows:
 * - Parameters live in ONE flat Float32Array owned by the facade (layout:
 *   `parameterLayout` in lib/model-spec.ts), backed by a SharedArrayBuffer so
 *   a backend may train it on another thread: its `stateSize` values are the
 *   `size` parameters, then the running statistics of batch normalization.
 *   Gradients and optimizer moments cover the parameters only (`size`).
 * - `x` is row-major `rows × inputs`; targets are dense `rows × outputs` or
 *   one class label per row (crossEntropy).
 * - Losses are means: mse and binaryCrossEntropy over rows × outputs,
 *   crossEntropy over rows. Gradients are of that mean.
 * - Reading calls take the weights to read (`weights`, all `stateSize` values):
 *   during a fit the facade passes the last published snapshot, so a reader
 *   never waits for the training thread.
 * - Backends assume the facade validated every option (the one rule book);
 *   the native binding re-checks only what protects memory.
 */
import type { ModelSpec, Targets } from '../model-spec';

export type BackendName = 'native' | 'js';

/** Summed over rows by a backend, turned into metrics by the facade. */
export interface Score {
  /** Mean loss over the rows, as the loss defines its mean. */
  readonly loss: number;
  /** Correct predictions: argmax match (crossEntropy), or elements on the
   *  right side of 0.5 (binaryCrossEntropy); 0 for mse. */
  readonly correct: number;
}

/**
 * Everything one fit trains on, handed to the backend once. The arrays
 * belong to the facade, are backed by SharedArrayBuffers for an async fit,
 * and do not change during the fit, except `order`, which the facade
 * rewrites before each `Trainer.beginEpoch()`.
 */
export interface TrainingPlan {
  readonly x: Float32Array;
  readonly targets: Targets;
  readonly rows: number;
  /** The current epoch's visiting order (length rows); batch b holds
   *  order[b·batchSize … min((b+1)·batchSize, rows)). */
  readonly order: Int32Array;
  readonly batchSize: number;
  /** One weight per row (sample × class weight), or null: each batch's loss
   *  is then the weighted mean Σ wᵢ·lᵢ / Σ wᵢ of its rows' losses. */
  readonly rowWeights: Float32Array | null;
  /** The learning rate of each batch of the epoch (a schedule's), written by
   *  the facade before each chunk. */
  readonly learningRates: Float64Array;
  /** Written by the backend for batch b of the epoch: stats[2b] = mean loss
   *  before the step, stats[2b+1] = correct predictions. */
  readonly stats: Float64Array;
}

/** One fit's training, begun by `BackendModel.beginTraining`. */
export interface Trainer {
  /** The facade rewrote plan.order for the next epoch. */
  beginEpoch(): void;
  /**
   * Trains batches [first, first + count) of the epoch without blocking the
   * event loop and resolves with how many it applied: it stops before
   * applying a batch whose loss is not finite (its stats are still
   * written), and after the current batch once `stop()` was called.
   */
  train(first: number, count: number): Promise<number>;
  /** `train`, on the calling thread (fitSync). */
  trainSync(first: number, count: number): number;
  /** Asks a running `train` to end after its current batch. */
  stop(): void;
  /** Releases what the training held (threads, references). */
  end(): void;
}

export interface BackendModel {
  /** Network outputs (after the last activation) into out (rows × outputs). */
  predict(weights: Float32Array, x: Float32Array, rows: number, out: Float32Array): void;
  /** The loss and correct count; with `out` (rows × outputs), the outputs too, from the same forward pass. */
  evaluate(weights: Float32Array, x: Float32Array, targets: Targets, rows: number, out: Float32Array | null): Score;
  /** Gradients of the loss (weighted by rowWeights when given) into grads
   *  (parameter layout); returns the loss. No update. */
  computeGradients(
    weights: Float32Array, x: Float32Array, targets: Targets, rows: number, grads: Float32Array, rowWeights: Float32Array | null,
  ): number;
  /**
   * One optimizer step on exactly these rows at this learning rate, as fit's
   * (the same bits), guarded: a step whose loss is not finite is not applied
   * (nor are the running statistics moved), and a step that makes any
   * parameter or running statistic non-finite is undone whole — parameters,
   * running statistics, optimizer moments and step count are as before it.
   * Returns the loss before the step: when it is finite, the step was kept,
   * and that is all the common path costs (this one call into the engine,
   * no allocation). A loss that is not finite is returned as it is (nothing
   * applied); a step undone returns NaN, and only then is `undoneUpdate()`
   * not null.
   */
  trainBatch(x: Float32Array, targets: Targets, rows: number, learningRate: number, rowWeights: Float32Array | null): number;
  /** Which value the last trainBatch's update made non-finite (so it undid the step), or null. Called on that rare path only. */
  undoneUpdate(): UndoneUpdate | null;
  /** Index of the first NaN or infinite value of the model's params (running statistics included), or −1:
   *  fit checks the parameters with it after each chunk, so it runs at memory speed where it can. */
  firstNonFiniteParameter(): number;
  /** The optimizer's state, copied: step count and both moment buffers (parameter count each, zeros where unused). */
  optimizerState(): OptimizerSnapshot;
  setOptimizerState(state: OptimizerSnapshot): void;
  /** Starts a fit; until `Trainer.end()`, only reading calls are allowed. */
  beginTraining(plan: TrainingPlan): Trainer;
  dispose(): void;
}

/** An update trainBatch undid: it made state value `index` (parameters, then running statistics) equal `value`. */
export interface UndoneUpdate {
  readonly index: number;
  readonly value: number;
}

/** What a resumed run needs of an optimizer. */
export interface OptimizerSnapshot {
  readonly steps: number;
  readonly first: Float32Array;
  readonly second: Float32Array;
}

export interface BackendInfo {
  readonly isa: string;
  readonly threads: number;
  /** How bfloat16 GEMMs run: 'amx', 'avx512bf16' or 'emulated'. */
  readonly bfloat16: string;
  /** Where the binary was loaded from ('' for the js backend). */
  readonly binary: string;
}

export interface Backend {
  readonly name: BackendName;
  readonly info: BackendInfo;
  /** `params` is kept (not copied): the model reads and updates it in place. */
  createModel(spec: ModelSpec, params: Float32Array): BackendModel;
}
