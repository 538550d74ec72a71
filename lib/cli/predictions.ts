/** Predictions as CSV (a header, one row per sample) or JSON lines (one object per sample). */
import type { LossName } from '../index';
import { classify } from '../input-normalization';

/** The shortest decimal that reads back as the same float32 (at most 9 significant digits). */
export function float32Text(value: number): string {
  for (let digits = 1; digits < 9; digits++) {
    const text = String(Number(value.toPrecision(digits)));
    if (Math.fround(Number(text)) === value) return text;
  }
  return String(Number(value.toPrecision(9)));
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** What the model knows of its outputs' names. */
export interface OutputNames {
  /** Class names: one per softmax output, or the two of one sigmoid output. */
  classes: readonly string[] | null;
  /** The target column's name. */
  target: string | null;
}

/** Whether the output has a predicted-class column: crossEntropy, or binaryCrossEntropy with one output. */
function classifies(loss: LossName, outputs: number): boolean {
  return loss === 'crossEntropy' || (loss === 'binaryCrossEntropy' && outputs === 1);
}

/**
 * One name per output: crossEntropy's class names (or label numbers); the
 * target's name for a single output; the class names for one output per
 * class; else output0….
 */
function outputColumns(loss: LossName, outputs: number, names: OutputNames): string[] {
  const numbered = (prefix: string) => Array.from({ length: outputs }, (_, i) => `${prefix}${i}`);
  const classes = names.classes?.length === outputs ? [...names.classes] : null;
  if (loss === 'crossEntropy') return classes ?? numbered('');
  if (outputs === 1) return [names.target ?? 'output'];
  return classes ?? numbered('output');
}

/**
 * Yields the text of the output, a line at a time (each ending in a newline):
 * for classification a `prediction` column first (the class name, or the
 * label number: argmax of softmax, a sigmoid output above 0.5), then the outputs.
 */
export function* predictionLines(
  out: Float32Array,
  outputs: number,
  loss: LossName,
  names: OutputNames,
  format: 'csv' | 'jsonl',
): Generator<string> {
  const columns = outputColumns(loss, outputs, names);
  const predicted = classifies(loss, outputs) ? classify(out, outputs, loss, names.classes?.length === (outputs === 1 ? 2 : outputs) ? names.classes : null) : null;
  if (format === 'csv') yield `${[...(predicted ? ['prediction'] : []), ...columns].map(csvField).join(',')}\n`;
  for (let r = 0; r < out.length / outputs; r++) {
    const values = Array.from(out.subarray(r * outputs, (r + 1) * outputs), float32Text);
    const prediction = predicted === null ? null : predicted[r];
    if (format === 'csv') {
      yield `${[...(prediction === null ? [] : [csvField(String(prediction))]), ...values].join(',')}\n`;
    } else {
      const named = Object.fromEntries(columns.map((name, i) => [name, Number(values[i])]));
      yield `${JSON.stringify(prediction === null ? named : { prediction, probabilities: named })}\n`;
    }
  }
}
