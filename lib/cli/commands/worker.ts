/**
 * `backprop worker`: a TrainingWorker on a Redis queue, one line per job
 * event on stdout. SIGTERM or SIGINT: jobs with a checkpoint stop after
 * their batch and go back to the queue, the others finish; then exit 0.
 */
import { Command } from 'commander';
import { info } from '../../index';
import type { WorkerEvent } from '../../queue/index';
import { integer } from '../options';

interface WorkerOptions {
  redis: string;
  queue: string;
  concurrency: number;
  lockDuration: number;
  stalledInterval: number;
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('train the jobs of a BullMQ queue on Redis (added with TrainingQueue from backprop/queue)')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379')
    .requiredOption('--queue <name>', 'queue name')
    .option('--concurrency <n>', 'jobs trained at once (size BACKPROP_THREADS × n to the cores)', integer(1), 1)
    .option('--lock-duration <ms>', "a job's lock; a dead worker's jobs move on after about this long", integer(100), 30_000)
    .option('--stalled-interval <ms>', "how often to look for dead workers' jobs", integer(100), 30_000)
    .action((options: WorkerOptions) => work(options));
}

function line(event: WorkerEvent): string {
  switch (event.type) {
    case 'failed':
      return `job ${event.jobId} failed: ${event.reason}`;
    case 'error':
      return `error: ${event.message}`;
    default:
      return `job ${event.jobId} ${event.type}`;
  }
}

async function work(options: WorkerOptions): Promise<void> {
  // Loaded here: the other commands never load BullMQ.
  const { TrainingWorker } = await import('../../queue/index');
  const worker = new TrainingWorker({
    connection: options.redis,
    name: options.queue,
    concurrency: options.concurrency,
    lockDurationMs: options.lockDuration,
    stalledIntervalMs: options.stalledInterval,
    onEvent: (event) => process.stdout.write(`${line(event)}\n`),
  });
  const stopped = new Promise<string>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });
  await Promise.race([worker.ready(), stopped]);
  const { backend, threads } = info();
  process.stderr.write(`worker on queue ${options.queue} at ${options.redis}: concurrency ${options.concurrency}, ${backend} engine, ${threads} threads\n`);
  const signal = await stopped;
  process.stderr.write(`${signal}: requeueing checkpointed jobs, finishing the others\n`);
  await worker.close();
  process.stderr.write('worker stopped\n');
}
