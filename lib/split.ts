/**
 * Seeded splits of rows into training and test sets: one random split
 * (trainTestSplit) or k folds (kFold), each optionally stratified, so that
 * every class keeps its share of the rows in every part.
 */
import { toRows, type Labels, type Matrix } from './data';
import { ArgumentError, ShapeError } from './errors';
import { Rng } from './rng';
import { checkBoolean, checkInteger, checkKeys, checkNumber, checkObject, fail } from './validate';

interface CommonSplitOptions {
  /** Seeds the shuffle; default 0. */
  seed?: number;
  /** Row width of `x` when it is a flat array; default: the length of its first row. */
  inputs?: number;
  /**
   * Keep each class's share of the rows in every part; default false. The
   * class of a row is its label, the argmax of its target row, or the value
   * of a one-number target.
   */
  stratify?: boolean;
}

export interface SplitOptions extends CommonSplitOptions {
  /** Fraction of the rows, in (0, 1), that go to the test set (rounded to the nearest row); default 0.2. */
  testFraction?: number;
}

export interface KFoldOptions extends CommonSplitOptions {
  /** Number of folds, at least 2 and at most the number of rows; default 5. */
  folds?: number;
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

function gather<T extends Float32Array | Int32Array>(data: T, width: number, order: ArrayLike<number>): T {
  const out = new (data.constructor as new (length: number) => T)(order.length * width);
  for (let i = 0; i < order.length; i++) out.set(data.subarray(order[i] * width, (order[i] + 1) * width), i * width);
  return out;
}

/** The class of each row: its label, the argmax of its row, or its one value. */
function classOf(targets: { data: Float32Array | Int32Array; width: number }, row: number): number {
  const { data, width } = targets;
  if (width === 1) return data[row];
  let best = 0;
  for (let c = 1; c < width; c++) if (data[row * width + c] > data[row * width + best]) best = c;
  return best;
}

/** Row indices per class, classes in order of first appearance, each group shuffled (in that order). */
function shuffledClasses(targets: { data: Float32Array | Int32Array; width: number }, rows: number, rng: Rng): Int32Array[] {
  const groups = new Map<number, number[]>();
  for (let r = 0; r < rows; r++) {
    const key = classOf(targets, r);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [r]);
    else group.push(r);
  }
  return Array.from(groups.values(), (group) => {
    const order = Int32Array.from(group);
    rng.shuffle(order);
    return order;
  });
}

interface Prepared {
  x: Float32Array;
  inputs: number;
  rows: number;
  targets: { data: Float32Array | Int32Array; width: number };
  rng: Rng;
  stratify: boolean;
}

function prepare(x: Matrix, y: Matrix | Labels, checked: Record<string, unknown>): Prepared {
  const seed = checkInteger(checked.seed ?? 0, 'options.seed', 0);
  const stratify = checkBoolean(checked.stratify ?? false, 'options.stratify');
  const inputs = rowWidth(x, checked.inputs);
  const { data, rows } = toRows(x, 'x', inputs);
  return { x: data, inputs, rows, targets: targetRows(y, rows), rng: new Rng(seed), stratify };
}

function splitOf(data: Prepared, train: ArrayLike<number>, test: ArrayLike<number>): Split {
  const { x, inputs, targets } = data;
  return {
    xTrain: gather(x, inputs, train),
    yTrain: gather(targets.data, targets.width, train),
    xTest: gather(x, inputs, test),
    yTest: gather(targets.data, targets.width, test),
  };
}

/** How many test rows each class gives: its share of `testRows`, rounded by largest remainder (ties to the earlier class). */
function quotas(sizes: number[], rows: number, testRows: number): number[] {
  const exact = sizes.map((size) => (size * testRows) / rows);
  const counts = exact.map(Math.floor);
  const byRemainder = exact.map((value, i) => i).sort((a, b) => exact[b] - counts[b] - (exact[a] - counts[a]) || a - b);
  for (let k = 0; k < testRows - counts.reduce((sum, n) => sum + n, 0); k++) counts[byRemainder[k]]++;
  return counts;
}

/**
 * Splits rows into a training and a test set at random (seeded): the same
 * seed and data always give the same split. y keeps its kind: integer typed
 * arrays come back as Int32Array labels, everything else as Float32Array rows.
 * `stratify`: each class gets its share of the test rows.
 */
export function trainTestSplit(x: Matrix, y: Matrix | Labels, options: SplitOptions = {}): Split {
  const checked = checkObject(options, 'options');
  checkKeys(checked, 'options', ['testFraction', 'seed', 'inputs', 'stratify']);
  const testFraction = checkNumber(checked.testFraction ?? 0.2, 'options.testFraction', {
    min: 0,
    max: 1,
    minExclusive: true,
    maxExclusive: true,
  });
  const data = prepare(x, y, checked);
  const { rows, rng } = data;
  const testRows = Math.round(rows * testFraction);
  if (testRows < 1 || testRows >= rows) {
    throw new ArgumentError(
      `options.testFraction ${testFraction} of ${rows} rows gives ${testRows} test and ${rows - testRows} training rows; both need at least 1`,
    );
  }
  if (!data.stratify) {
    const order = Int32Array.from({ length: rows }, (_, i) => i);
    rng.shuffle(order);
    return splitOf(data, order.subarray(0, rows - testRows), order.subarray(rows - testRows));
  }
  const groups = shuffledClasses(data.targets, rows, rng);
  const counts = quotas(groups.map((group) => group.length), rows, testRows);
  const test = Int32Array.from(groups.flatMap((group, i) => Array.from(group.subarray(0, counts[i]))));
  const train = Int32Array.from(groups.flatMap((group, i) => Array.from(group.subarray(counts[i]))));
  // Classes one after another would make the first batches one class only.
  rng.shuffle(test);
  rng.shuffle(train);
  return splitOf(data, train, test);
}

/**
 * k-fold cross-validation: the rows, in a seeded random order, dealt into
 * `folds` parts of sizes that differ by at most one; split i tests on
 * part i and trains on the others. `stratify`: each class is dealt evenly
 * over the parts.
 */
export function kFold(x: Matrix, y: Matrix | Labels, options: KFoldOptions = {}): Split[] {
  const checked = checkObject(options, 'options');
  checkKeys(checked, 'options', ['folds', 'seed', 'inputs', 'stratify']);
  const data = prepare(x, y, checked);
  const { rows, rng } = data;
  const folds = checkInteger(checked.folds ?? 5, 'options.folds', 2, 1 << 24);
  if (folds > rows) throw new ArgumentError(`options.folds ${folds} is more than the ${rows} rows`);
  let order: Int32Array;
  if (data.stratify) {
    order = Int32Array.from(shuffledClasses(data.targets, rows, rng).flatMap((group) => Array.from(group)));
  } else {
    order = Int32Array.from({ length: rows }, (_, i) => i);
    rng.shuffle(order);
  }
  return Array.from({ length: folds }, (_, fold) => {
    const test = order.filter((_, i) => i % folds === fold);
    const train = order.filter((_, i) => i % folds !== fold);
    return splitOf(data, train, test);
  });
}
