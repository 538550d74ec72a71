/** fit()/fitSync() options, their defaults and their checks. */
import type { Labels, Matrix } from './data';
import { ArgumentError } from './errors';
import type { BatchLog, EpochLog } from './training';
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
  /** Stops training between batches when aborted. */
  signal?: AbortSignal;
  /** Called after each epoch. An exception stops fit and is rethrown. */
  onEpochEnd?: (log: EpochLog) => void;
  /** Called after each batch (after each chunk of batches, with one call per batch, for the native engine). */
  onBatchEnd?: (log: BatchLog) => void;
  /** Path of a JSON-lines run log to append to: a header line, then one line per finished epoch (lib/run-log.ts). */
  log?: string;
}

export interface ResolvedFitOptions {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  validationSplit: number;
  validationData?: { x: Matrix; y: Matrix | Labels };
  signal?: AbortSignal;
  onEpochEnd?: (log: EpochLog) => void;
  onBatchEnd?: (log: BatchLog) => void;
  log?: string;
}

const KEYS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'signal', 'onEpochEnd', 'onBatchEnd', 'log'];

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
  if (options.signal !== undefined) {
    if (!(options.signal instanceof AbortSignal)) fail('options.signal', 'an AbortSignal', options.signal);
    resolved.signal = options.signal;
  }
  if (options.onEpochEnd !== undefined) {
    resolved.onEpochEnd = checkFunction(options.onEpochEnd, 'options.onEpochEnd') as (log: EpochLog) => void;
  }
  if (options.onBatchEnd !== undefined) {
    resolved.onBatchEnd = checkFunction(options.onBatchEnd, 'options.onBatchEnd') as (log: BatchLog) => void;
  }
  if (options.log !== undefined) {
    if (typeof options.log !== 'string' || options.log === '') fail('options.log', 'a non-empty string (a file path)', options.log);
    resolved.log = options.log;
  }
  return resolved;
}
