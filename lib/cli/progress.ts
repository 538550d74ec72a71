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

/** One bar over all batches of all epochs (so ETA covers the whole run); finished epochs logged above it. */
class BarReporter implements ProgressReporter {
  private readonly bars = new MultiBar({
    format: 'epoch {epoch}/{epochs} [{bar}] {percentage}% | loss {loss} | acc {accuracy} | {rate} samples/s | ETA {eta_formatted}',
    hideCursor: true,
    stream: process.stderr,
  });
  private readonly bar: SingleBar;
  private lossSum = 0;
  private accuracySum = 0;
  private samples = 0;

  constructor(private readonly epochs: number, private readonly batchesPerEpoch: number) {
    this.bar = this.bars.create(epochs * batchesPerEpoch, 0, { epoch: 1, epochs, loss: '–', accuracy: '–', rate: 0 });
  }

  batch(log: BatchLog): void {
    this.lossSum += log.loss * log.size;
    this.accuracySum += (log.accuracy ?? 0) * log.size;
    this.samples += log.size;
    this.bar.update((log.epoch - 1) * this.batchesPerEpoch + log.batch, {
      epoch: log.epoch,
      loss: fixed(this.lossSum / this.samples),
      accuracy: log.accuracy === undefined ? '–' : fixed(this.accuracySum / this.samples),
      rate: Math.round(log.samplesPerSecond),
    });
  }

  epoch(log: EpochLog): void {
    this.bars.log(`${epochLine(log)}\n`);
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
