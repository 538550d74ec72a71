import { describe, expect, it } from 'vitest';
import type { OptimizerSettings } from '../../lib/model-spec.js';
import { createOptimizerState, optimizerStep } from '../../lib/backends/js/optimizers.js';

const pytorchDefaults: OptimizerSettings = {
  type: 'sgd', learningRate: 0.01, momentum: 0, nesterov: false, weightDecay: 0,
  beta1: 0.9, beta2: 0.999, epsilon: 1e-8, alpha: 0.99, clipNorm: 0, clipValue: 0,
};

const P0 = [1, -2];
const G1 = [0.5, 0.25];
const G2 = [-0.3, 0.8];

/** Runs the engine's optimizer for one step per gradient; returns the parameters after each. */
function run(settings: Partial<OptimizerSettings>, gradients: number[][]): number[][] {
  const s = { ...pytorchDefaults, ...settings };
  const p = Float32Array.from(P0);
  const state = createOptimizerState(p.length);
  return gradients.map((g) => {
    optimizerStep(p, Float32Array.from(g), state, s);
    return Array.from(p);
  });
}

function expectClose(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
}

describe('sgd', () => {
  it('plain step with weight decay: p −= lr·(g + wd·p)', () => {
    const [p1] = run({ learningRate: 0.1, weightDecay: 0.01 }, [G1]);
    expectClose(p1, [1 - 0.1 * (0.5 + 0.01 * 1), -2 - 0.1 * (0.25 + 0.01 * -2)]);
  });

  it('momentum: the buffer starts as g, then momentum·buf + g', () => {
    const lr = 0.1, mu = 0.9, wd = 0.01;
    const [p1, p2] = run({ learningRate: lr, momentum: mu, weightDecay: wd }, [G1, G2]);
    const expected1: number[] = [];
    const expected2: number[] = [];
    for (let i = 0; i < 2; i++) {
      const g1 = G1[i] + wd * P0[i];
      const buf1 = g1;
      const q1 = P0[i] - lr * buf1;
      const g2 = G2[i] + wd * q1;
      const buf2 = mu * buf1 + g2;
      expected1.push(q1);
      expected2.push(q1 - lr * buf2);
    }
    expectClose(p1, expected1);
    expectClose(p2, expected2);
  });

  it('nesterov: steps along g + momentum·buf', () => {
    const lr = 0.1, mu = 0.9;
    const [p1, p2] = run({ learningRate: lr, momentum: mu, nesterov: true }, [G1, G2]);
    const expected1: number[] = [];
    const expected2: number[] = [];
    for (let i = 0; i < 2; i++) {
      const buf1 = G1[i];
      const q1 = P0[i] - lr * (G1[i] + mu * buf1);
      const buf2 = mu * buf1 + G2[i];
      expected1.push(q1);
      expected2.push(q1 - lr * (G2[i] + mu * buf2));
    }
    expectClose(p1, expected1);
    expectClose(p2, expected2);
  });
});

/** Two Adam steps by the formula; `decoupled` gives AdamW. */
function adamByHand(lr: number, wd: number, decoupled: boolean): number[][] {
  const b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const after: number[][] = [[], []];
  for (let i = 0; i < 2; i++) {
    let p = P0[i], m = 0, v = 0;
    [G1[i], G2[i]].forEach((grad, step) => {
      const t = step + 1;
      let g = grad;
      if (decoupled) p *= 1 - lr * wd;
      else g += wd * p;
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      p -= (lr / (1 - b1 ** t)) * m / (Math.sqrt(v) / Math.sqrt(1 - b2 ** t) + eps);
      after[step].push(p);
    });
  }
  return after;
}

describe('adam', () => {
  it('two steps with L2 weight decay and bias correction', () => {
    const [p1, p2] = run({ type: 'adam', learningRate: 0.1, weightDecay: 0.05 }, [G1, G2]);
    const [e1, e2] = adamByHand(0.1, 0.05, false);
    expectClose(p1, e1);
    expectClose(p2, e2);
  });

  it('adamw decays the parameters first, without an L2 term', () => {
    const [p1, p2] = run({ type: 'adamw', learningRate: 0.1, weightDecay: 0.05 }, [G1, G2]);
    const [e1, e2] = adamByHand(0.1, 0.05, true);
    expectClose(p1, e1);
    expectClose(p2, e2);
    // The two rules really differ at these settings.
    expect(Math.abs(e2[0] - adamByHand(0.1, 0.05, false)[1][0])).toBeGreaterThan(1e-4);
  });
});

describe('rmsprop', () => {
  it('without momentum: p −= lr·g/(sqrt(v) + eps), with weight decay', () => {
    const lr = 0.01, alpha = 0.99, eps = 1e-8, wd = 0.1;
    const [p1] = run({ type: 'rmsprop', weightDecay: wd }, [G1]);
    const expected = P0.map((p, i) => {
      const g = G1[i] + wd * p;
      const v = (1 - alpha) * g * g;
      return p - (lr * g) / (Math.sqrt(v) + eps);
    });
    expectClose(p1, expected);
  });

  it('with momentum: two steps through the buffer', () => {
    const lr = 0.01, alpha = 0.99, eps = 1e-8, mu = 0.5;
    const [p1, p2] = run({ type: 'rmsprop', momentum: mu }, [G1, G2]);
    const expected1: number[] = [];
    const expected2: number[] = [];
    for (let i = 0; i < 2; i++) {
      const v1 = (1 - alpha) * G1[i] ** 2;
      const buf1 = G1[i] / (Math.sqrt(v1) + eps);
      const q1 = P0[i] - lr * buf1;
      const v2 = alpha * v1 + (1 - alpha) * G2[i] ** 2;
      const buf2 = mu * buf1 + G2[i] / (Math.sqrt(v2) + eps);
      expected1.push(q1);
      expected2.push(q1 - lr * buf2);
    }
    expectClose(p1, expected1);
    expectClose(p2, expected2);
  });
});

describe('adagrad', () => {
  it('two steps over the running sum of squares, with weight decay', () => {
    const lr = 0.01, eps = 1e-10, wd = 0.1;
    const [p1, p2] = run({ type: 'adagrad', weightDecay: wd }, [G1, G2]);
    const expected1: number[] = [];
    const expected2: number[] = [];
    for (let i = 0; i < 2; i++) {
      const g1 = G1[i] + wd * P0[i];
      const s1 = g1 * g1;
      const q1 = P0[i] - (lr * g1) / (Math.sqrt(s1) + eps);
      const g2 = G2[i] + wd * q1;
      const s2 = s1 + g2 * g2;
      expected1.push(q1);
      expected2.push(q1 - (lr * g2) / (Math.sqrt(s2) + eps));
    }
    expectClose(p1, expected1);
    expectClose(p2, expected2);
  });
});

describe('optimizer state', () => {
  it('counts steps and keeps its moments in shared memory, for the training thread of an async fit', () => {
    const s: OptimizerSettings = { ...pytorchDefaults, type: 'adam' };
    const state = createOptimizerState(2);
    for (const array of [state.steps, state.first, state.second]) expect(array.buffer).toBeInstanceOf(SharedArrayBuffer);
    const p = Float32Array.from(P0);
    optimizerStep(p, Float32Array.from(G1), state, s);
    optimizerStep(p, Float32Array.from(G2), state, s);
    expect(state.steps[0]).toBe(2);
    expect(Array.from(state.first).every((m) => m !== 0)).toBe(true);
    expect(Array.from(state.second).every((v) => v > 0)).toBe(true);
  });
});
