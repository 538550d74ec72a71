/**
 * Loss kernels over a block of rows: the summed loss (the caller divides by
 * the loss's mean divisor over all rows), the correct-prediction count, and
 * the gradient that starts backpropagation.
 *
 * Targets are addressed by row: row r of the block is target row
 * targetRow + r. Int32Array targets (class labels) are only ever passed with
 * crossEntropy, which reads them as one-hot rows.
 */
import type { LossName, Targets } from '../../model-spec';

export interface LossKernel {
  /** True when gradient() yields dL/dZ of the last layer directly (its
   *  activation's derivative is folded in); false when it yields dL/dA. */
  readonly fusesActivation: boolean;
  /** The mean's divisor for `rows` rows of `cols` outputs. */
  divisor(rows: number, cols: number): number;
  /** Sum of the loss terms over the block, accumulated in double. */
  sum(z: Float32Array, a: Float32Array, targets: Targets, targetRow: number, rows: number, cols: number): number;
  correct(a: Float32Array, targets: Targets, targetRow: number, rows: number, cols: number): number;
  /** Gradient of (sum · scale) into d: dL/dZ if fusesActivation, else dL/dA. */
  gradient(
    a: Float32Array, targets: Targets, targetRow: number, rows: number, cols: number,
    scale: number, d: Float32Array,
  ): void;
}

/** binaryCrossEntropy's dL/dZ: (sigmoid(z) − y) · scale, with a = sigmoid(z). */
function sigmoidGradient(
  a: Float32Array, targets: Targets, targetRow: number, rows: number, cols: number,
  scale: number, d: Float32Array,
): void {
  const n = rows * cols;
  const t0 = targetRow * cols;
  for (let i = 0; i < n; i++) d[i] = (a[i] - targets[t0 + i]) * scale;
}

/**
 * crossEntropy's dL/dZ with a = softmax(z): (a·Σ_j y_j − y) · scale, which is
 * (a − y) · scale for labels (one-hot) and for target rows summing to 1.
 */
function softmaxGradient(
  a: Float32Array, targets: Targets, targetRow: number, rows: number, cols: number,
  scale: number, d: Float32Array,
): void {
  if (targets instanceof Int32Array) {
    for (let r = 0, o = 0; r < rows; r++, o += cols) {
      const label = targets[targetRow + r];
      for (let j = 0; j < cols; j++) d[o + j] = (j === label ? a[o + j] - 1 : a[o + j]) * scale;
    }
    return;
  }
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    const t = (targetRow + r) * cols;
    let mass = 0;
    for (let j = 0; j < cols; j++) mass += targets[t + j];
    for (let j = 0; j < cols; j++) d[o + j] = (a[o + j] * mass - targets[t + j]) * scale;
  }
}

/** Index of the first maximum of v[off … off+cols). */
function argmax(v: Targets, off: number, cols: number): number {
  let best = 0;
  for (let j = 1; j < cols; j++) if (v[off + j] > v[off + best]) best = j;
  return best;
}

const mse: LossKernel = {
  fusesActivation: false,
  divisor: (rows, cols) => rows * cols,
  sum(_z, a, targets, targetRow, rows, cols) {
    const n = rows * cols;
    const t0 = targetRow * cols;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const e = a[i] - targets[t0 + i];
      s += e * e;
    }
    return s;
  },
  correct: () => 0,
  gradient(a, targets, targetRow, rows, cols, scale, d) {
    const n = rows * cols;
    const t0 = targetRow * cols;
    const twice = 2 * scale;
    for (let i = 0; i < n; i++) d[i] = (a[i] - targets[t0 + i]) * twice;
  },
};

const binaryCrossEntropy: LossKernel = {
  fusesActivation: true,
  divisor: (rows, cols) => rows * cols,
  sum(z, _a, targets, targetRow, rows, cols) {
    // From logits, stably: max(z, 0) − z·y + log(1 + e^(−|z|)).
    const n = rows * cols;
    const t0 = targetRow * cols;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const v = z[i];
      s += Math.max(v, 0) - v * targets[t0 + i] + Math.log1p(Math.exp(-Math.abs(v)));
    }
    return s;
  },
  correct(a, targets, targetRow, rows, cols) {
    const n = rows * cols;
    const t0 = targetRow * cols;
    let count = 0;
    for (let i = 0; i < n; i++) if (a[i] > 0.5 === targets[t0 + i] > 0.5) count++;
    return count;
  },
  gradient: sigmoidGradient,
};

const crossEntropy: LossKernel = {
  fusesActivation: true,
  divisor: (rows) => rows,
  sum(z, _a, targets, targetRow, rows, cols) {
    // −Σ_j y_j · logsoftmax(z)_j, with logsoftmax(z)_j = z_j − max − log Σ e^(z − max).
    const labels = targets instanceof Int32Array;
    let s = 0;
    for (let r = 0, o = 0; r < rows; r++, o += cols) {
      let max = -Infinity;
      for (let j = 0; j < cols; j++) if (z[o + j] > max) max = z[o + j];
      let expSum = 0;
      for (let j = 0; j < cols; j++) expSum += Math.exp(z[o + j] - max);
      const logNorm = max + Math.log(expSum);
      if (labels) {
        s += logNorm - z[o + targets[targetRow + r]];
      } else {
        const t = (targetRow + r) * cols;
        for (let j = 0; j < cols; j++) s -= targets[t + j] * (z[o + j] - logNorm);
      }
    }
    return s;
  },
  correct(a, targets, targetRow, rows, cols) {
    const labels = targets instanceof Int32Array;
    let count = 0;
    for (let r = 0; r < rows; r++) {
      const truth = labels ? targets[targetRow + r] : argmax(targets, (targetRow + r) * cols, cols);
      if (argmax(a, r * cols, cols) === truth) count++;
    }
    return count;
  },
  gradient: softmaxGradient,
};

export const lossKernels: Readonly<Record<LossName, LossKernel>> = {
  mse,
  binaryCrossEntropy,
  crossEntropy,
};
