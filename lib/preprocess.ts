/**
 * Data preparation helpers: one-hot targets, per-column standardization and
 * min-max scaling (returning the statistics so that the same transform can
 * be reapplied to new data).
 */
import { toRows, type Labels, type Matrix } from './data';
import { runNow, SLICE_VALUES, type Sliced } from './slices';
import { ArgumentError } from './errors';
import { checkInteger, checkKeys, checkNumber, checkObject, describe, fail, isPlainObject } from './validate';

/** Per-column z-score statistics: x′ = (x − mean) / std (population std; a constant column has std 1). */
export interface Standardization {
  kind: 'standardize';
  mean: number[];
  std: number[];
}

/** Per-column min-max statistics: x′ = (x − min) / (max − min) (a constant column has max − min taken as 1). */
export interface Scaling {
  kind: 'scale';
  min: number[];
  max: number[];
}

/** Statistics of a column transform, as standardize() and scale() return them (plain JSON data). */
export type Preprocessing = Standardization | Scaling;

/** Transformed data (rows × width, row-major) and the statistics that produced it. */
export interface Preprocessed<S extends Preprocessing> {
  data: Float32Array;
  stats: S;
}

/** One class label per row → rows × classes, 1 at the label's column, 0 elsewhere. */
export function oneHot(labels: Labels, classes: number): Float32Array {
  checkInteger(classes, 'classes', 1, 1 << 24);
  if (!(Array.isArray(labels) || (ArrayBuffer.isView(labels) && !(labels instanceof DataView)))) {
    fail('labels', 'an array or typed array of class labels', labels);
  }
  const values = labels as ArrayLike<unknown>;
  const out = new Float32Array(values.length * classes);
  for (let i = 0; i < values.length; i++) {
    const label = values[i];
    if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= classes) {
      throw new ArgumentError(`labels[${i}] must be an integer in [0, ${classes - 1}], got ${describe(label)}`);
    }
    out[i * classes + label] = 1;
  }
  return out;
}

function columnwise(x: Matrix, width: number): { data: Float32Array; rows: number } {
  checkInteger(width, 'width', 1, 1 << 24);
  return toRows(x, 'x', width);
}

/** Per-column z-scores of `x` (rows × width) and the mean and std that give them. */
export function standardize(x: Matrix, width: number): Preprocessed<Standardization> {
  const { data, rows } = columnwise(x, width);
  const stats = standardization(data, rows, width);
  return { data: transform(data, width, stats), stats };
}

/** Mean and population std of each column of a flat matrix (a constant column gets std 1). */
export function standardization(data: Float32Array, rows: number, width: number): Standardization {
  return runNow(standardizationOf(data, rows, width));
}

/** Rows a slice of the sliced statistics and transforms handles. */
function sliceRows(width: number): number {
  return Math.max(1, Math.floor(SLICE_VALUES / width));
}

/** Per-column mean and population std (0 → 1), as sliced work. */
export function* standardizationOf(data: Float32Array, rows: number, width: number): Sliced<Standardization> {
  const mean = new Array<number>(width).fill(0);
  const squares = new Array<number>(width).fill(0);
  const step = sliceRows(width);
  for (let r0 = 0; r0 < rows; r0 += step, yield) {
    for (let r = r0; r < Math.min(rows, r0 + step); r++) for (let c = 0; c < width; c++) mean[c] += data[r * width + c];
  }
  for (let c = 0; c < width; c++) mean[c] /= rows;
  for (let r0 = 0; r0 < rows; r0 += step, yield) {
    for (let r = r0; r < Math.min(rows, r0 + step); r++) {
      for (let c = 0; c < width; c++) squares[c] += (data[r * width + c] - mean[c]) ** 2;
    }
  }
  const std = squares.map((s) => Math.sqrt(s / rows) || 1);
  return { kind: 'standardize', mean, std };
}

/** Per-column min-max scaling of `x` (rows × width) to [0, 1], and the min and max that give it. */
export function scale(x: Matrix, width: number): Preprocessed<Scaling> {
  const { data, rows } = columnwise(x, width);
  const stats = scaling(data, rows, width);
  return { data: transform(data, width, stats), stats };
}

