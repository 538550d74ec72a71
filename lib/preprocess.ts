/**
 * Data preparation helpers: one-hot targets, per-column standardization and
 * min-max scaling (returning the statistics so that the same transform can
 * be reapplied to new data), and a seeded train/test split.
 */
import { toRows, type Labels, type Matrix } from './data';
import { ArgumentError, ShapeError } from './errors';
import { Rng } from './rng';
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
  const mean = new Array<number>(width).fill(0);
  const squares = new Array<number>(width).fill(0);
  for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) mean[c] += data[r * width + c];
  for (let c = 0; c < width; c++) mean[c] /= rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) squares[c] += (data[r * width + c] - mean[c]) ** 2;
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
  const min = new Array<number>(width).fill(Infinity);
  const max = new Array<number>(width).fill(-Infinity);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) {
      const v = data[r * width + c];
      if (v < min[c]) min[c] = v;
      if (v > max[c]) max[c] = v;
    }
  }
  return { kind: 'scale', min, max };
}

/** Offset and divisor per column: x′ = (x − offset) / divisor. */
function coefficients(stats: Preprocessing): { offset: number[]; divisor: number[] } {
  if (stats.kind === 'standardize') return { offset: stats.mean, divisor: stats.std };
  return { offset: stats.min, divisor: stats.max.map((high, c) => high - stats.min[c] || 1) };
}

/** x′ = (x − offset) / divisor per column, in a new Float32Array (float64 arithmetic, one rounding). */
export function transform(data: Float32Array, width: number, stats: Preprocessing): Float32Array {
  const { offset, divisor } = coefficients(stats);
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = i % width;
    out[i] = (data[i] - offset[c]) / divisor[c];
  }
  return out;
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

export interface SplitOptions {
  /** Fraction of the rows, in (0, 1), that go to the test set (rounded to the nearest row); default 0.2. */
  testFraction?: number;
  /** Seeds the shuffle that picks the test rows; default 0. */
  seed?: number;
  /** Row width of `x` when it is a flat array; default: the length of its first row. */
  inputs?: number;
}

/** Rows of inputs and of targets, each in the same (shuffled) order. */
export interface Split {
  xTrain: Float32Array;
  yTrain: Float32Array | Int32Array;
  xTest: Float32Array;
  yTest: Float32Array | Int32Array;
}

function rowWidth(x: unknown, inputs: unknown): number {
  if (inputs !== undefined) return checkInteger(inputs, 'options.inputs', 1, 1 << 24);
  const first: unknown = Array.isArray(x) ? x[0] : undefined;
  if (Array.isArray(first) || (ArrayBuffer.isView(first) && !(first instanceof DataView))) {
    return (first as ArrayLike<unknown>).length;
  }
  return fail('options.inputs', 'the row width of x (needed when x is a flat array)', inputs);
}

const INTEGER_ARRAYS = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array];

/** y as a flat matrix of `rows` rows: integer typed arrays stay integer (class labels), the rest become Float32. */
function targetRows(y: unknown, rows: number): { data: Float32Array | Int32Array; width: number } {
  if (INTEGER_ARRAYS.some((type) => y instanceof type)) {
    const labels = y as ArrayLike<number>;
    if (labels.length !== rows) throw new ShapeError(`y has ${labels.length} labels, expected ${rows} to match x`);
    return { data: Int32Array.from(labels), width: 1 };
  }
  if (!(Array.isArray(y) || ArrayBuffer.isView(y)) || (y as ArrayLike<unknown>).length === 0) {
    fail('y', `${rows} targets (a flat array or an array of rows)`, y);
  }
  const first: unknown = (y as ArrayLike<unknown>)[0];
  const isRow = Array.isArray(first) || ArrayBuffer.isView(first);
  const width = isRow ? (first as ArrayLike<unknown>).length : (y as ArrayLike<unknown>).length / rows;
  if (!Number.isInteger(width) || width < 1) {
    throw new ShapeError(`y has ${(y as ArrayLike<unknown>).length} values, not a whole number of values per row for ${rows} rows`);
  }
  const { data, rows: given } = toRows(y, 'y', width);
  if (given !== rows) throw new ShapeError(`y has ${given} rows, expected ${rows} to match x`);
  return { data, width };
}

function gather<T extends Float32Array | Int32Array>(data: T, width: number, order: Int32Array): T {
  const out = new (data.constructor as new (length: number) => T)(order.length * width);
  order.forEach((row, i) => out.set(data.subarray(row * width, (row + 1) * width), i * width));
  return out;
}

/**
 * Splits rows into a training and a test set at random (seeded): the same
 * seed and data always give the same split. y keeps its kind: integer typed
 * arrays come back as Int32Array labels, everything else as Float32Array rows.
 */
export function trainTestSplit(x: Matrix, y: Matrix | Labels, options: SplitOptions = {}): Split {
  const checked = checkObject(options, 'options');
  checkKeys(checked, 'options', ['testFraction', 'seed', 'inputs']);
  const testFraction = checkNumber(checked.testFraction ?? 0.2, 'options.testFraction', {
    min: 0,
    max: 1,
    minExclusive: true,
    maxExclusive: true,
  });
  const seed = checkInteger(checked.seed ?? 0, 'options.seed', 0);
  const inputs = rowWidth(x, checked.inputs);
  const { data: xData, rows } = toRows(x, 'x', inputs);
  const targets = targetRows(y, rows);
  const testRows = Math.round(rows * testFraction);
  if (testRows < 1 || testRows >= rows) {
    throw new ArgumentError(
      `options.testFraction ${testFraction} of ${rows} rows gives ${testRows} test and ${rows - testRows} training rows; both need at least 1`,
    );
  }
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  new Rng(seed).shuffle(order);
  const train = order.subarray(0, rows - testRows);
  const test = order.subarray(rows - testRows);
  return {
    xTrain: gather(xData, inputs, train),
    yTrain: gather(targets.data, targets.width, train),
    xTest: gather(xData, inputs, test),
    yTest: gather(targets.data, targets.width, test),
  };
}
