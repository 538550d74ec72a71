/**
 * The target column, as the network's loss takes it: class labels for
 * crossEntropy; one-hot rows for another loss with one output per class;
 * the values themselves for a single output.
 */
import { ShapeError } from '../errors';
import { oneHot } from '../preprocess';
import type { LossName } from '../index';

export function targetsFor(
  y: Float32Array | Int32Array,
  classes: string[] | null,
  loss: LossName,
  outputs: number,
): Float32Array | Int32Array {
  if (classes !== null && classes.length > outputs) {
    throw new ShapeError(`the target has ${classes.length} classes (${classes.join(', ')}) but the last layer has ${outputs} units`);
  }
  if (loss === 'crossEntropy' || outputs === 1) return y;
  if (y instanceof Int32Array) return oneHot(y, outputs);
  throw new ShapeError(`the target column holds one number per row, but the last layer has ${outputs} units; use 1 unit, or class labels with crossEntropy`);
}
