/**
 * TrainingWorker: takes training jobs from a BullMQ queue and trains them,
 * `concurrency` at a time. fit() runs off the event loop, so BullMQ's lock
 * renewal keeps running during long epochs; a worker that dies mid-job
 * loses its lock, and BullMQ's stalled-job check hands the job to another
 * worker, which resumes from the job's checkpoint.
 */
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { checkFunction, checkInteger } from '../validate';
import { cancelKey, queueAddress, type QueueAddress } from './connection';
import { CancelledError } from './errors';
import { failedReason } from './failure';
import { LatestOnly } from './latest-only';
import type { EpochLog } from '../training';
import { trainJob, type WireResult } from './train-job';

export interface TrainingWorkerOptions extends QueueAddress {
  /** Jobs trained at once by this worker; default 1. Give each worker BACKPROP_THREADS × concurrency ≤ its cores. */
  concurrency?: number;
  /** How long a job's lock lasts without renewal (BullMQ's lockDuration); default 30000 ms. A dead worker's job is handed on after about this long. */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs of dead workers (BullMQ's stalledInterval); default 30000 ms. One worker's check holds off the others' for its own interval: give all workers of a queue the same. */
  stalledIntervalMs?: number;
  /** What the worker does, one event at a time (the CLI prints them). */
  onEvent?: (event: WorkerEvent) => void;
}

export type WorkerEvent =
  | { type: 'started' | 'completed' | 'requeued'; jobId: string }
  | { type: 'failed'; jobId: string; reason: string }
  | { type: 'error'; message: string };

/** How often running jobs are checked for a cancellation mark. */
const CANCEL_POLL_MS = 200;

const SHUTDOWN = 'shutdown';

interface Running {
  readonly stop: AbortController;
  /** Jobs with a checkpoint stop at shutdown and go back to the queue; others finish. */
  readonly requeueAtShutdown: boolean;
}

export class TrainingWorker {
  readonly #worker: Worker;
  readonly #running = new Map<string, Running>();
  readonly #cancelPoll: NodeJS.Timeout;
  readonly #onEvent: (event: WorkerEvent) => void;
  #closing: Promise<void> | null = null;

  constructor(options: TrainingWorkerOptions) {
    const { options: checked, connection, name, prefix } = queueAddress(options, ['concurrency', 'lockDurationMs', 'stalledIntervalMs', 'onEvent']);
    const concurrency = checkInteger(checked.concurrency ?? 1, 'options.concurrency', 1, 1024);
    const lockDuration = checkInteger(checked.lockDurationMs ?? 30_000, 'options.lockDurationMs', 100);
    const stalledInterval = checkInteger(checked.stalledIntervalMs ?? 30_000, 'options.stalledIntervalMs', 100);
    this.#onEvent = checked.onEvent === undefined ? () => undefined : (checkFunction(checked.onEvent, 'options.onEvent') as (event: WorkerEvent) => void);
    this.#worker = new Worker(name, (job: Job, token?: string) => this.#process(job, token), {
      connection,
      prefix,
      concurrency,
      lockDuration,
      stalledInterval,
    });
    // An 'error' without a listener would throw; connection errors (a Redis restart) are reported and retried.
    this.#worker.on('error', (error) => this.#onEvent({ type: 'error', message: error.message }));
    this.#worker.on('completed', (job) => this.#onEvent({ type: 'completed', jobId: String(job.id) }));
    this.#worker.on('failed', (job, error) => {
      if (job !== undefined) this.#onEvent({ type: 'failed', jobId: String(job.id), reason: error.message });
    });
    this.#cancelPoll = setInterval(() => void this.#pollCancellations(), CANCEL_POLL_MS).unref();
  }

  /** Resolves once the worker is connected and taking jobs. */
  async ready(): Promise<void> {
    await this.#worker.waitUntilReady();
  }

  async #cancelled(jobId: string): Promise<boolean> {
    const client = await this.#worker.getBackend().client;
    return (await client.get(cancelKey(this.#worker, jobId))) !== null;
  }

  async #pollCancellations(): Promise<void> {
    for (const [jobId, running] of this.#running) {
      try {
        if (await this.#cancelled(jobId)) running.stop.abort('cancel');
      } catch {
        // Redis unreachable: the next poll tries again.
      }
    }
  }

  async #process(job: Job, token: string | undefined): Promise<WireResult> {
    const jobId = String(job.id);
    const running: Running = { stop: new AbortController(), requeueAtShutdown: typeof (job.data as { checkpoint?: unknown }).checkpoint === 'string' };
    this.#running.set(jobId, running);
    this.#onEvent({ type: 'started', jobId });
    const progress = new LatestOnly<EpochLog>((log) => job.updateProgress({ ...log }));
    try {
      if (await this.#cancelled(jobId)) throw new CancelledError(`job ${jobId} was cancelled before it started`);
      if (this.#closing !== null && running.requeueAtShutdown) running.stop.abort(SHUTDOWN);
      return await trainJob(job.data, { id: jobId, signal: running.stop.signal, progress: (log) => progress.push(log) });
    } catch (error) {
      if (running.stop.signal.reason === SHUTDOWN && error instanceof CancelledError) {
        // Back to the queue, for this worker's successor to resume from the checkpoint.
        await job.moveToWait(token);
        this.#onEvent({ type: 'requeued', jobId });
        throw new WaitingError();
      }
      // Unrecoverable: a job that failed on its data or diverged would fail again.
      throw new UnrecoverableError(failedReason(error));
    } finally {
      this.#running.delete(jobId);
      // Progress is advisory: a report lost to a Redis outage does not fail the job.
      await progress.flush().catch(() => undefined);
    }
  }

  /**
   * Stops taking jobs, then: jobs with a checkpoint stop after their current
   * batch and go back to the queue (their checkpoint holds the last finished
   * epoch); jobs without one are finished. Resolves when all is done.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const running of this.#running.values()) if (running.requeueAtShutdown) running.stop.abort(SHUTDOWN);
      await this.#worker.close();
      clearInterval(this.#cancelPoll);
    })();
    return this.#closing;
  }
}

