/**
 * One job, start to end, independent of BullMQ: read its data, start from
 * its checkpoint or from scratch, fit the epochs still to run (reporting each
 * epoch), and return the model, the history and metrics on held-out data.
 */
import { lossName } from '../spec';
import type { Labels, Matrix } from '../data';
import { toRows, toTargets } from '../data';
import { fitOptions, type FitOptions } from '../fit-options';
import type { Evaluation, Network } from '../network';
import type { EpochLog, History } from '../training';
import { CancelledError } from './errors';
import type { TrainingJob } from './job';
import { readJobData, type JobData } from './job-data';
import { CheckpointWriter, joinHistory, startingPoint } from './resume';
import { decodeTypedArrays } from './wire';

export interface JobMetrics extends Evaluation {
  /** Which rows the metrics are measured on: the validation rows when the job has some, else the training rows. */
  data: 'validation' | 'training';
  rows: number;
}

/** What a finished job returns, as stored in Redis (the model as base64). */
export interface WireResult {
  model: string;
  history: History;
  metrics: JobMetrics;
  /** Epochs restored from the job's checkpoint (0: trained from scratch). */
  resumedFromEpoch: number;
}

export interface JobRun {
  id: string;
  /** Aborting stops training between batches; the job then ends with a CancelledError. */
  signal: AbortSignal;
  /** Each finished epoch, numbered across restarts (epoch of epochs). */
  progress(log: EpochLog): void;
}

/** The rows the job holds out: validationData, else the validationSplit rows (taken from the end, as fit does), else none. */
function heldOut(job: TrainingJob, data: JobData, network: Network): { x: Float32Array; y: Float32Array | Int32Array; rows: number } | null {
  const { validationData, validationSplit } = fitOptions(job.fit);
  const loss = lossName(network.options.loss);
  if (validationData) {
    const { data: x, rows } = toRows(validationData.x, 'job.fit.validationData.x', network.inputs);
    return { x, rows, y: toTargets(validationData.y as Matrix | Labels, 'job.fit.validationData.y', rows, network.outputs, loss) };
  }
  const rows = Math.floor(data.rows * validationSplit);
  if (rows === 0) return null;
  const start = data.rows - rows;
  const width = data.y instanceof Int32Array ? 1 : network.outputs;
  return { x: data.x.slice(start * network.inputs, data.rows * network.inputs), y: data.y.slice(start * width, data.rows * width), rows };
}

function metricsOf(job: TrainingJob, data: JobData, network: Network): JobMetrics {
  const validation = heldOut(job, data, network);
  if (validation !== null) return { ...network.evaluate(validation.x, validation.y), data: 'validation', rows: validation.rows };
  return { ...network.evaluate(data.x, data.y), data: 'training', rows: data.rows };
}

export async function trainJob(payload: unknown, run: JobRun): Promise<WireResult> {
  const job = decodeTypedArrays(payload, 'job') as TrainingJob;
  const start = await startingPoint(job, run.id);
  const { network, epochsDone } = start;
  try {
    const data = await readJobData(job.data, network);
    const epochs = fitOptions(job.fit).epochs;
    const checkpoint = job.checkpoint === undefined ? null : new CheckpointWriter(job.checkpoint, run.id, start);
    // A job killed after its last checkpoint but before it reported has nothing left to train.
    const remaining = epochs - epochsDone;
    let history: History = {
      epochs: 0, loss: [], accuracy: [], valLoss: [], valAccuracy: [], learningRate: [],
      aborted: false, stoppedEarly: false, samplesPerSecond: 0,
    };
    try {
      if (remaining > 0) {
        history = await network.fit(data.x, data.y, {
          // Decoded: validationData holds real arrays again.
          ...(job.fit as FitOptions | undefined),
          epochs: remaining,
          signal: run.signal,
          onEpochEnd: (log) => {
            checkpoint?.epochEnded(network, log);
            run.progress({ ...log, epoch: epochsDone + log.epoch, epochs });
          },
        });
      }
    } catch (error) {
      await checkpoint?.flush().catch(() => undefined);
      throw error;
    }
    await checkpoint?.flush();
    if (history.aborted) throw new CancelledError(`job ${run.id} was cancelled after epoch ${epochsDone + history.epochs} of ${epochs}`);
    return {
      model: Buffer.from(network.toBytes()).toString('base64'),
      history: joinHistory(start, history),
      metrics: metricsOf(job, data, network),
      resumedFromEpoch: epochsDone,
    };
  } finally {
    network.dispose();
  }
}
