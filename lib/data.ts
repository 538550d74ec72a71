/**
 * Turning what users pass (flat typed arrays, arrays of rows, labels) into
 * the flat Float32Array / Int32Array buffers the backends take, with every
 * check a backend would otherwise trip over. Each conversion is sliced work
 * (lib/slices.ts): the sync APIs run it at once, fit runs it in slices.
 */
import { ArgumentError, ShapeError } from './errors';
import { sharedFloat32, sharedInt32 } from './backends/shared-memory';
import type { Targets } from './model-spec';
import { firstNonFinite } from './finite';
import { allocating } from './memory-estimate';
import { runNow, SLICE_VALUES, type Sliced } from './slices';
import { describe, fail } from './validate';

/** Rows of numbers: a flat row-major array, an array of rows, or an array of Float32Array rows. */
export type Matrix = Float32Array | Float64Array | ArrayLike<number> | ArrayLike<ArrayLike<number>>;

/** Class labels (crossEntropy only): one integer in [0, outputs) per row. */
export type Labels = Int32Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | number[];

export interface RowData {
  readonly data: Float32Array;
  readonly rows: number;
}

/**
 * `borrow`: a Float32Array (Int32Array labels) given by the caller is used
 * as is. `own`: the result is always a new array in shared memory, owned by
 * the facade, which an async fit trains on while the caller runs on.
 */
export type Ownership = 'borrow' | 'own';

const MAX_ELEMENTS = 2 ** 31 - 1;

function isNumericTypedArray(value: unknown): value is ArrayLike<number> {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) && !isBigIntArray(value);
}

function isBigIntArray(value: ArrayBufferView): boolean {
  return value instanceof BigInt64Array || value instanceof BigUint64Array;
}

function notFinite(name: string, where: string, value: unknown): never {
  throw new ArgumentError(`${name}${where} must be a finite number, got ${describe(value)}`);
}

/** Where value i of a flat array is: [row][column] for rows of `width`, else [i]. */
function position(i: number, width: number): string {
  return width > 0 ? `[${Math.floor(i / width)}][${i % width}]` : `[${i}]`;
}

/** Checks every value of a flat array and copies it into `into` when given. */
function* copyFinite(data: ArrayLike<number>, name: string, width: number, into: Float32Array | null): Sliced<void> {
  for (let start = 0; start < data.length; start += SLICE_VALUES) {
    const end = Math.min(data.length, start + SLICE_VALUES);
    // A borrowed Float32Array (every predict of one) needs only the check: its own loop stays monomorphic.
    const checkOnly = into === null && data instanceof Float32Array;
    const bad = checkOnly ? firstNonFinite(data, start, end) : -1;
    if (bad >= 0) notFinite(name, position(bad, width), data[bad]);
    if (checkOnly) {
      yield;
      continue;
    }
    for (let i = start; i < end; i++) {
      const v = data[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        notFinite(name, position(i, width), v);
      }
      if (into !== null) into[i] = v;
    }
    yield;
  }
}

function flatLength(value: ArrayLike<unknown>, name: string, width: number): void {
  if (value.length === 0) fail(name, `non-empty data (rows × ${width})`, value);
  if (value.length % width !== 0) {
    throw new ShapeError(`${name} has ${value.length} values, not a multiple of the row width ${width}`);
  }
}

/** A matrix of `width` columns, checked finite. */
export function* rowsOf(value: unknown, name: string, width: number, ownership: Ownership): Sliced<RowData> {
  const flat = isNumericTypedArray(value) || (Array.isArray(value) && !isRowArray(value));
  if (flat) {
    const values = value as ArrayLike<number>;
    flatLength(values, name, width);
    const borrowed = ownership === 'borrow' && value instanceof Float32Array;
    const data = borrowed ? value : newFloat32(values.length, ownership);
    yield* copyFinite(values, name, width, borrowed ? null : data);
    return { data, rows: values.length / width };
  }
  if (!Array.isArray(value)) {
    fail(name, `a Float32Array, an array of numbers or an array of rows of ${width} numbers`, value);
  }
  if (value.length === 0) fail(name, `non-empty data (rows × ${width})`, value);
  const rows = value.length;
  if (rows * width > MAX_ELEMENTS) throw new ShapeError(`${name} has more than 2^31 − 1 values`);
  const data = newFloat32(rows * width, ownership);
  let sinceYield = 0;
  for (let r = 0; r < rows; r++) {
    const row: unknown = value[r];
    if (!(Array.isArray(row) || isNumericTypedArray(row))) {
      fail(`${name}[${r}]`, `a row of ${width} numbers`, row);
    }
    if (row.length !== width) {
      throw new ShapeError(`${name}[${r}] has ${row.length} values, expected ${width}`);
    }
    for (let c = 0; c < width; c++) {
      const v: unknown = row[c];
      if (typeof v !== 'number' || !Number.isFinite(v)) notFinite(name, `[${r}][${c}]`, v);
      data[r * width + c] = v;
    }
    sinceYield += width;
    if (sinceYield >= SLICE_VALUES) {
      sinceYield = 0;
      yield;
    }
  }
  return { data, rows };
}

