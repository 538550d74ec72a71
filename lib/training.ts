/**
 * The training loop of fit/fitSync, written once as a generator of steps
 * that a driver carries out: an async driver (fit) awaits each step, a sync
 * driver (fitSync) runs it at once. The loop owns the epoch order, the
 * callbacks, the logs and the divergence rule; the backend's Trainer runs
 * the batches.
 */
import type { Score, Trainer } from './backends/backend';
import type { Checkpoint } from './checkpoint';
import type { EarlyStopping } from './early-stopping';
import { ArgumentError, DivergenceError } from './errors';
import { batchWeight } from './row-weights';
import { metricNames, metricsOf, type Metrics } from './metrics';
import type { LossName, Targets } from './model-spec';
import type { Rng } from './rng';
import type { Schedule } from './schedules';

export interface BatchLog {
  /** 1-based epoch. */
  epoch: number;
  /** 1-based batch within the epoch. */
  batch: number;
  batches: number;
  /** Mean loss of the batch, before its step. */
  loss: number;
  /** Fraction correct in the batch (crossEntropy, binaryCrossEntropy). */
  accuracy?: number;
  /** The rate the batch's step used. */
  learningRate: number;
  size: number;
  /** Training samples per second in this epoch so far. */
  samplesPerSecond: number;
}

/** The validation metrics of an epoch, named 'val' + the metric's capitalised name. */
export interface ValidationMetrics {
  valAccuracy?: number;
  valPrecision?: number;
  valRecall?: number;
  valF1?: number;
  valAuc?: number;
  valMae?: number;
  valRmse?: number;
  valR2?: number;
}

export interface EpochLog extends ValidationMetrics {
  /** 1-based epoch of this fit. */
  epoch: number;
  epochs: number;
  /** Mean training loss over the epoch's samples (each batch's loss before its step). */
  loss: number;
  accuracy?: number;
  valLoss?: number;
  /** The rate the epoch started with (oneCycle changes it every batch). */
  learningRate: number;
  /** Training samples per second in this epoch (validation excluded). */
  samplesPerSecond: number;
  seconds: number;
}

export type ValidationHistory = { [K in keyof ValidationMetrics]?: number[] };

export interface History extends ValidationHistory {
  /** Completed epochs. */
  epochs: number;
  loss: number[];
  /** Empty for mse. */
  accuracy: number[];
  /** Empty without validation data. */
  valLoss: number[];
  valAccuracy: number[];
  /** The rate each epoch started with. */
  learningRate: number[];
  /** True when the signal stopped training early (weights are those after the last applied batch). */
  aborted: boolean;
  /** True when early stopping ended the fit. */
  stoppedEarly: boolean;
  /** With early stopping: the 1-based epoch (of this fit) whose monitored value was best. */
  bestEpoch?: number;
  /** Training samples per second over the whole fit. */
  samplesPerSecond: number;
}

/** 'f1' → 'valF1'. */
export function validationName(metric: string): keyof ValidationMetrics {
  return `val${metric[0].toUpperCase()}${metric.slice(1)}` as keyof ValidationMetrics;
}

/** The values an epoch logs: what a monitor (early stopping, plateau, checkpoint) may name. */
export function loggedNames(loss: LossName, outputs: number, hasValidation: boolean): string[] {
  const names = ['loss'];
  if (loss === 'crossEntropy' || loss === 'binaryCrossEntropy') names.push('accuracy');
  if (hasValidation) names.push('valLoss', ...metricNames(loss, outputs).map(validationName));
  return names;
}

export interface DataSet {
  readonly x: Float32Array;
  readonly targets: Targets;
  readonly rows: number;
}

/** A callback's result: a promise is awaited by fit (fitSync refuses it). */
type CallbackResult = void | Promise<void>;

export interface LoopPlan {
  readonly validation?: DataSet;
  readonly rows: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly loss: LossName;
  readonly inputs: number;
  readonly outputs: number;
  /** The backend's TrainingPlan arrays the loop writes and reads. */
  readonly order: Int32Array;
  readonly rowWeights: Float32Array | null;
  readonly learningRates: Float64Array;
  readonly stats: Float64Array;
  readonly schedule: Schedule;
  readonly earlyStopping?: EarlyStopping;
  readonly checkpoint?: Checkpoint;
  readonly signal?: AbortSignal;
  readonly onEpochEnd?: (log: EpochLog) => CallbackResult;
  readonly onBatchEnd?: (log: BatchLog) => CallbackResult;
}

