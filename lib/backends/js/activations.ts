/**
 * Activation kernels, forward and backward, over row-major rows × cols blocks.
 * Elementwise kernels ignore the shape; softmax works row by row.
 */
import type { Activation } from '../../model-spec';
import { erf } from './erf';

export interface ActivationKernel {
  /** a[i] = f(z[i]) for the first rows·cols elements. */
  forward(z: Float32Array, a: Float32Array, rows: number, cols: number): void;
  /**
   * Turns d from dL/dA into dL/dZ in place, given this layer's z and a = f(z).
   * Each kernel reads whichever of z and a gives its derivative cheapest.
   */
  backward(z: Float32Array, a: Float32Array, d: Float32Array, rows: number, cols: number): void;
}

const LEAKY_SLOPE = 0.01;
const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;

const linear: ActivationKernel = {
  forward(z, a, rows, cols) {
    const n = rows * cols;
    for (let i = 0; i < n; i++) a[i] = z[i];
  },
  backward() {
    // f'(z) = 1: dL/dZ is dL/dA.
  },
};

const sigmoid: ActivationKernel = {
  forward(z, a, rows, cols) {
    const n = rows * cols;
    for (let i = 0; i < n; i++) a[i] = 1 / (1 + Math.exp(-z[i]));
  },
  backward(_z, a, d, rows, cols) {
    const n = rows * cols;
    for (let i = 0; i < n; i++) {
      const s = a[i];
      d[i] *= s * (1 - s);
    }
  },
};

const tanh: ActivationKernel = {
  forward(z, a, rows, cols) {
    const n = rows * cols;
    for (let i = 0; i < n; i++) a[i] = Math.tanh(z[i]);
  },
  backward(_z, a, d, rows, cols) {
    const n = rows * cols;
    for (let i = 0; i < n; i++) {
      const t = a[i];
      d[i] *= 1 - t * t;
    }
  },
};

const relu: ActivationKernel = {
  forward(z, a, rows, cols) {
    const n = rows * cols;
    for (let i = 0; i < n; i++) {
      const v = z[i];
      a[i] = v < 0 ? 0 : v; // NaN passes through, as in PyTorch, so the loss reports it
    }
  },
  backward(z, _a, d, rows, cols) {
    const n = rows * cols;
    for (let i = 0; i < n; i++) if (!(z[i] > 0)) d[i] = 0;
  },
};

const leakyRelu: ActivationKernel = {
  forward(z, a, rows, cols) {
    const n = rows * cols;
    for (let i = 0; i < n; i++) {
      const v = z[i];
      a[i] = v > 0 ? v : LEAKY_SLOPE * v;
    }
  },
  backward(z, _a, d, rows, cols) {
    const n = rows * cols;
    for (let i = 0; i < n; i++) if (!(z[i] > 0)) d[i] *= LEAKY_SLOPE;
  },
};

const elu: ActivationKernel = {
  forward(z, a, rows, cols) {
    const n = rows * cols;
    for (let i = 0; i < n; i++) {
      const v = z[i];
      a[i] = v > 0 ? v : Math.expm1(v);
    }
  },
  backward(z, _a, d, rows, cols) {
    const n = rows * cols;
    for (let i = 0; i < n; i++) {
      const v = z[i];
      if (!(v > 0)) d[i] *= Math.exp(v);
    }
  },
};

const gelu: ActivationKernel = {
  forward(z, a, rows, cols) {
    const n = rows * cols;
    for (let i = 0; i < n; i++) {
      const v = z[i];
      a[i] = 0.5 * v * (1 + erf(v * INV_SQRT2));
    }
  },
  backward(z, _a, d, rows, cols) {
    const n = rows * cols;
    for (let i = 0; i < n; i++) {
      const v = z[i];
      const cdf = 0.5 * (1 + erf(v * INV_SQRT2));
      const pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
      d[i] *= cdf + v * pdf;
    }
  },
};

const softmax: ActivationKernel = {
  forward(z, a, rows, cols) {
    for (let r = 0, o = 0; r < rows; r++, o += cols) {
      let max = -Infinity;
      for (let j = 0; j < cols; j++) if (z[o + j] > max) max = z[o + j];
      let sum = 0;
      for (let j = 0; j < cols; j++) {
        const e = Math.exp(z[o + j] - max);
        a[o + j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let j = 0; j < cols; j++) a[o + j] *= inv;
    }
  },
  backward(_z, a, d, rows, cols) {
    // Jacobian-vector product: dZ_j = s_j · (dA_j − Σ_i dA_i s_i).
    for (let r = 0, o = 0; r < rows; r++, o += cols) {
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += d[o + j] * a[o + j];
      for (let j = 0; j < cols; j++) d[o + j] = a[o + j] * (d[o + j] - dot);
    }
  },
};

export const activationKernels: Readonly<Record<Activation, ActivationKernel>> = {
  linear,
  sigmoid,
  tanh,
  relu,
  leakyRelu,
  elu,
  gelu,
  softmax,
};
