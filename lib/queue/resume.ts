/**
 * Where a job starts, and what it leaves behind to restart from: its
 * checkpoint file, rewritten atomically after each epoch with the weights
 * and the training state (optimizer moments, learning rate and schedule,
 * RNG, epochs trained), the epochs done and their curves (in the file's
 * metadata). A job resumed from it trains bit for bit as the uninterrupted
 * run would have (same engine and BACKPROP_THREADS).
 */
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../io/atomic-file';
import { Network } from '../network';
import type { EpochLog, History } from '../training';
import { isPlainObject } from '../validate';
import type { TrainingJob } from './job';
import { LatestOnly } from './latest-only';

/** The checkpoint's __metadata__ key: { job, epochs, curves } as JSON. */
const CHECKPOINT_KEY = 'backprop.queue';

/** The per-epoch arrays of a History. */
type Curves = Pick<History, 'loss' | 'accuracy' | 'valLoss' | 'valAccuracy'>;

interface CheckpointRecord {
  job: string;
  epochs: number;
  curves: Curves;
}

export interface StartingPoint {
  network: Network;
  /** Epochs the checkpoint already holds (0 for a fresh start). */
  epochsDone: number;
  curves: Curves;
}

function emptyCurves(): Curves {
  return { loss: [], accuracy: [], valLoss: [], valAccuracy: [] };
}

async function readRecord(path: string, jobId: string): Promise<CheckpointRecord | null> {
  let metadata: Record<string, string>;
  try {
    metadata = await Network.readMetadata(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const text = metadata[CHECKPOINT_KEY];
  const record: unknown = text === undefined ? null : JSON.parse(text);
  // Another job's file (a reused path) is not ours to resume: start over and overwrite it.
  return isPlainObject(record) && record.job === jobId ? (record as unknown as CheckpointRecord) : null;
}

/** The job's checkpoint if it holds this job, else a new network from the job's options. */
export async function startingPoint(job: TrainingJob, jobId: string): Promise<StartingPoint> {
  const record = job.checkpoint === undefined ? null : await readRecord(job.checkpoint, jobId);
  if (record === null || job.checkpoint === undefined) return { network: new Network(job.network), epochsDone: 0, curves: emptyCurves() };
  const network = await Network.load(job.checkpoint, { backend: job.network.backend });
  return { network, epochsDone: record.epochs, curves: record.curves };
}

/** Curves of the epochs before this run, then this run's history, as one history. */
export function joinHistory(start: StartingPoint, run: History): History {
  return {
    ...run,
    epochs: start.epochsDone + run.epochs,
    loss: [...start.curves.loss, ...run.loss],
    accuracy: [...start.curves.accuracy, ...run.accuracy],
    valLoss: [...start.curves.valLoss, ...run.valLoss],
    valAccuracy: [...start.curves.valAccuracy, ...run.valAccuracy],
  };
}

/** Saves the network after each epoch, never more than one write at a time (the newest wins). */
export class CheckpointWriter {
  readonly #writes: LatestOnly<Uint8Array>;
  readonly #record: CheckpointRecord;

  constructor(path: string, jobId: string, start: StartingPoint) {
    this.#writes = new LatestOnly((bytes) => writeFileAtomic(path, bytes));
    this.#record = { job: jobId, epochs: start.epochsDone, curves: structuredClone(start.curves) };
  }

  /** Call from onEpochEnd: the bytes are taken now, the write happens in the background. */
  epochEnded(network: Network, log: EpochLog): void {
    const { curves } = this.#record;
    this.#record.epochs += 1;
    curves.loss.push(log.loss);
    if (log.accuracy !== undefined) curves.accuracy.push(log.accuracy);
    if (log.valLoss !== undefined) curves.valLoss.push(log.valLoss);
    if (log.valAccuracy !== undefined) curves.valAccuracy.push(log.valAccuracy);
    // onEpochEnd runs between chunks of batches: the training state is the epoch's.
    this.#writes.push(network.toBytes({ trainingState: true, metadata: { [CHECKPOINT_KEY]: JSON.stringify(this.#record) } }));
  }

  /** Waits for the last write; rejects if any write failed. */
  flush(): Promise<void> {
    return this.#writes.flush();
  }
}
