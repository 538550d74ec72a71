/**
 * The metrics evaluate() reports and fit logs for validation data, by loss,
 * defined as scikit-learn defines them (zero_division=0), computed from the
 * network's outputs and the targets.
 */
import type { LossName, Targets } from './model-spec';

export interface Metrics {
  /** Classification: fraction of rows (crossEntropy) or of elements (binaryCrossEntropy) predicted right. */
  accuracy?: number;
  /** Macro over classes (crossEntropy), binary (one sigmoid output) or micro over elements (several). */
  precision?: number;
  recall?: number;
  f1?: number;
  /** crossEntropy: classes × classes counts, rows = true class. */
  confusion?: number[][];
  /** binaryCrossEntropy with one output: ROC AUC, ties averaged (NaN when only one class is present). */
  auc?: number;
  /** Regression (mse, huber, mae): mean absolute error, root mean squared error, R² averaged over outputs. */
  mae?: number;
  rmse?: number;
  r2?: number;
}

/** The metric names a loss reports (what `monitor` may name, besides the losses). */
export function metricNames(loss: LossName, outputs: number): (keyof Metrics)[] {
  if (loss === 'crossEntropy') return ['accuracy', 'precision', 'recall', 'f1'];
  if (loss === 'binaryCrossEntropy') return outputs === 1 ? ['accuracy', 'precision', 'recall', 'f1', 'auc'] : ['accuracy', 'precision', 'recall', 'f1'];
  return ['mae', 'rmse', 'r2'];
}

/** Metrics where larger is better (the rest, losses and errors, improve downwards). */
export function largerIsBetter(name: string): boolean {
  return /accuracy|precision|recall|f1|auc|r2/i.test(name);
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function f1Of(precision: number, recall: number): number {
  return ratio(2 * precision * recall, precision + recall);
}

function argmax(values: Float32Array, offset: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (values[offset + j] > values[offset + best]) best = j;
  return best;
}

function classification(outputs: Float32Array, targets: Targets, rows: number, classes: number): Metrics {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let r = 0; r < rows; r++) {
    const truth = targets instanceof Int32Array ? targets[r] : argmax(targets, r * classes, classes);
    confusion[truth][argmax(outputs, r * classes, classes)]++;
  }
  let correct = 0;
  let precisionSum = 0;
  let recallSum = 0;
  let f1Sum = 0;
  let present = 0;
  for (let c = 0; c < classes; c++) {
    correct += confusion[c][c];
    let predicted = 0;
    let actual = 0;
    for (let k = 0; k < classes; k++) {
      predicted += confusion[k][c];
      actual += confusion[c][k];
    }
    // scikit-learn averages over the labels present in the targets or the predictions.
    if (predicted === 0 && actual === 0) continue;
    present++;
    const precision = ratio(confusion[c][c], predicted);
    const recall = ratio(confusion[c][c], actual);
    precisionSum += precision;
    recallSum += recall;
    f1Sum += f1Of(precision, recall);
  }
  return {
    accuracy: correct / rows,
    precision: ratio(precisionSum, present),
    recall: ratio(recallSum, present),
    f1: ratio(f1Sum, present),
    confusion,
  };
}

/** ROC AUC as the Mann-Whitney statistic, tied scores sharing their average rank. */
function rocAuc(scores: Float32Array, positive: Uint8Array): number {
  const order = Array.from(scores.keys()).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (positive[order[k]]) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function binary(outputs: Float32Array, targets: Float32Array, rows: number, width: number): Metrics {
  const n = rows * width;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  const positive = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const truth = targets[i] >= 0.5;
    const predicted = outputs[i] > 0.5;
    positive[i] = truth ? 1 : 0;
    if (truth === predicted) correct++;
    if (predicted && truth) tp++;
    else if (predicted) fp++;
    else if (truth) fn++;
  }
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const metrics: Metrics = { accuracy: correct / n, precision, recall, f1: f1Of(precision, recall) };
  if (width === 1) metrics.auc = rocAuc(outputs.subarray(0, n), positive);
  return metrics;
}

function regression(outputs: Float32Array, targets: Float32Array, rows: number, width: number): Metrics {
  let absolute = 0;
  let squared = 0;
  let r2Sum = 0;
  for (let j = 0; j < width; j++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += targets[r * width + j];
    mean /= rows;
    let residual = 0;
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const t = targets[r * width + j];
      const e = t - outputs[r * width + j];
      absolute += Math.abs(e);
      residual += e * e;
      total += (t - mean) * (t - mean);
    }
    squared += residual;
    // scikit-learn's force_finite: a constant target scores 1 when predicted exactly, else 0.
    r2Sum += total === 0 ? (residual === 0 ? 1 : 0) : 1 - residual / total;
  }
  return { mae: absolute / (rows * width), rmse: Math.sqrt(squared / (rows * width)), r2: r2Sum / width };
}

export function metricsOf(loss: LossName, outputs: Float32Array, targets: Targets, rows: number, width: number): Metrics {
  if (loss === 'crossEntropy') return classification(outputs, targets, rows, width);
  if (loss === 'binaryCrossEntropy') return binary(outputs, targets as Float32Array, rows, width);
  return regression(outputs, targets as Float32Array, rows, width);
}
