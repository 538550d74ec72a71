/**
 * The text table of `net.summary()` (block, output width, parameters;
 * totals), like Keras's `model.summary()`, as a function of the
 * architecture (the run log writes it too).
 */
import type { LayerOptions } from './spec';

export interface SummaryInput {
  inputs: number;
  layers: readonly LayerOptions[];
}

export function summary({ inputs, layers }: SummaryInput): string {
  const rows: string[][] = [['block', 'output', 'parameters']];
  let width = inputs;
  let total = 0;
  layers.forEach((layer, i) => {
    const parameters = layer.units * (width + 1);
    total += parameters;
    rows.push([`${i + 1} dense ${layer.activation ?? 'linear'}`, String(layer.units), String(parameters)]);
    width = layer.units;
  });
  rows.push([`total (inputs ${inputs})`, '', String(total)]);
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[column]))).join('  ');
  const rule = '-'.repeat(widths.reduce((sum, w) => sum + w, 2 * (widths.length - 1)));
  return [line(rows[0]), rule, ...rows.slice(1, -1).map(line), rule, line(rows[rows.length - 1])].join('\n');
}
