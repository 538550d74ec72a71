/**
 * TrainingQueue: the producer's side. Adds checked training jobs to a
 * BullMQ queue, reports their state and progress, waits for their results,
 * and cancels them.
 */
import { Queue, type Job } from 'bullmq';
import { ArgumentError } from '../errors';
import type { History, EpochLog } from '../training';
import { checkInteger, checkKeys, checkObject, fail } from '../validate';
import { CANCEL_MARK_SECONDS, cancelKey, queueAddress, type QueueAddress } from './connection';
import { JobTimeoutError } from './errors';
import { jobFailure } from './failure';
import { prepareJob, type TrainingJob } from './job';
import type { JobMetrics, WireResult } from './train-job';

export type TrainingQueueOptions = QueueAddress;

export interface TrainingResult {
  /** The safetensors bytes save() would write: `Network.fromBytes(model)` loads them. */
  model: Uint8Array;
  /** Every epoch of the job, those before a restart included. */
  history: History;
  /** evaluate() of the final model on the job's validation rows, or on its training rows when it has none. */
  metrics: JobMetrics;
  /** Epochs restored from the job's checkpoint after a restart (0: trained in one go). */
  resumedFromEpoch: number;
}

export type JobStateName = 'waiting' | 'active' | 'delayed' | 'prioritized' | 'completed' | 'failed';

export interface JobStatus {
  id: string;
  state: JobStateName | 'unknown';
  /** The last finished epoch's log (epoch numbers count across restarts), or null before the first. */
  progress: EpochLog | null;
  /** For a failed job: the name and message of the error the worker hit. */
  error?: { name: string; message: string };
  createdAt: number;
  finishedAt?: number;
}

const STATES: readonly JobStateName[] = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'];
const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;

function checkJobId(id: unknown): string {
  if (typeof id !== 'string' || id === '') fail('id', 'a job id (a non-empty string)', id);
  return id;
}

