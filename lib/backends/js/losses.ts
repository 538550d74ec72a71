/**
 * Loss kernels over a block of rows: the summed loss (the caller divides by
 * the loss's mean divisor over all rows), the correct-prediction count, and
 * the gradient that starts backpropagation.
 *
 * Targets are addressed by row: row r of the block is target row
 * targetRow + r. Int32Array targets (class labels) are only ever passed with
 * crossEntropy, which reads them as one-hot rows.
 */
import type { LossName, LossParameters, Targets } from '../../model-spec';

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
 * crossEntropy's dL/dZ with a = softmax(z) and smoothed targets
 * q = (1 − ε)·y + ε/classes: (a·Σ_j q_j − q) · scale, which is (a − q) · scale
 * for labels (one-hot) and for target rows summing to 1. With ε = 0 the
 * arithmetic is that of q = y, bit for bit.
 */
function softmaxGradient(smoothing: number) {
  return (
    a: Float32Array, targets: Targets, targetRow: number, rows: number, cols: number,
    scale: number, d: Float32Array,
  ): void => {
    const keep = Math.fround(1 - smoothing);
    const spread = Math.fround(smoothing / cols);
    if (targets instanceof Int32Array) {
      const hit = Math.fround(keep + spread);
      for (let r = 0, o = 0; r < rows; r++, o += cols) {
        const label = targets[targetRow + r];
        for (let j = 0; j < cols; j++) d[o + j] = (j === label ? a[o + j] - hit : a[o + j] - spread) * scale;
      }
      return;
    }
    for (let r = 0, o = 0; r < rows; r++, o += cols) {
      const t = (targetRow + r) * cols;
      let mass = 0;
      for (let j = 0; j < cols; j++) mass = Math.fround(mass + targets[t + j]);
      mass = Math.fround(Math.fround(keep * mass) + smoothing);
      for (let j = 0; j < cols; j++) {
        const q = Math.fround(Math.fround(keep * targets[t + j]) + spread);
        d[o + j] = (a[o + j] * mass - q) * scale;
      }
    }
  };
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

function crossEntropy(smoothing: number): LossKernel {
  return {
    fusesActivation: true,
    divisor: (rows) => rows,
    sum(z, _a, targets, targetRow, rows, cols) {
      // −Σ_j q_j · logsoftmax(z)_j, with logsoftmax(z)_j = z_j − max − log Σ e^(z − max)
      // and q = (1 − ε)·y + ε/cols.
      const labels = targets instanceof Int32Array;
      let s = 0;
      for (let r = 0, o = 0; r < rows; r++, o += cols) {
        let max = -Infinity;
        for (let j = 0; j < cols; j++) if (z[o + j] > max) max = z[o + j];
        let expSum = 0;
        for (let j = 0; j < cols; j++) expSum += Math.exp(z[o + j] - max);
        const logNorm = max + Math.log(expSum);
        let uniform = 0;
        if (smoothing > 0) {
          for (let j = 0; j < cols; j++) uniform += logNorm - z[o + j];
          uniform *= smoothing / cols;
        }
        if (labels) {
          s += (1 - smoothing) * (logNorm - z[o + targets[targetRow + r]]) + uniform;
        } else {
          const t = (targetRow + r) * cols;
          let term = 0;
          for (let j = 0; j < cols; j++) term -= targets[t + j] * (z[o + j] - logNorm);
          s += (1 - smoothing) * term + uniform;
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
    gradient: softmaxGradient(smoothing),
  };
}

/** A per-element regression loss: its term and its derivative in the error e = a − y. */
function elementwise(term: (e: number) => number, slope: (e: number) => number): LossKernel {
  return {
    fusesActivation: false,
    divisor: (rows, cols) => rows * cols,
    sum(_z, a, targets, targetRow, rows, cols) {
      const n = rows * cols;
      const t0 = targetRow * cols;
      let s = 0;
      for (let i = 0; i < n; i++) s += term(a[i] - targets[t0 + i]);
      return s;
    },
    correct: () => 0,
    gradient(a, targets, targetRow, rows, cols, scale, d) {
      const n = rows * cols;
      const t0 = targetRow * cols;
      for (let i = 0; i < n; i++) d[i] = slope(Math.fround(a[i] - targets[t0 + i])) * scale;
    },
  };
}

/** PyTorch HuberLoss(delta): e²/2 within ±delta, delta·(|e| − delta/2) beyond. */
function huber(delta: number): LossKernel {
  const bound = Math.fround(delta);
  return elementwise(
    (e) => (Math.abs(e) <= delta ? 0.5 * e * e : delta * (Math.abs(e) - 0.5 * delta)),
    (e) => (e > bound ? bound : e < -bound ? -bound : e),
  );
}

/** PyTorch L1Loss: |e|, with gradient sign(e) and sign(0) = 0. */
const mae = elementwise(Math.abs, (e) => (e > 0 ? 1 : e < 0 ? -1 : 0));

/** The kernel of a loss with its parameters. */
export function lossKernel(loss: LossName, parameters: LossParameters): LossKernel {
  switch (loss) {
    case 'mse':
      return mse;
    case 'binaryCrossEntropy':
      return binaryCrossEntropy;
    case 'crossEntropy':
      return crossEntropy(parameters.labelSmoothing);
    case 'huber':
      return huber(parameters.delta);
    case 'mae':
      return mae;
  }
}