/** An array whose first entry is a row (not a number): an array of rows. */
function isRowArray(value: unknown[]): boolean {
  const first: unknown = value[0];
  return value.length > 0 && typeof first === 'object' && first !== null;
}

function newFloat32(length: number, ownership: Ownership): Float32Array {
  return allocating('copying the data', () => (ownership === 'own' ? sharedFloat32(length) : new Float32Array(length)));
}

/**
 * A matrix of `width` columns. A Float32Array is used as is (not copied);
 * every other form is copied into a new Float32Array.
 */
export function toRows(value: unknown, name: string, width: number): RowData {
  return runNow(rowsOf(value, name, width, 'borrow'));
}

function isLabelArray(value: unknown, rows: number, outputs: number): boolean {
  const length = (value as ArrayLike<unknown>).length;
  if (length !== rows || rows * outputs === rows) return false;
  if (isNumericTypedArray(value)) return true;
  return Array.isArray(value) && (value.length === 0 || typeof value[0] === 'number');
}

function* labelsOf(value: ArrayLike<number>, name: string, outputs: number, ownership: Ownership): Sliced<Int32Array> {
  const borrowed = ownership === 'borrow' && value instanceof Int32Array;
  const labels = borrowed
    ? value
    : allocating('copying the labels', () => (ownership === 'own' ? sharedInt32(value.length) : new Int32Array(value.length)));
  for (let start = 0; start < value.length; start += SLICE_VALUES) {
    const end = Math.min(value.length, start + SLICE_VALUES);
    for (let i = start; i < end; i++) labels[i] = checkLabel(value[i], name, i, outputs);
    yield;
  }
  return labels;
}

function checkLabel(label: unknown, name: string, i: number, outputs: number): number {
  if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= outputs) {
    throw new ArgumentError(`${name}[${i}] must be a class label, an integer in [0, ${outputs - 1}], got ${describe(label)}`);
  }
  return label;
}

function* checkProbabilities(data: Float32Array, name: string, outputs: number): Sliced<void> {
  for (let start = 0; start < data.length; start += SLICE_VALUES) {
    const end = Math.min(data.length, start + SLICE_VALUES);
    for (let i = start; i < end; i++) {
      if (data[i] < 0 || data[i] > 1) {
        throw new ArgumentError(
          `${name}[${Math.floor(i / outputs)}][${i % outputs}] must be in [0, 1] for binaryCrossEntropy, got ${data[i]}`,
        );
      }
    }
    yield;
  }
}

/**
 * Targets for `rows` samples: dense rows × outputs, or (crossEntropy with
 * more than one output) one class label per row.
 */
export function* targetsOf(
  value: unknown,
  name: string,
  rows: number,
  outputs: number,
  loss: string,
  ownership: Ownership,
): Sliced<Targets> {
  if (loss === 'crossEntropy' && isLabelArray(value, rows, outputs)) {
    return yield* labelsOf(value as ArrayLike<number>, name, outputs, ownership);
  }
  const dense = yield* rowsOf(value, name, outputs, ownership);
  if (dense.rows !== rows) {
    const labels = loss === 'crossEntropy' ? ` or ${rows} class labels` : '';
    throw new ShapeError(`${name} has ${dense.rows} rows of ${outputs}${labels}, expected ${rows} rows to match x`);
  }
  if (loss === 'binaryCrossEntropy') yield* checkProbabilities(dense.data, name, outputs);
  return dense.data;
}

export function toTargets(value: unknown, name: string, rows: number, outputs: number, loss: string): Targets {
  return runNow(targetsOf(value, name, rows, outputs, loss, 'borrow'));
}
