/**
 * The text table of `net.summary()` (block parts, output width,
 * parameters; totals split into trainable and non-trainable, the running
 * statistics of batch normalization), like Keras's `model.summary()`, as a
 * function of the architecture (the run log writes it too).
 */
import type { LayerOptions, NormalizationOptions } from './spec';

export interface SummaryInput {
  inputs: number;
  layers: readonly LayerOptions[];
}

/** `batchnorm` / `layernorm`, with the options that differ from the defaults. */
function normalizationPart(normalization: NormalizationOptions): string {
  if (typeof normalization === 'string') return `${normalization}norm`;
  const { type, ...options } = normalization;
  return [`${type}norm`, ...Object.entries(options).map(([key, value]) => `${key} ${value}`)].join(' ');
}

/** A block's parts in the order they run: dense 64 · batchnorm · relu · dropout 0.2 · l2 0.0001. */
function blockParts(layer: LayerOptions): string {
  const parts = [`dense ${layer.units}`];
  if (layer.normalization !== undefined) parts.push(normalizationPart(layer.normalization));
  parts.push(layer.activation ?? 'linear');
  if (layer.dropout) parts.push(`dropout ${layer.dropout}`);
  if (layer.l1) parts.push(`l1 ${layer.l1}`);
  if (layer.l2) parts.push(`l2 ${layer.l2}`);
  return parts.join(' · ');
}

export function summary({ inputs, layers }: SummaryInput): string {
  const rows: string[][] = [['block', 'output', 'parameters']];
  let width = inputs;
  let trainable = 0;
  let statistics = 0;
  layers.forEach((layer, i) => {
    const normalization = layer.normalization;
    const type = typeof normalization === 'string' ? normalization : normalization?.type;
    const own = layer.units * (width + 1) + (type === undefined ? 0 : 2 * layer.units);
    const running = type === 'batch' ? 2 * layer.units : 0;
    trainable += own;
    statistics += running;
    rows.push([`${i + 1} ${blockParts(layer)}`, String(layer.units), String(own + running)]);
    width = layer.units;
  });
  const totals = [
    [`total (inputs ${inputs})`, '', String(trainable + statistics)],
    ['  trainable', '', String(trainable)],
    ['  non-trainable (running statistics)', '', String(statistics)],
  ];
  const all = [...rows, ...totals];
  const widths = rows[0].map((_, column) => Math.max(...all.map((row) => row[column].length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[column]))).join('  ');
  const rule = '-'.repeat(widths.reduce((sum, w) => sum + w, 2 * (widths.length - 1)));
  return [line(rows[0]), rule, ...rows.slice(1).map(line), rule, ...totals.map(line)].join('\n');
}
