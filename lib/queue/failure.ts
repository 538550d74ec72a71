/**
 * How a failure crosses Redis: BullMQ keeps only an error's message (the
 * job's failedReason), so the worker stores "Name: message" and the
 * producer splits it again.
 */
import { JobFailedError } from './errors';

export function failedReason(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `Error: ${String(error)}`;
}

export function jobFailure(jobId: string, reason: string | undefined): JobFailedError {
  const match = /^(\w+): ([\s\S]*)$/.exec(reason ?? '');
  return match === null ? new JobFailedError(jobId, 'Error', reason ?? 'unknown failure') : new JobFailedError(jobId, match[1], match[2]);
}
