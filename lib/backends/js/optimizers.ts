/**
 * Optimizers: one pure step per algorithm over the flat parameter array,
 * PyTorch's update rules (see "Numerics" in docs/ARCHITECTURE.md). The state is two
 * moment arrays (each optimizer uses what it needs) and the step count.
 */
import type { OptimizerName, OptimizerSettings } from '../../model-spec';
import { sharedFloat32, sharedFloat64 } from '../shared-memory';

/**
 * Backed by SharedArrayBuffers, so that the worker thread of an async fit
 * and the JS thread (trainBatch) continue the same state.
 */
export interface OptimizerState {
  /** [0]: steps taken so far; a step's t is this plus one. */
  readonly steps: Float64Array;
  /** sgd/rmsprop: momentum buffer; adam(w): first moment; adagrad: sum of squares. */
  readonly first: Float32Array;
  /** adam(w), rmsprop: running mean of squared gradients. */
  readonly second: Float32Array;
}

export function createOptimizerState(size: number): OptimizerState {
  return { steps: sharedFloat64(1), first: sharedFloat32(size), second: sharedFloat32(size) };
}

type StepFunction = (
  p: Float32Array, g: Float32Array, first: Float32Array, second: Float32Array, t: number, s: OptimizerSettings, lr: number,
) => void;

const sgdStep: StepFunction = (p, g, buf, _second, t, s, lr) => {
  const { momentum, nesterov, weightDecay: wd } = s;
  const n = p.length;
  if (momentum === 0) {
    for (let i = 0; i < n; i++) p[i] -= lr * (g[i] + wd * p[i]);
    return;
  }
  for (let i = 0; i < n; i++) {
    const gi = g[i] + wd * p[i];
    const b = t === 1 ? gi : momentum * buf[i] + gi;
    buf[i] = b;
    p[i] -= lr * (nesterov ? gi + momentum * b : b);
  }
};

/** Adam, and AdamW when `decoupled` (decay applied to p first, no L2 term). */
function adamStep(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, t: number, s: OptimizerSettings, lr: number,
  decoupled: boolean,
): void {
  const { beta1, beta2, epsilon, weightDecay: wd } = s;
  const l2 = decoupled ? 0 : wd;
  const decay = decoupled ? 1 - lr * wd : 1;
  const stepSize = lr / (1 - Math.pow(beta1, t));
  const secondCorrection = Math.sqrt(1 - Math.pow(beta2, t));
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const pi = p[i];
    const gi = g[i] + l2 * pi;
    const mi = beta1 * m[i] + (1 - beta1) * gi;
    const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi * decay - (stepSize * mi) / (Math.sqrt(vi) / secondCorrection + epsilon);
  }
}

const rmspropStep: StepFunction = (p, g, buf, v, _t, s, lr) => {
  const { alpha, epsilon, momentum, weightDecay: wd } = s;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i] + wd * p[i];
    const vi = alpha * v[i] + (1 - alpha) * gi * gi;
    v[i] = vi;
    const avg = Math.sqrt(vi) + epsilon;
    if (momentum > 0) {
      const b = momentum * buf[i] + gi / avg;
      buf[i] = b;
      p[i] -= lr * b;
    } else {
      p[i] -= (lr * gi) / avg;
    }
  }
};

const adagradStep: StepFunction = (p, g, sum, _second, _t, s, lr) => {
  const { epsilon, weightDecay: wd } = s;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i] + wd * p[i];
    const si = sum[i] + gi * gi;
    sum[i] = si;
    p[i] -= (lr * gi) / (Math.sqrt(si) + epsilon);
  }
};

const steps: Readonly<Record<OptimizerName, StepFunction>> = {
  sgd: sgdStep,
  adam: (p, g, m, v, t, s, lr) => adamStep(p, g, m, v, t, s, lr, false),
  adamw: (p, g, m, v, t, s, lr) => adamStep(p, g, m, v, t, s, lr, true),
  rmsprop: rmspropStep,
  adagrad: adagradStep,
};

/**
 * Applies one step of s.type to params with gradients grads, advancing
 * state, at this step's learning rate (a schedule's; s.learningRate is the
 * initial one).
 */
export function optimizerStep(
  params: Float32Array, grads: Float32Array, state: OptimizerState, s: OptimizerSettings, lr = s.learningRate,
): void {
  const t = ++state.steps[0];
  steps[s.type](params, grads, state.first, state.second, t, s, lr);
}
