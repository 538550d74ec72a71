/** Predictions as CSV (a header, one row per sample) or JSON lines (one object per sample). */
import type { LossName } from '../index';
import type { DataRecipe } from './recipe';

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

interface Columns {
  /** Name of the predicted-class column (crossEntropy), else null. */
  prediction: string | null;
  /** One name per output. */
  outputs: string[];
  /** True when the output names are class names (a predicted class is shown by name, else by label number). */
  named: boolean;
}

/**
 * crossEntropy: the predicted class, then one probability per class (named
 * by the class names, or by label number). Otherwise: the target's name for
 * a single output, the class names for one output per class, else output0….
 */
function columnsFor(loss: LossName, outputs: number, recipe: DataRecipe | null): Columns {
  const classes = recipe?.classes?.length === outputs ? recipe.classes : null;
  const numbered = (prefix: string) => Array.from({ length: outputs }, (_, i) => `${prefix}${i}`);
  const named = classes !== null;
  if (loss === 'crossEntropy') return { prediction: 'prediction', outputs: classes ?? numbered(''), named };
  if (outputs === 1) return { prediction: null, outputs: [recipe?.target ?? 'output'], named: false };
  return { prediction: null, outputs: classes ?? numbered('output'), named };
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Yields the text of the output, a line at a time (each ending in a newline). */
export function* predictionLines(
  out: Float32Array,
  outputs: number,
  loss: LossName,
  recipe: DataRecipe | null,
  format: 'csv' | 'jsonl',
): Generator<string> {
  const columns = columnsFor(loss, outputs, recipe);
  if (format === 'csv') yield `${[...(columns.prediction ? [columns.prediction] : []), ...columns.outputs].map(csvField).join(',')}\n`;
  for (let r = 0; r < out.length / outputs; r++) {
    const row = out.subarray(r * outputs, (r + 1) * outputs);
    const values = Array.from(row, float32Text);
    const label = columns.prediction ? argmax(row) : -1;
    const predicted = label < 0 ? null : columns.named ? columns.outputs[label] : label;
    if (format === 'csv') {
      yield `${[...(predicted === null ? [] : [csvField(String(predicted))]), ...values].join(',')}\n`;
    } else {
      const named = Object.fromEntries(columns.outputs.map((name, i) => [name, Number(values[i])]));
      yield `${JSON.stringify(predicted === null ? named : { prediction: predicted, probabilities: named })}\n`;
    }
  }
}
