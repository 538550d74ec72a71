/** Redis connection and queue-name options shared by TrainingQueue and TrainingWorker. */
import type { ConnectionOptions, QueueBase } from 'bullmq';
import { checkKeys, checkObject, fail } from '../validate';

/** A redis:// URL, or anything BullMQ accepts as a connection (e.g. { host, port }). */
export type Connection = string | ConnectionOptions;

export interface QueueAddress {
  connection: Connection;
  /** The BullMQ queue name: producers and workers of one queue use the same. */
  name: string;
  /** BullMQ key prefix; default 'bull'. */
  prefix?: string;
}

/** Checks the options shared by queue and worker; returns them ready for BullMQ. */
export function queueAddress(value: unknown, extra: readonly string[]): { options: Record<string, unknown>; connection: ConnectionOptions; name: string; prefix?: string } {
  const options = checkObject(value, 'options');
  checkKeys(options, 'options', ['connection', 'name', 'prefix', ...extra]);
  const { connection, name, prefix } = options;
  if (typeof name !== 'string' || name === '' || name.includes(':')) fail('options.name', 'a non-empty queue name without ":"', name);
  if (prefix !== undefined && (typeof prefix !== 'string' || prefix === '')) fail('options.prefix', 'a non-empty string', prefix);
  if (typeof connection === 'string') return { options, connection: { url: connection }, name, prefix };
  if (typeof connection !== 'object' || connection === null) fail('options.connection', 'a redis:// URL or BullMQ connection options', connection);
  return { options, connection: connection as ConnectionOptions, name, prefix };
}

/** The Redis key that marks a job as cancelled; it outlives the job's removal by a week. */
export function cancelKey(queue: QueueBase, jobId: string): string {
  return queue.toKey(`${jobId}:cancelled`);
}

export const CANCEL_MARK_SECONDS = 7 * 24 * 3600;