function progressOf(job: Job): EpochLog | null {
  const progress: unknown = job.progress;
  return typeof progress === 'object' && progress !== null ? (progress as EpochLog) : null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class TrainingQueue {
  readonly #queue: Queue;

  constructor(options: TrainingQueueOptions) {
    const { connection, name, prefix } = queueAddress(options, []);
    this.#queue = new Queue(name, { connection, prefix });
    // An 'error' without a listener would throw; calls that fail reject on their own.
    this.#queue.on('error', () => undefined);
  }

  /**
   * Checks the job (the same typed errors as `new Network` and `fit`), then
   * queues it; resolves with its id. `options.jobId` chooses the id (adding
   * an id that exists already adds nothing).
   */
  async add(job: TrainingJob, options?: { jobId?: string }): Promise<string> {
    const payload = prepareJob(job);
    const checked = options === undefined ? {} : checkObject(options, 'options');
    checkKeys(checked, 'options', ['jobId']);
    const jobId = checked.jobId === undefined ? undefined : checkJobId(checked.jobId);
    const added = await this.#queue.add('train', payload, { jobId, attempts: 1 });
    return String(added.id);
  }

  async #job(id: string): Promise<Job | undefined> {
    return (await this.#queue.getJob(id)) as Job | undefined;
  }

  #statusOf(job: Job, state: string): JobStatus {
    const status: JobStatus = {
      id: String(job.id),
      state: (STATES as readonly string[]).includes(state) ? (state as JobStateName) : 'unknown',
      progress: progressOf(job),
      createdAt: job.timestamp,
    };
    if (job.finishedOn !== undefined) status.finishedAt = job.finishedOn;
    if (state === 'failed') {
      const { name, message } = jobFailure(status.id, job.failedReason);
      status.error = { name, message };
    }
    return status;
  }

  /**
   * State and progress of one job. Rejects with an ArgumentError for an id
   * the queue does not hold (a JobFailedError named CancelledError for a job
   * cancelled before it started).
   */
  async status(id: string): Promise<JobStatus> {
    const job = await this.#job(checkJobId(id));
    if (job === undefined) throw await this.#missing(id);
    return this.#statusOf(job, await job.getState());
  }

  /** Jobs in the given states (default all), newest first within each state. */
  async list(states: readonly JobStateName[] = STATES): Promise<JobStatus[]> {
    if (!Array.isArray(states)) fail('states', `an array of ${STATES.join(', ')}`, states);
    for (const [i, state] of states.entries()) if (!STATES.includes(state)) fail(`states[${i}]`, `one of ${STATES.join(', ')}`, state);
    const lists = await Promise.all(
      states.map(async (state) => ((await this.#queue.getJobs([state])) as Job[]).map((job) => this.#statusOf(job, state))),
    );
    return lists.flat();
  }

  async #missing(id: string): Promise<Error> {
    const client = await this.#queue.getBackend().client;
    if ((await client.get(cancelKey(this.#queue, id))) !== null) return jobFailure(id, `CancelledError: job ${id} was cancelled before it started`);
    return new ArgumentError(`the queue "${this.#queue.name}" holds no job "${id}"`);
  }

  /**
   * Waits for the job to finish: resolves with its result, or rejects with a
   * JobFailedError carrying the worker's error name and message (a
   * JobTimeoutError after `timeoutMs`). Redis being unreachable for a while
   * is waited out.
   */
  async result(id: string, options?: { timeoutMs?: number }): Promise<TrainingResult> {
    checkJobId(id);
    const checked = options === undefined ? {} : checkObject(options, 'options');
    checkKeys(checked, 'options', ['timeoutMs']);
    const timeoutMs = checked.timeoutMs === undefined ? Infinity : checkInteger(checked.timeoutMs, 'options.timeoutMs', 0);
    const deadline = Date.now() + timeoutMs;
    let pause = FIRST_POLL_MS;
    let lastError: unknown = null;
    for (;;) {
      let job: Job | undefined;
      let state = 'unreachable';
      try {
        // State first: a job read before its state could predate its result.
        state = await this.#queue.getJobState(id);
        if (state === 'unknown') throw await this.#missing(id);
        if (state === 'completed' || state === 'failed') job = await this.#job(id);
      } catch (error) {
        if (!isConnectionError(error)) throw error;
        lastError = error;
      }
      if (job !== undefined && state === 'completed') return decodeResult(job.returnvalue as WireResult);
      if (job !== undefined && state === 'failed') throw jobFailure(id, job.failedReason);
      if (Date.now() >= deadline) {
        const why = lastError === null ? '' : ` (last Redis error: ${(lastError as Error).message})`;
        throw new JobTimeoutError(`job ${id} did not finish within ${timeoutMs} ms${why}`);
      }
      await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
      pause = Math.min(MAX_POLL_MS, pause * 2);
    }
  }

  /**
   * Cancels a job: a waiting job is removed, a running one stops after its
   * current batch and ends failed with a CancelledError. Resolves false when
   * the job had already finished (or never existed).
   */
  async cancel(id: string): Promise<boolean> {
    const job = await this.#job(checkJobId(id));
    if (job === undefined) return false;
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return false;
    const client = await this.#queue.getBackend().client;
    // Mark first: a worker that takes the job from now on sees the mark, so removal cannot race it.
    await client.set(cancelKey(this.#queue, id), '1', { EX: CANCEL_MARK_SECONDS });
    await this.#queue.remove(id);
    return true;
  }

  async close(): Promise<void> {
    await this.#queue.close();
  }
}

/** Errors of ioredis while Redis is down or restarting (not a bug of ours or a bad argument). */
function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    error.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|LOADING|ECONNREFUSED|ECONNRESET/.test(error.message)
  );
}

function decodeResult(wire: WireResult): TrainingResult {
  return { ...wire, model: new Uint8Array(Buffer.from(wire.model, 'base64')) };
}