/** Minimum and maximum of each column of a flat matrix. */
export function scaling(data: Float32Array, rows: number, width: number): Scaling {
  return runNow(scalingOf(data, rows, width));
}

/** Per-column min and max, as sliced work. */
export function* scalingOf(data: Float32Array, rows: number, width: number): Sliced<Scaling> {
  const min = new Array<number>(width).fill(Infinity);
  const max = new Array<number>(width).fill(-Infinity);
  const step = sliceRows(width);
  for (let r0 = 0; r0 < rows; r0 += step, yield) {
    for (let r = r0; r < Math.min(rows, r0 + step); r++) {
      for (let c = 0; c < width; c++) {
        const v = data[r * width + c];
        if (v < min[c]) min[c] = v;
        if (v > max[c]) max[c] = v;
      }
    }
  }
  return { kind: 'scale', min, max };
}

/**
 * Offset and divisor per column: x′ = (x − offset) / divisor, a constant
 * column (std or max − min of 0) giving 0. The ONNX export writes the same two steps.
 */
export function coefficients(stats: Preprocessing): { offset: number[]; divisor: number[] } {
  if (stats.kind === 'standardize') return { offset: stats.mean, divisor: stats.std.map((s) => s || 1) };
  return { offset: stats.min, divisor: stats.max.map((high, c) => high - stats.min[c] || 1) };
}

/** x′ = (x − offset) / divisor per column, in a new Float32Array (float64 arithmetic, one rounding). */
export function transform(data: Float32Array, width: number, stats: Preprocessing): Float32Array {
  const out = new Float32Array(data.length);
  runNow(transformInto(data, width, stats, out));
  return out;
}

/** out = (data − offset) / divisor per column, as sliced work; out may be data itself. */
export function* transformInto(data: Float32Array, width: number, stats: Preprocessing, out: Float32Array): Sliced<void> {
  const { offset, divisor } = coefficients(stats);
  const step = sliceRows(width) * width;
  for (let start = 0; start < data.length; start += step, yield) {
    for (let i = start; i < Math.min(data.length, start + step); i++) {
      const c = i % width;
      out[i] = (data[i] - offset[c]) / divisor[c];
    }
  }
}

function checkColumns(value: unknown, name: string, width: number | undefined): number[] {
  if (!Array.isArray(value) || value.length === 0 || (width !== undefined && value.length !== width)) {
    fail(name, width === undefined ? 'a non-empty array of numbers' : `an array of ${width} numbers`, value);
  }
  value.forEach((v: unknown, i) => checkNumber(v, `${name}[${i}]`));
  return value as number[];
}

/** Checks statistics from an untrusted source (a model file, JSON) and returns them typed. */
export function checkPreprocessing(value: unknown, name = 'stats'): Preprocessing {
  const stats = checkObject(value, name);
  if (stats.kind === 'standardize') {
    checkKeys(stats, name, ['kind', 'mean', 'std']);
    const mean = checkColumns(stats.mean, `${name}.mean`, undefined);
    const std = checkColumns(stats.std, `${name}.std`, mean.length);
    std.forEach((s, i) => checkNumber(s, `${name}.std[${i}]`, { min: 0, minExclusive: true }));
    return { kind: 'standardize', mean, std };
  }
  if (stats.kind === 'scale') {
    checkKeys(stats, name, ['kind', 'min', 'max']);
    const min = checkColumns(stats.min, `${name}.min`, undefined);
    const max = checkColumns(stats.max, `${name}.max`, min.length);
    return { kind: 'scale', min, max };
  }
  return fail(`${name}.kind`, "'standardize' or 'scale'", isPlainObject(value) ? value.kind : value);
}

/** Applies statistics that standardize() or scale() returned (for example, at predict time) to new rows. */
export function applyPreprocessing(x: Matrix, stats: Preprocessing): Float32Array {
  const checked = checkPreprocessing(stats);
  const width = checked.kind === 'standardize' ? checked.mean.length : checked.min.length;
  return transform(toRows(x, 'x', width).data, width, checked);
}
