/**
 * Training progress, three ways: a cli-progress bar on a terminal (stderr),
 * one plain line per epoch when stderr is not a terminal, or one JSON
 * object per epoch (--json); lines and JSON go to stdout.
 */
import { MultiBar, type SingleBar } from 'cli-progress';
import type { BatchLog, EpochLog } from '../index';

export interface ProgressReporter {
  batch(log: BatchLog): void;
  epoch(log: EpochLog): void;
  /** Restores the terminal; call once, whatever happened. */
  stop(): void;
}

function fixed(value: number | undefined, digits = 4): string {
  return value === undefined ? '–' : value.toFixed(digits);
}

export function epochLine(log: EpochLog): string {
  const parts = [`epoch ${log.epoch}/${log.epochs}`, `loss ${fixed(log.loss)}`];
  if (log.accuracy !== undefined) parts.push(`accuracy ${fixed(log.accuracy)}`);
  if (log.valLoss !== undefined) parts.push(`val_loss ${fixed(log.valLoss)}`);
  if (log.valAccuracy !== undefined) parts.push(`val_accuracy ${fixed(log.valAccuracy)}`);
  parts.push(`${Math.round(log.samplesPerSecond)} samples/s`, `${log.seconds.toFixed(2)} s`);
  return parts.join('  ');
}

class JsonReporter implements ProgressReporter {
  batch(): void {}
  epoch(log: EpochLog): void {
    process.stdout.write(`${JSON.stringify(log)}\n`);
  }
  stop(): void {}
}

class LineReporter implements ProgressReporter {
  batch(): void {}
  epoch(log: EpochLog): void {
    process.stdout.write(`${epochLine(log)}\n`);
  }
  stop(): void {}
}

/** "1h02m", "3m07s", "12s". */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Bar redraws at most this often: onBatchEnd can fire hundreds of thousands of times a second. */
const REDRAW_MS = 100;

/**
 * One bar over all batches of all epochs, finished epochs logged above it.
 * ETA is the whole run's average pace applied to what remains (cli-progress's
 * own estimate looks at the last few updates only, which are microseconds apart).
 */
class BarReporter implements ProgressReporter {
  private readonly bars = new MultiBar({
    format: 'epoch {epoch}/{epochs} [{bar}] {percentage}% | loss {loss} | acc {accuracy} | {rate} samples/s | ETA {remaining}',
    hideCursor: true,
    stream: process.stderr,
  });
  private readonly bar: SingleBar;
  private lossSum = 0;
  private accuracySum = 0;
  private samples = 0;
  private readonly started = performance.now();
  /** First redraw after REDRAW_MS, when the pace means something. */
  private drawn = this.started;

  constructor(private readonly epochs: number, private readonly batchesPerEpoch: number) {
    this.bar = this.bars.create(epochs * batchesPerEpoch, 0, { epoch: 1, epochs, loss: '–', accuracy: '–', rate: 0, remaining: '–' });
  }

  batch(log: BatchLog): void {
    this.lossSum += log.loss * log.size;
    this.accuracySum += (log.accuracy ?? 0) * log.size;
    this.samples += log.size;
    const now = performance.now();
    if (now - this.drawn < REDRAW_MS && log.batch !== log.batches) return;
    this.drawn = now;
    const done = (log.epoch - 1) * this.batchesPerEpoch + log.batch;
    const remaining = ((now - this.started) / 1000) * (this.bar.getTotal() - done) / done;
    this.bar.update(done, {
      epoch: log.epoch,
      remaining: duration(remaining),
      loss: fixed(this.lossSum / this.samples),
      accuracy: log.accuracy === undefined ? '–' : fixed(this.accuracySum / this.samples),
      rate: Math.round(log.samplesPerSecond),
    });
  }

  epoch(log: EpochLog): void {
    this.bars.log(`${epochLine(log)}\n`);
    this.bars.update(); // draw now: logged lines wait for the next redraw, and stop() does not draw
    this.lossSum = this.accuracySum = this.samples = 0;
  }

  stop(): void {
    this.bars.stop();
  }
}

export function progressReporter(json: boolean, epochs: number, batchesPerEpoch: number): ProgressReporter {
  if (json) return new JsonReporter();
  if (process.stderr.isTTY) return new BarReporter(epochs, batchesPerEpoch);
  return new LineReporter();
}
