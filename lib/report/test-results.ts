/**
 * How a model does on labelled test data, in the form the report draws:
 * a confusion matrix with per-class precision and recall (classification),
 * or predicted-vs-true pairs with R² (regression). Definitions as
 * scikit-learn's (zero_division=0; r2_score averaged uniformly over outputs).
 */
import { metricsOf, type Metrics } from '../metrics';
import type { LossName } from '../model-spec';

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Test rows of this class. */
  support: number;
}

export interface ClassificationResults {
  kind: 'classification';
  /** What the rows were (e.g. the test file's name). */
  source: string;
  classes: string[];
  /** classes × classes; rows are the true class, columns the predicted one. */
  confusion: number[][];
  /** Cases counted: the rows, or rows × outputs for several sigmoid outputs (each output is a yes/no case). */
  cases: number;
  accuracy: number;
  perClass: ClassMetrics[];
}

export interface RegressionResults {
  kind: 'regression';
  source: string;
  rows: number;
  outputs: number;
  /** [true, predicted] per output, at most MAX_POINTS pairs each (evenly spaced rows). */
  points: Array<Array<[number, number]>>;
  r2: number;
  mae: number;
  rmse: number;
}

export type TestResults = ClassificationResults | RegressionResults;

/** Pairs drawn per output: enough to see the shape, few enough to keep the file small. */
const MAX_POINTS = 5000;

export interface TestData {
  source: string;
  loss: LossName;
  outputs: number;
  rows: number;
  /** rows × outputs, as predict() returns them. */
  predictions: Float32Array;
  /** As the loss takes them: one label or value per row, or rows × outputs. */
  targets: Float32Array | Int32Array;
  /** Class names, when the data named them. */
  classes: string[] | null;
}

function argmax(values: ArrayLike<number>, start: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (values[start + j] > values[start + best]) best = j;
  return best;
}

/** Classification for crossEntropy and binaryCrossEntropy, and for another loss trained on named classes; else regression. */
export function testResults(data: TestData): TestResults {
  const classifies = data.loss !== 'mse' || (data.classes !== null && data.outputs > 1);
  return classifies ? classification(data) : regression(data);
}

function classification({ source, loss, outputs, rows, predictions, targets, classes }: TestData): ClassificationResults {
  const oneValuePerRow = targets.length === rows;
  // Sigmoid outputs (binaryCrossEntropy) are yes/no cases each, threshold 0.5.
  const binary = outputs === 1 || loss === 'binaryCrossEntropy';
  const count = binary ? 2 : outputs;
  const confusion = Array.from({ length: count }, () => new Array<number>(count).fill(0));
  if (binary) {
    // One yes/no case per output of each row (one sigmoid output: one per row).
    for (let i = 0; i < rows * outputs; i++) confusion[targets[i] >= 0.5 ? 1 : 0][predictions[i] >= 0.5 ? 1 : 0]++;
  } else {
    for (let row = 0; row < rows; row++) {
      const truth = oneValuePerRow ? Math.round(targets[row]) : argmax(targets, row * outputs, outputs);
      confusion[truth][argmax(predictions, row * outputs, outputs)]++;
    }
  }
  const cases = binary ? rows * outputs : rows;
  let correct = 0;
  const perClass = confusion.map((row, k) => {
    correct += row[k];
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((sum, r) => sum + r[k], 0);
    const precision = predicted === 0 ? 0 : row[k] / predicted;
    const recall = support === 0 ? 0 : row[k] / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support };
  });
  const names = classes !== null && classes.length === count ? classes : Array.from({ length: count }, (_, k) => String(k));
  return { kind: 'classification', source, classes: names, confusion, cases, accuracy: cases === 0 ? 0 : correct / cases, perClass };
}

function regression({ source, outputs, rows, predictions, targets }: TestData): RegressionResults {
  const stride = Math.max(1, Math.ceil(rows / MAX_POINTS));
  const points = Array.from({ length: outputs }, (_, j) => {
    const pairs: Array<[number, number]> = [];
    for (let row = 0; row < rows; row += stride) pairs.push([targets[row * outputs + j], predictions[row * outputs + j]]);
    return pairs;
  });
  // The same definitions as evaluate() (lib/metrics.ts).
  const { r2, mae, rmse } = metricsOf('mse', predictions, targets as Float32Array, rows, outputs) as Required<Pick<Metrics, 'r2' | 'mae' | 'rmse'>>;
  return { kind: 'regression', source, rows, outputs, points, r2, mae, rmse };
}