/** What the loop needs from the network around it. */
export interface LoopHost {
  readonly trainer: Trainer;
  /** Scores rows and writes their outputs, with the weights readers see (the last published ones). */
  evaluate(x: Float32Array, targets: Targets, rows: number, out: Float32Array): Score;
  /** The network's current learning rate, and the count of epochs it trained (across fits). */
  learningRate: number;
  epochsTrained: number;
  /** Early stopping: remember the weights of the best epoch, put them back. */
  keepBest(): void;
  restoreBest(): void;
  /** Writes the model with its training state, atomically. */
  saveCheckpoint(path: string): Promise<void>;
  /** Makes the weights after the last batch the ones readers see; false
   *  (and the published weights restored) when they are not all finite. */
  publish(): boolean;
  /** Throws when the run must end now (the network was disposed). */
  checkAlive(): void;
}

/** A step for the driver: train a chunk (→ batches applied), let the event loop turn, or await a promise. */
export type LoopStep =
  | { readonly kind: 'train'; readonly first: number; readonly count: number }
  | { readonly kind: 'pause' }
  | { readonly kind: 'await'; readonly promise: Promise<void> };

/** Decides how many batches the next chunk holds; the loop reports their timing. */
export interface ChunkSizer {
  next(remaining: number): number;
  record(units: number, seconds: number): void;
}

/** How many predictions a loss's `correct` count is out of, per row. */
function predictionsPerRow(loss: LossName, outputs: number): number {
  return loss === 'binaryCrossEntropy' ? outputs : loss === 'crossEntropy' ? 1 : 0;
}

/** A callback's promise, as a step for the driver (null for a plain return). */
function awaitStep(result: CallbackResult): LoopStep | null {
  return result !== undefined && typeof (result as Promise<void>).then === 'function'
    ? { kind: 'await', promise: Promise.resolve(result) }
    : null;
}

/**
 * The one place divergence is decided: after each chunk, a non-finite loss
 * (the batch was not applied) or non-finite weights (an update overflowed)
 * end the fit with the last published, finite weights in place.
 */
function checkDivergence(host: LoopHost, plan: LoopPlan, epoch: number, first: number, applied: number, count: number): void {
  const { stats, rowWeights, batchSize, rows, order } = plan;
  const published = host.publish();
  if (applied < count && !Number.isFinite(stats[2 * (first + applied)])) {
    const failed = first + applied;
    const start = failed * batchSize;
    if (rowWeights !== null && batchWeight(rowWeights, order, start, Math.min(batchSize, rows - start)) === 0) {
      throw new ArgumentError(
        `options.sampleWeight and options.classWeight give every row of epoch ${epoch}, batch ${failed + 1} weight 0; that batch was not applied`,
      );
    }
    throw new DivergenceError(
      `training diverged: the loss became ${stats[2 * failed]} in epoch ${epoch}, batch ${failed + 1}; that batch was not applied, and the network keeps its last finite weights`,
      epoch,
      failed + 1,
    );
  }
  if (!published) {
    const last = first + applied;
    throw new DivergenceError(
      `training diverged: the weights stopped being finite in epoch ${epoch} by batch ${last}; the network keeps its last finite weights`,
      epoch,
      last,
    );
  }
}

/**
 * Validation rows scored per call on the JS thread: few enough that the js
 * backend never holds the event loop long, fixed so that fit and fitSync sum
 * the same blocks in the same order.
 */
const SCORE_BLOCK_ROWS = 16;

/** The validation loss and metrics, scored in blocks with the event loop turning between them. */
function* scoreInBlocks(
  host: LoopHost,
  data: DataSet,
  plan: LoopPlan,
  outputs: Float32Array,
): Generator<LoopStep, { loss: number; metrics: Metrics }, number> {
  const { inputs } = plan;
  const targetWidth = data.targets instanceof Int32Array ? 1 : plan.outputs;
  let lossSum = 0;
  for (let start = 0; start < data.rows; start += SCORE_BLOCK_ROWS) {
    const rows = Math.min(SCORE_BLOCK_ROWS, data.rows - start);
    const x = data.x.subarray(start * inputs, (start + rows) * inputs);
    const targets = data.targets.subarray(start * targetWidth, (start + rows) * targetWidth);
    lossSum += host.evaluate(x, targets, rows, outputs.subarray(start * plan.outputs, (start + rows) * plan.outputs)).loss * rows;
    yield { kind: 'pause' };
  }
  return { loss: lossSum / data.rows, metrics: metricsOf(plan.loss, outputs, data.targets, data.rows, plan.outputs) };
}

/** The rates of batches [first, first + count) of the epoch into the plan. */
function fillRates(plan: LoopPlan, host: LoopHost, fitBatch: number, first: number, count: number): void {
  for (let b = first; b < first + count; b++) {
    const rate = plan.schedule.batchRate(fitBatch + b - first);
    if (rate !== null) host.learningRate = rate;
    plan.learningRates[b] = host.learningRate;
  }
}

