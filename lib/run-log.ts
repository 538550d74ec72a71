/**
 * fit's `log` option: a JSON-lines run log. One header line when training
 * starts (network summary, architecture, options), then one line per
 * finished epoch with every number the epoch log holds. Each line is one
 * append (a single write to the file, no buffering in the process), so a
 * process killed mid-run leaves every finished epoch in the file. A file
 * that already exists is appended to: each header starts another run.
 */
import { appendFileSync } from 'node:fs';
import type { ResolvedFitOptions } from './fit-options';
import { version } from './info';
import type { Network } from './network';
import { summary } from './summary';
import type { EpochLog } from './training';

export interface RunHeader {
  type: 'run';
  /** Version of backprop that trained. */
  backprop: string;
  /** ISO 8601 time the fit started. */
  started: string;
  backend: string;
  seed: number;
  parameters: number;
  /** The text table of `summary()`. */
  summary: string;
  /** The options that rebuild the architecture (inputs, layers, loss, optimizer). */
  network: Network['options'];
  /** fit's options with their defaults; callbacks and the signal left out, arrays of data described by their length. */
  fit: Record<string, unknown>;
  rows: { train: number; validation: number };
}

/** One finished epoch: `epoch` and every numeric field of the epoch log (a non-finite number is written as null). */
export interface EpochRecord {
  type: 'epoch';
  epoch: number;
  [field: string]: number | string | null;
}

export type RunLogLine = RunHeader | EpochRecord;

/** What JSON can hold of a fit option: no callbacks or signal, typed arrays as "Float32Array(n)". */
function jsonOption(key: string, value: unknown): unknown {
  if (typeof value === 'function' || value instanceof AbortSignal) return undefined;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<number>).length})`;
  return value;
}

function appendLine(path: string, line: RunLogLine): void {
  appendFileSync(path, `${JSON.stringify(line)}\n`);
}

/** The header written at the start of a fit (exported for callers that keep runs in memory, like `backprop train --report`). */
export function runHeader(network: Network, options: ResolvedFitOptions, rows: RunHeader['rows']): RunHeader {
  const { validationData, ...fit } = options;
  const described = JSON.parse(JSON.stringify(fit, jsonOption)) as Record<string, unknown>;
  if (validationData !== undefined) described.validationData = `${rows.validation} rows`;
  return {
    type: 'run',
    backprop: version,
    started: new Date().toISOString(),
    backend: network.backend,
    seed: network.seed,
    parameters: network.parameterCount,
    summary: summary(network.options),
    network: network.options,
    fit: described,
    rows,
  };
}

/**
 * The line of one epoch. Without a learning rate in the epoch log, the
 * optimizer's configured rate is the rate of every epoch (no schedule can
 * change it then).
 */
export function epochRecord(log: EpochLog, configuredRate: number): EpochRecord {
  const record: EpochRecord = { type: 'epoch', epoch: log.epoch };
  for (const [field, value] of Object.entries(log)) {
    if (typeof value === 'number') record[field] = Number.isFinite(value) ? value : null;
  }
  if (!('learningRate' in record)) record.learningRate = configuredRate;
  return record;
}

/**
 * Writes the header now and returns the onEpochEnd callback that logs each
 * epoch before calling the user's own (so an epoch is logged even when that
 * callback throws).
 */
export function startRunLog(
  path: string,
  network: Network,
  options: ResolvedFitOptions,
  rows: RunHeader['rows'],
): (log: EpochLog) => void | Promise<void> {
  const header = runHeader(network, options, rows);
  appendLine(path, header);
  const rate = header.network.optimizer.learningRate ?? Number.NaN;
  const next = options.onEpochEnd;
  return (log) => {
    appendLine(path, epochRecord(log, rate));
    return next?.(log);
  };
}
