/**
 * A training job as producers write it, and its check before it is queued:
 * the same resolvers (and so the same typed errors) as `new Network` and
 * `fit`, then typed arrays encoded for BullMQ's JSON.
 */
import { FORMATS, type DataFormat } from '../cli/data-source';
import { toRows, toTargets, type Matrix } from '../data';
import { ArgumentError } from '../errors';
import { fitOptions, type FitOptions } from '../fit-options';
import type { TargetInput } from '../network';
import { resolveNetworkOptions, type NetworkOptions } from '../spec';
import { checkKeys, checkObject, checkOneOf, fail } from '../validate';
import { decodeTypedArrays, encodeTypedArrays, type EncodedArray } from './wire';

/** fit() options a job can carry: everything but callbacks and the signal (the worker owns those). */
export type JobFitOptions = Omit<FitOptions, 'signal' | 'onEpochEnd' | 'onBatchEnd' | 'validationData'> & {
  validationData?: { x: Matrix | EncodedArray; y: TargetInput | EncodedArray };
};

/** Data sent with the job: rows, flat typed arrays (sent as base64), or their encoded form. */
export interface InlineData {
  x: Matrix | EncodedArray;
  y: TargetInput | EncodedArray;
}

/** A file every worker can read, in any format the CLI reads (CSV, JSON lines, IDX). */
export interface FileData {
  path: string;
  /** Default: from the file name, as the CLI decides. */
  format?: DataFormat;
  /** Target column of CSV / JSON lines; default the last. */
  target?: string;
  /** IDX labels file, for IDX data. */
  labels?: string;
}

export interface TrainingJob {
  network: NetworkOptions;
  fit?: JobFitOptions;
  data: InlineData | FileData;
  /** A path every worker can write and read: the job's progress is saved there after each epoch, and a restarted job resumes from it. */
  checkpoint?: string;
}

const CALLBACK_KEYS = ['signal', 'onEpochEnd', 'onBatchEnd'];

export function isFileData(data: InlineData | FileData): data is FileData {
  return 'path' in data;
}

function checkPath(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') fail(name, 'a non-empty string', value);
  return value;
}

function checkFileData(data: Record<string, unknown>): void {
  checkKeys(data, 'job.data', ['path', 'format', 'target', 'labels']);
  checkPath(data.path, 'job.data.path');
  if (data.format !== undefined) checkOneOf<DataFormat>(data.format, 'job.data.format', FORMATS);
  if (data.target !== undefined) checkPath(data.target, 'job.data.target');
  if (data.labels !== undefined) checkPath(data.labels, 'job.data.labels');
}

/** Checks x and y as fit() would (shapes, types, label ranges, finiteness). */
function checkInlineData(data: Record<string, unknown>, name: string, inputs: number, outputs: number, loss: string): void {
  checkKeys(data, name, ['x', 'y']);
  const { rows } = toRows(data.x, `${name}.x`, inputs);
  toTargets(data.y, `${name}.y`, rows, outputs, loss);
}

/**
 * Validates a job and returns it as JSON-ready data. The seed is fixed here
 * (a random one when none is given), so that every worker, and every restart
 * of the job, trains from the same initial weights.
 */
export function prepareJob(value: unknown): Record<string, unknown> {
  const job = checkObject(value, 'job');
  checkKeys(job, 'job', ['network', 'fit', 'data', 'checkpoint']);
  const decoded = decodeTypedArrays(job, 'job') as Record<string, unknown>;
  const { spec, seed } = resolveNetworkOptions(decoded.network);
  const outputs = spec.layers[spec.layers.length - 1].units;
  const fit = decoded.fit === undefined ? {} : checkObject(decoded.fit, 'job.fit');
  const callback = CALLBACK_KEYS.find((key) => key in fit);
  if (callback !== undefined) {
    throw new ArgumentError(`job.fit.${callback} cannot be queued: the worker owns callbacks and the signal (use TrainingQueue.status and cancel)`);
  }
  const resolved = fitOptions(fit);
  if (resolved.validationData) checkInlineData(checkObject(fit.validationData, 'job.fit.validationData'), 'job.fit.validationData', spec.inputs, outputs, spec.loss);
  const data = checkObject(decoded.data, 'job.data');
  if ('path' in data) checkFileData(data);
  else checkInlineData(data, 'job.data', spec.inputs, outputs, spec.loss);
  if (job.checkpoint !== undefined) checkPath(job.checkpoint, 'job.checkpoint');
  return encodeTypedArrays({ ...job, network: { ...(job.network as object), seed } }) as Record<string, unknown>;
}
