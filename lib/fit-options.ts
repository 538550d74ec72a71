/** fit()/fitSync() options, their defaults and their checks. */
import type { Labels, Matrix } from './data';
import type { CheckpointOptions } from './checkpoint';
import type { EarlyStoppingOptions } from './early-stopping';
import type { ScheduleOptions } from './schedules';
import { ArgumentError } from './errors';
import type { BatchLog, EpochLog } from './training';
import type { ModelSpec } from './model-spec';
import { checkBoolean, checkFunction, checkInteger, checkKeys, checkNumber, checkObject, fail } from './validate';

export interface FitOptions {
  /** Passes over the training data; default 1. */
  epochs?: number;
  /** Samples per optimizer step; default 32. The last batch of an epoch may be smaller. */
  batchSize?: number;
  /** Visit samples in a new seeded random order each epoch; default true. */
  shuffle?: boolean;
  /** Fraction in [0, 1) of the samples, taken from the end before any shuffling, held out for validation; default 0. */
  validationSplit?: number;
  /** Held-out data evaluated after each epoch (instead of validationSplit). */
  validationData?: { x: Matrix; y: Matrix | Labels };
  /** One finite weight ≥ 0 per row of x: each batch's loss is the weighted mean Σ wᵢ·lᵢ / Σ wᵢ. */
  sampleWeight?: ArrayLike<number>;
  /** One weight ≥ 0 per class (crossEntropy; binaryCrossEntropy with one output: [class 0, class 1]), multiplying each row's weight. */
  classWeight?: ArrayLike<number>;
  /** A learning-rate schedule (PyTorch's schedulers), stepped per epoch (oneCycle: per batch). */
  schedule?: ScheduleOptions;
  /** Write the model with its training state after each epoch (or each improvement), atomically: a crashed run resumes from it with Network.load. fit() only. */
  checkpoint?: CheckpointOptions;
  /** Stop when a logged value stops improving (Keras's EarlyStopping, best weights restored by default). */
  earlyStopping?: EarlyStoppingOptions;
  /** Stops training between batches when aborted. */
  signal?: AbortSignal;
  /** Called after each epoch. An exception, or a rejection of the promise it returns, stops fit and is rethrown. */
  onEpochEnd?: (log: EpochLog) => void | Promise<void>;
  /** Called after each batch (both backends train chunks of batches off the JS thread and report each chunk's batches when it returns). */
  onBatchEnd?: (log: BatchLog) => void | Promise<void>;
  /** Path of a JSON-lines run log to append to: a header line, then one line per finished epoch (lib/run-log.ts). */
  log?: string;
}

export interface ResolvedFitOptions {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  validationSplit: number;
  validationData?: { x: Matrix; y: Matrix | Labels };
  /** Checked when the fit knows its data (lib/row-weights.ts, lib/schedules.ts, lib/early-stopping.ts). */
  sampleWeight?: unknown;
  classWeight?: unknown;
  checkpoint?: unknown;
  schedule?: unknown;
  earlyStopping?: unknown;
  signal?: AbortSignal;
  onEpochEnd?: (log: EpochLog) => void | Promise<void>;
  onBatchEnd?: (log: BatchLog) => void | Promise<void>;
  log?: string;
}

const KEYS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'sampleWeight', 'classWeight', 'schedule', 'earlyStopping', 'checkpoint', 'signal', 'onEpochEnd', 'onBatchEnd', 'log'];

export function fitOptions(value: unknown): ResolvedFitOptions {
  const options = value === undefined ? {} : checkObject(value, 'options');
  checkKeys(options, 'options', KEYS);
  const resolved: ResolvedFitOptions = {
    epochs: checkInteger(options.epochs ?? 1, 'options.epochs', 1, 1e9),
    batchSize: checkInteger(options.batchSize ?? 32, 'options.batchSize', 1, 2 ** 31 - 1),
    shuffle: checkBoolean(options.shuffle ?? true, 'options.shuffle'),
    validationSplit: checkNumber(options.validationSplit ?? 0, 'options.validationSplit', { min: 0, max: 1, maxExclusive: true }),
  };
  if (options.validationData !== undefined) {
    if (resolved.validationSplit > 0) {
      throw new ArgumentError('options.validationData and options.validationSplit cannot both be given');
    }
    const data = checkObject(options.validationData, 'options.validationData');
    checkKeys(data, 'options.validationData', ['x', 'y']);
    resolved.validationData = { x: data.x as Matrix, y: data.y as Matrix | Labels };
  }
  resolved.sampleWeight = options.sampleWeight;
  resolved.classWeight = options.classWeight;
  resolved.schedule = options.schedule;
  resolved.earlyStopping = options.earlyStopping;
  resolved.checkpoint = options.checkpoint;
  if (options.signal !== undefined) {
    if (!(options.signal instanceof AbortSignal)) fail('options.signal', 'an AbortSignal', options.signal);
    resolved.signal = options.signal;
  }
  if (options.onEpochEnd !== undefined) {
    resolved.onEpochEnd = checkFunction(options.onEpochEnd, 'options.onEpochEnd') as (log: EpochLog) => void | Promise<void>;
  }
  if (options.onBatchEnd !== undefined) {
    resolved.onBatchEnd = checkFunction(options.onBatchEnd, 'options.onBatchEnd') as (log: BatchLog) => void | Promise<void>;
  }
  if (options.log !== undefined) {
    if (typeof options.log !== 'string' || options.log === '') fail('options.log', 'a non-empty string (a file path)', options.log);
    resolved.log = options.log;
  }
  return resolved;
}

/** The first batch-normalized layer's index, or -1: such a layer needs batches of 2 rows or more in training mode. */
function batchNormalizedLayer(spec: ModelSpec): number {
  return spec.layers.findIndex((layer) => layer.normalization?.type === 'batch');
}

/** trainBatch and computeGradients: batch normalization in training mode cannot normalise one row (PyTorch raises too). */
export function checkBatchRows(spec: ModelSpec, rows: number, call: string): void {
  const layer = batchNormalizedLayer(spec);
  if (layer >= 0 && rows < 2) {
    throw new ArgumentError(
      `${call} of ${rows} row: layers[${layer}] has batch normalization, which needs at least 2 rows per batch in training mode (predict takes one row)`,
    );
  }
}

/**
 * fit: refuses, before training starts, a batch size that leaves a batch of
 * one row (batch normalization cannot normalise it), naming the nearest
 * batch sizes that work for these training rows.
 */
export function checkFitBatches(spec: ModelSpec, trainRows: number, batchSize: number): void {
  const layer = batchNormalizedLayer(spec);
  const lastRows = trainRows - (Math.ceil(trainRows / batchSize) - 1) * batchSize;
  if (layer < 0 || lastRows !== 1) return;
  const works = (size: number) => size >= 2 && (size >= trainRows || trainRows % size !== 1);
  let below = batchSize - 1;
  while (below >= 2 && !works(below)) below--;
  let above = batchSize + 1;
  while (above < trainRows && !works(above)) above++;
  const sizes = [below >= 2 ? below : null, above <= trainRows && works(above) ? above : null].filter((s) => s !== null);
  const advice =
    trainRows < 2
      ? 'no batch size works: fit needs at least 2 training rows'
      : `batch sizes that work here leave no batch of 1 row, such as ${sizes.join(' or ')}`;
  throw new ArgumentError(
    `options.batchSize ${batchSize} leaves a batch of 1 row of the ${trainRows} training rows; layers[${layer}] has batch normalization, ` +
      `which needs at least 2 rows per batch in training mode: ${advice}`,
  );
}
