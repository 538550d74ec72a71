/**
 * Sample and class weights → one weight per row, w = sampleWeight[row] ·
 * classWeight[class of the row] (a missing one counts as 1); a batch's loss
 * is then the weighted mean Σ wᵢ·lᵢ / Σ wᵢ of its rows' losses.
 */
import { sharedFloat32 } from './backends/shared-memory';
import type { Ownership } from './data';
import { ArgumentError, ShapeError } from './errors';
import type { LossName, Targets } from './model-spec';
import { runNow, SLICE_VALUES, type Sliced } from './slices';
import { describe, fail } from './validate';

export interface WeightOptions {
  /** One finite weight ≥ 0 per row. */
  sampleWeight?: ArrayLike<number>;
  /** One weight ≥ 0 per class (crossEntropy; binaryCrossEntropy with one output: [class 0, class 1]). */
  classWeight?: ArrayLike<number>;
}

function weightList(value: unknown, name: string, length: number, what: string): ArrayLike<number> {
  const list = value as ArrayLike<unknown>;
  if (!(Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView)))) {
    fail(name, `an array of ${length} ${what}`, value);
  }
  if (list.length !== length) throw new ShapeError(`${name} has ${list.length} entries, expected ${length} (${what})`);
  return list as ArrayLike<number>;
}

function checkWeight(value: unknown, name: string, i: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ArgumentError(`${name}[${i}] must be a finite weight ≥ 0, got ${describe(value)}`);
  }
  return value;
}

/** The class of every row of these targets (as class weights see it). */
export function classesOf(targets: Targets, rows: number, outputs: number): Int32Array {
  return Int32Array.from({ length: rows }, (_, r) => classOf(targets, r, outputs));
}

/** The class of row r, for class weights. */
function classOf(targets: Targets, r: number, outputs: number): number {
  if (targets instanceof Int32Array) return targets[r];
  if (outputs === 1) return targets[r] >= 0.5 ? 1 : 0;
  let best = 0;
  for (let j = 1; j < outputs; j++) if (targets[r * outputs + j] > targets[r * outputs + best]) best = j;
  return best;
}

/** The row weights of these targets, or null when neither option is given. */
export function* rowWeightsOf(
  options: WeightOptions,
  targets: Targets,
  rows: number,
  outputs: number,
  loss: LossName,
  ownership: Ownership,
  prefix = 'options',
): Sliced<Float32Array | null> {
  const { sampleWeight, classWeight } = options;
  if (sampleWeight === undefined && classWeight === undefined) return null;
  const samples = sampleWeight === undefined ? null : weightList(sampleWeight, `${prefix}.sampleWeight`, rows, 'weights, one per row');
  let classes: ArrayLike<number> | null = null;
  if (classWeight !== undefined) {
    const count = loss === 'crossEntropy' ? outputs : loss === 'binaryCrossEntropy' && outputs === 1 ? 2 : 0;
    if (count === 0) {
      throw new ArgumentError(`${prefix}.classWeight needs the crossEntropy loss, or binaryCrossEntropy with one output`);
    }
    classes = weightList(classWeight, `${prefix}.classWeight`, count, 'weights, one per class');
    for (let c = 0; c < count; c++) checkWeight(classes[c], `${prefix}.classWeight`, c);
  }
  const weights = ownership === 'own' ? sharedFloat32(rows) : new Float32Array(rows);
  for (let start = 0; start < rows; start += SLICE_VALUES) {
    for (let r = start; r < Math.min(rows, start + SLICE_VALUES); r++) {
      const sample = samples === null ? 1 : checkWeight(samples[r], `${prefix}.sampleWeight`, r);
      weights[r] = classes === null ? sample : sample * classes[classOf(targets, r, outputs)];
    }
    yield;
  }
  return weights;
}

export function toRowWeights(options: WeightOptions, targets: Targets, rows: number, outputs: number, loss: LossName, prefix: string): Float32Array | null {
  return runNow(rowWeightsOf(options, targets, rows, outputs, loss, 'borrow', prefix));
}

/** Sum of the weights of rows order[start … start + count). */
export function batchWeight(weights: Float32Array, order: ArrayLike<number> | null, start: number, count: number): number {
  let sum = 0;
  for (let i = start; i < start + count; i++) sum += weights[order === null ? i : order[i]];
  return sum;
}
