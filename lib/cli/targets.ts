/**
 * The target column, as the network's loss takes it: class labels for
 * crossEntropy; one-hot rows for another loss with one output per class;
 * the label value itself for a single output (for binaryCrossEntropy: two
 * classes, 0 and 1).
 */
import { ShapeError } from '../errors';
import { oneHot } from '../preprocess';
import type { LossName } from '../index';

function classList(classes: string[]): string {
  return `${classes.length} classes (${classes.join(', ')})`;
}

export function targetsFor(
  y: Float32Array | Int32Array,
  classes: string[] | null,
  loss: LossName,
  outputs: number,
): Float32Array | Int32Array {
  if (classes !== null && outputs === 1 && loss === 'binaryCrossEntropy' && classes.length !== 2) {
    throw new ShapeError(
      `the target has ${classList(classes)}; one sigmoid unit takes two: write --layers …,${classes.length}:softmax for ${classes.length} classes`,
    );
  }
  if (classes !== null && outputs > 1 && classes.length !== outputs) {
    const last = loss === 'crossEntropy' ? 'softmax' : 'sigmoid';
    throw new ShapeError(
      `the target has ${classList(classes)} but the last layer has ${outputs} units: write --layers …,${classes.length}:${last}`,
    );
  }
  if (loss === 'crossEntropy' || outputs === 1) return y;
  if (y instanceof Int32Array) return oneHot(y, outputs);
  throw new ShapeError(`the target column holds one number per row, but the last layer has ${outputs} units; use 1 unit, or class labels with crossEntropy`);
}

/** The class names the network itself carries: one per softmax output, or two for one sigmoid output. */
export function networkClasses(classes: string[] | null, loss: LossName, outputs: number): string[] | undefined {
  if (classes === null) return undefined;
  if (loss === 'crossEntropy' || (loss === 'binaryCrossEntropy' && outputs === 1)) return classes;
  return undefined;
}
