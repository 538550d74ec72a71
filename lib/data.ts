/**
 * Turning what users pass (flat typed arrays, arrays of rows, labels) into
 * the flat Float32Array / Int32Array buffers the engines take, with every
 * check an engine would otherwise trip over.
 */
import type { Targets } from './backends/backend';
import { ArgumentError, ShapeError } from './errors';
import { describe, fail } from './validate';

/** Rows of numbers: a flat row-major array, an array of rows, or an array of Float32Array rows. */
export type Matrix = Float32Array | Float64Array | ArrayLike<number> | ArrayLike<ArrayLike<number>>;

/** Class labels (crossEntropy only): one integer in [0, outputs) per row. */
export type Labels = Int32Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | number[];

export interface RowData {
  readonly data: Float32Array;
  readonly rows: number;
}

const MAX_ELEMENTS = 2 ** 31 - 1;

function isNumericTypedArray(value: unknown): value is ArrayLike<number> {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) && !isBigIntArray(value);
}

function isBigIntArray(value: ArrayBufferView): boolean {
  return value instanceof BigInt64Array || value instanceof BigUint64Array;
}

function checkFinite(data: ArrayLike<number>, name: string, width: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      const where = width > 0 ? `[${Math.floor(i / width)}][${i % width}]` : `[${i}]`;
      throw new ArgumentError(`${name}${where} must be a finite number, got ${describe(v)}`);
    }
  }
}

/**
 * A matrix of `width` columns. A Float32Array is used as is (not copied);
 * every other form is copied into a new Float32Array.
 */
export function toRows(value: unknown, name: string, width: number): RowData {
  if (isNumericTypedArray(value)) {
    if (value.length === 0) fail(name, `non-empty data (rows × ${width})`, value);
    if (value.length % width !== 0) {
      throw new ShapeError(`${name} has ${value.length} values, not a multiple of the row width ${width}`);
    }
    checkFinite(value, name, width);
    const data = value instanceof Float32Array ? value : Float32Array.from(value);
    return { data, rows: value.length / width };
  }
  if (!Array.isArray(value)) {
    fail(name, `a Float32Array, an array of numbers or an array of rows of ${width} numbers`, value);
  }
  if (value.length === 0) fail(name, `non-empty data (rows × ${width})`, value);
  const first: unknown = value[0];
  if (typeof first === 'number' || typeof first !== 'object' || first === null) {
    // A flat array of numbers, row-major.
    if (value.length % width !== 0) {
      throw new ShapeError(`${name} has ${value.length} values, not a multiple of the row width ${width}`);
    }
    checkFinite(value, name, width);
    return { data: Float32Array.from(value as number[]), rows: value.length / width };
  }
  const rows = value.length;
  if (rows * width > MAX_ELEMENTS) throw new ShapeError(`${name} has more than 2^31 − 1 values`);
  const data = new Float32Array(rows * width);
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
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new ArgumentError(`${name}[${r}][${c}] must be a finite number, got ${describe(v)}`);
      }
      data[r * width + c] = v;
    }
  }
  return { data, rows };
}

function isLabelArray(value: unknown, rows: number, outputs: number): boolean {
  const length = (value as ArrayLike<unknown>).length;
  if (length !== rows || rows * outputs === rows) return false;
  if (value instanceof Float32Array || value instanceof Float64Array) return true;
  if (isNumericTypedArray(value)) return true;
  return Array.isArray(value) && (value.length === 0 || typeof value[0] === 'number');
}

function toLabels(value: ArrayLike<number>, name: string, outputs: number): Int32Array {
  if (value instanceof Int32Array) {
    for (let i = 0; i < value.length; i++) checkLabel(value[i], name, i, outputs);
    return value;
  }
  const labels = new Int32Array(value.length);
  for (let i = 0; i < value.length; i++) labels[i] = checkLabel(value[i], name, i, outputs);
  return labels;
}

function checkLabel(label: unknown, name: string, i: number, outputs: number): number {
  if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= outputs) {
    throw new ArgumentError(`${name}[${i}] must be a class label, an integer in [0, ${outputs - 1}], got ${describe(label)}`);
  }
  return label;
}

/**
 * Targets for `rows` samples: dense rows × outputs, or (crossEntropy with
 * more than one output) one class label per row.
 */
export function toTargets(
  value: unknown,
  name: string,
  rows: number,
  outputs: number,
  loss: string,
): Targets {
  if (loss === 'crossEntropy' && isLabelArray(value, rows, outputs)) {
    return toLabels(value as ArrayLike<number>, name, outputs);
  }
  const dense = toRows(value, name, outputs);
  if (dense.rows !== rows) {
    const labels = loss === 'crossEntropy' ? ` or ${rows} class labels` : '';
    throw new ShapeError(`${name} has ${dense.rows} rows of ${outputs}${labels}, expected ${rows} rows to match x`);
  }
  if (loss === 'binaryCrossEntropy') {
    const d = dense.data;
    for (let i = 0; i < d.length; i++) {
      if (d[i] < 0 || d[i] > 1) {
        throw new ArgumentError(
          `${name}[${Math.floor(i / outputs)}][${i % outputs}] must be in [0, 1] for binaryCrossEntropy, got ${d[i]}`,
        );
      }
    }
  }
  return dense.data;
}

/** Copies the given rows (by index) of a flat matrix into a new one. */
export function takeRows(data: Float32Array | Int32Array, width: number, start: number, end: number): Float32Array | Int32Array {
  return data.slice(start * width, end * width);
}
