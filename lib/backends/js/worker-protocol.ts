/** What the js backend's training thread is given, and what it answers per `train` call. */
import type { ModelSpec } from '../../model-spec';
import type { TrainingPlan } from '../backend';
import type { OptimizerState } from './optimizers';

/** workerData: every array is shared with the JS thread, none is copied. */
export interface WorkerSetup {
  readonly spec: ModelSpec;
  readonly params: Float32Array;
  readonly optimizer: OptimizerState;
  readonly plan: TrainingPlan;
  readonly stopFlag: Int32Array;
}

/** Posted to the worker: train batches [first, first + count) of the epoch. */
export interface WorkerRequest {
  readonly first: number;
  readonly count: number;
}

export type WorkerReply = { readonly kind: 'done'; readonly applied: number } | { readonly kind: 'failed'; readonly message: string };
