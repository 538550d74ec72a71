/**
 * `backprop/queue`: many trainings across processes and machines, on
 * BullMQ and Redis. A separate entry point, so that users of `backprop`
 * alone never load BullMQ.
 */
export { TrainingQueue } from './training-queue';
export type { TrainingQueueOptions, TrainingResult, JobStatus, JobStateName } from './training-queue';
export { TrainingWorker } from './training-worker';
export type { TrainingWorkerOptions, WorkerEvent } from './training-worker';
export type { TrainingJob, JobFitOptions, InlineData, FileData } from './job';
export type { JobMetrics } from './train-job';
export type { Connection, QueueAddress } from './connection';
export type { EncodedArray, Dtype } from './wire';
export { CancelledError, JobFailedError, JobTimeoutError } from './errors';
