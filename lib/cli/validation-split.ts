/**
 * --validation-split in the command line: a seeded random choice of rows,
 * stratified by class for classification (data files are often sorted by
 * class, where the library's rule of taking the last rows would validate
 * on one class only).
 */
import { ArgumentError } from '../errors';
import { trainTestSplit } from '../split';

export interface Part {
  x: Float32Array;
  y: Float32Array | Int32Array;
}

export function validationSplit(
  x: Float32Array,
  y: Float32Array | Int32Array,
  inputs: number,
  fraction: number,
  seed: number,
  stratify: boolean,
): { train: Part; validation?: Part } {
  if (fraction === 0) return { train: { x, y } };
  const rows = x.length / inputs;
  const held = Math.round(rows * fraction);
  if (held < 1 || held >= rows) {
    throw new ArgumentError(`--validation-split ${fraction} of ${rows} rows holds out ${held}; it must leave at least 1 row for training and 1 for validation`);
  }
  const split = trainTestSplit(x, y, { testFraction: fraction, seed, inputs, stratify });
  return { train: { x: split.xTrain, y: split.yTrain }, validation: { x: split.xTest, y: split.yTest } };
}
