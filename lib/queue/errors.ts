/** Errors of the training queue, beside the library's own (lib/errors.ts). */
import { BackpropError } from '../errors';

/** A job was cancelled (TrainingQueue.cancel) before it finished. */
export class CancelledError extends BackpropError {}

/** TrainingQueue.result gave up waiting: the job had not finished within timeoutMs. */
export class JobTimeoutError extends BackpropError {}

/**
 * A job ended failed. `name` and `message` are those of the error the worker
 * hit (e.g. 'DivergenceError', 'ShapeError', 'CancelledError'); `jobId` says which job.
 */
export class JobFailedError extends BackpropError {
  constructor(
    readonly jobId: string,
    name: string,
    message: string,
  ) {
    super(message);
    this.name = name;
  }
}