export function* trainingLoop(
  host: LoopHost,
  plan: LoopPlan,
  rng: Rng,
  batchSizer: ChunkSizer,
): Generator<LoopStep, History, number> {
  const { rows, batchSize, epochs, order, stats } = plan;
  const perRow = predictionsPerRow(plan.loss, plan.outputs);
  const batches = Math.ceil(rows / batchSize);
  const history: History = {
    epochs: 0, loss: [], accuracy: [], valLoss: [], valAccuracy: [], learningRate: [],
    aborted: false, stoppedEarly: false, samplesPerSecond: 0,
  };
  const validationOutputs = plan.validation ? new Float32Array(plan.validation.rows * plan.outputs) : null;
  let trainedSamples = 0;
  let trainingSeconds = 0;
  let fitBatch = 0;

  for (let epoch = 1; epoch <= epochs && !history.aborted && !history.stoppedEarly; epoch++) {
    for (let i = 0; i < rows; i++) order[i] = i;
    if (plan.shuffle) rng.shuffle(order);
    host.trainer.beginEpoch();
    host.learningRate = plan.schedule.epochRate(host.epochsTrained + 1, host.learningRate);
    const epochRate = plan.schedule.batchRate(fitBatch) ?? host.learningRate;
    const started = performance.now();
    let lossSum = 0;
    let correct = 0;
    let samples = 0;
    for (let batch = 0; batch < batches; ) {
      if (plan.signal?.aborted) {
        history.aborted = true;
        break;
      }
      const count = Math.max(1, Math.min(batchSizer.next(batches - batch), batches - batch));
      fillRates(plan, host, fitBatch, batch, count);
      const chunkStarted = performance.now();
      const applied = yield { kind: 'train', first: batch, count };
      batchSizer.record(applied, (performance.now() - chunkStarted) / 1000);
      host.checkAlive();
      checkDivergence(host, plan, epoch, batch, applied, count);
      const elapsed = (performance.now() - started) / 1000;
      for (let j = 0; j < applied; j++) {
        const b = batch + j;
        const size = Math.min(batchSize, rows - b * batchSize);
        const loss = stats[2 * b];
        lossSum += loss * size;
        correct += stats[2 * b + 1];
        samples += size;
        const wait = awaitStep(
          plan.onBatchEnd?.({
            epoch,
            batch: b + 1,
            batches,
            loss,
            ...(perRow ? { accuracy: stats[2 * b + 1] / (size * perRow) } : {}),
            learningRate: plan.learningRates[b],
            size,
            samplesPerSecond: samples / elapsed,
          }),
        );
        if (wait) yield wait;
      }
      // Fewer batches than asked, all finite: stop() was called (abort or dispose).
      if (applied < count) history.aborted = true;
      batch += applied;
      fitBatch += applied;
      if (history.aborted) break;
    }
    const seconds = (performance.now() - started) / 1000;
    trainedSamples += samples;
    trainingSeconds += seconds;
    if (history.aborted) break;

    const log: EpochLog = { epoch, epochs, loss: lossSum / samples, learningRate: epochRate, samplesPerSecond: samples / seconds, seconds };
    history.loss.push(log.loss);
    history.learningRate.push(epochRate);
    if (perRow) {
      log.accuracy = correct / (samples * perRow);
      history.accuracy.push(log.accuracy);
    }
    if (plan.validation && validationOutputs) {
      const result = yield* scoreInBlocks(host, plan.validation, plan, validationOutputs);
      log.valLoss = result.loss;
      history.valLoss.push(result.loss);
      for (const name of metricNames(plan.loss, plan.outputs)) {
        const key = validationName(name);
        const value = result.metrics[name] as number;
        log[key] = value;
        (history[key] ??= []).push(value);
      }
    }
    history.epochs = epoch;
    host.epochsTrained++;
    const values = log as unknown as Record<string, number | undefined>;
    const reduced = plan.schedule.afterEpoch(values, host.learningRate);
    if (reduced !== null) host.learningRate = reduced;
    if (plan.earlyStopping) {
      const { improved, stop } = plan.earlyStopping.observe(values[plan.earlyStopping.monitor] as number);
      if (improved) {
        history.bestEpoch = epoch;
        host.keepBest();
      }
      history.stoppedEarly = stop;
    }
    if (plan.checkpoint?.due(values)) yield { kind: 'await', promise: host.saveCheckpoint(plan.checkpoint.path) };
    const wait = awaitStep(plan.onEpochEnd?.(log));
    if (wait) yield wait;
    host.checkAlive();
  }
  if (plan.earlyStopping?.restoreBestWeights && history.bestEpoch !== undefined && history.bestEpoch !== history.epochs) {
    host.restoreBest();
  }
  history.samplesPerSecond = trainingSeconds > 0 ? trainedSamples / trainingSeconds : 0;
  return history;
}
