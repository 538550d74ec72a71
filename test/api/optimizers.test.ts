/**
 * Each optimizer's first steps through trainBatch(), against PyTorch's update
 * rules applied here in float64 to the engine's own gradients
 * (computeGradients() on the same batch, at the same weights).
 */
import { describe, expect, it } from 'vitest';
import { Network, type AdamOptions, type OptimizerOptions, type RmspropOptions, type SgdOptions } from '../../lib/index.js';
import { BACKENDS } from './backends';
import { flatten, random, uniform } from './fixtures';

/** Every optimizer's hyperparameters together. */
type Settings = Required<Omit<SgdOptions, 'type'> & Omit<AdamOptions, 'type'> & Omit<RmspropOptions, 'type'>>;

/** One optimizer's state and step, as torch.optim writes it. */
type Step = (p: Float64Array, g: Float64Array, t: number) => void;

function reference(type: OptimizerOptions['type'], s: Settings, size: number): Step {
  const buf = new Float64Array(size);
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  switch (type) {
    case 'sgd':
      return (p, g, t) => {
        for (let i = 0; i < size; i++) {
          let d = g[i] + s.weightDecay * p[i];
          if (s.momentum !== 0) {
            buf[i] = t === 1 ? d : s.momentum * buf[i] + d;
            d = s.nesterov ? d + s.momentum * buf[i] : buf[i];
          }
          p[i] -= s.learningRate * d;
        }
      };
    case 'adam':
    case 'adamw':
      return (p, g, t) => {
        for (let i = 0; i < size; i++) {
          let d = g[i];
          if (type === 'adamw') p[i] *= 1 - s.learningRate * s.weightDecay;
          else d += s.weightDecay * p[i];
          m[i] = s.beta1 * m[i] + (1 - s.beta1) * d;
          v[i] = s.beta2 * v[i] + (1 - s.beta2) * d * d;
          const denominator = Math.sqrt(v[i]) / Math.sqrt(1 - s.beta2 ** t) + s.epsilon;
          p[i] -= (s.learningRate / (1 - s.beta1 ** t)) * (m[i] / denominator);
        }
      };
    case 'rmsprop':
      return (p, g) => {
        for (let i = 0; i < size; i++) {
          const d = g[i] + s.weightDecay * p[i];
          v[i] = s.alpha * v[i] + (1 - s.alpha) * d * d;
          const average = Math.sqrt(v[i]) + s.epsilon;
          if (s.momentum > 0) {
            buf[i] = s.momentum * buf[i] + d / average;
            p[i] -= s.learningRate * buf[i];
          } else {
            p[i] -= (s.learningRate * d) / average;
          }
        }
      };
    case 'adagrad':
      return (p, g) => {
        for (let i = 0; i < size; i++) {
          const d = g[i] + s.weightDecay * p[i];
          v[i] += d * d;
          p[i] -= (s.learningRate * d) / (Math.sqrt(v[i]) + s.epsilon);
        }
      };
  }
}

const CASES: { name: string; optimizer: OptimizerOptions }[] = [
  { name: 'sgd', optimizer: { type: 'sgd', learningRate: 0.1 } },
  { name: 'sgd momentum', optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 } },
  { name: 'sgd nesterov', optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.8, nesterov: true } },
  { name: 'sgd weight decay', optimizer: { type: 'sgd', learningRate: 0.1, weightDecay: 0.3 } },
  { name: 'sgd defaults', optimizer: { type: 'sgd' } },
  { name: 'adam', optimizer: { type: 'adam', learningRate: 0.02, beta1: 0.8, beta2: 0.95 } },
  { name: 'adam defaults', optimizer: { type: 'adam' } },
  { name: 'adam weight decay (L2)', optimizer: { type: 'adam', learningRate: 0.02, weightDecay: 0.5 } },
  { name: 'adamw defaults (decoupled 0.01)', optimizer: { type: 'adamw' } },
  { name: 'adamw', optimizer: { type: 'adamw', learningRate: 0.05, weightDecay: 0.5 } },
  { name: 'rmsprop', optimizer: { type: 'rmsprop', learningRate: 0.01 } },
  { name: 'rmsprop momentum', optimizer: { type: 'rmsprop', learningRate: 0.01, momentum: 0.9, alpha: 0.9 } },
  { name: 'rmsprop weight decay', optimizer: { type: 'rmsprop', weightDecay: 0.2 } },
  { name: 'adagrad', optimizer: { type: 'adagrad', learningRate: 0.1 } },
  { name: 'adagrad weight decay', optimizer: { type: 'adagrad', learningRate: 0.1, weightDecay: 0.2 } },
];

const DEFAULTS: Record<OptimizerOptions['type'], OptimizerOptions> = {
  sgd: { type: 'sgd', learningRate: 0.01, momentum: 0, nesterov: false, weightDecay: 0 },
  adam: { type: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
  adamw: { type: 'adamw', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 },
  rmsprop: { type: 'rmsprop', learningRate: 0.01, alpha: 0.99, epsilon: 1e-8, momentum: 0, weightDecay: 0 },
  adagrad: { type: 'adagrad', learningRate: 0.01, epsilon: 1e-10, weightDecay: 0 },
};

/** Every hyperparameter, defaults filled in (from the network, checked against PyTorch's separately). */
function settingsOf(net: Network): Settings {
  const all: Settings = { learningRate: 0, momentum: 0, nesterov: false, weightDecay: 0, beta1: 0, beta2: 0, epsilon: 0, alpha: 0 };
  return { ...all, ...net.toJSON().optimizer };
}

const STEPS = 3;

describe.each(BACKENDS)('optimizers on the %s backend', (backend) => {
  it.each(CASES)('$name: three steps follow the PyTorch update', ({ optimizer }) => {
    const next = random(11);
    const x = uniform(next, 6, 3);
    const y = uniform(next, 6, 2);
    const net = new Network({
      inputs: 3,
      layers: [{ units: 4, activation: 'tanh' }, { units: 2 }],
      loss: 'mse',
      optimizer,
      seed: 5,
      backend,
    });
    const size = net.parameterCount;
    const step = reference(optimizer.type, settingsOf(net), size);
    for (let t = 1; t <= STEPS; t++) {
      const p = Float64Array.from(flatten(net.getWeights()));
      const { loss, grads } = net.computeGradients(x, y);
      step(p, Float64Array.from(flatten(grads)), t);
      const before = flatten(net.getWeights());
      expect(net.trainBatch(x, y)).toBeCloseTo(loss, 6);
      const after = flatten(net.getWeights());
      let moved = 0;
      for (let i = 0; i < size; i++) {
        expect(Math.abs(after[i] - p[i]), `step ${t}, parameter ${i}`).toBeLessThanOrEqual(1e-5 * Math.abs(p[i]) + 1e-7);
        moved = Math.max(moved, Math.abs(after[i] - before[i]));
      }
      expect(moved).toBeGreaterThan(1e-4);
    }
  });

  it('trainBatch returns the loss before the step', () => {
    const next = random(12);
    const x = uniform(next, 5, 3);
    const y = uniform(next, 5, 1);
    const net = new Network({ inputs: 3, layers: [{ units: 1 }], optimizer: { type: 'sgd', learningRate: 0.1 }, seed: 6, backend });
    const before = net.evaluate(x, y).loss;
    expect(net.trainBatch(x, y)).toBeCloseTo(before, 6);
    expect(net.evaluate(x, y).loss).toBeLessThan(before);
  });

  it.each(Object.values(DEFAULTS))('$type defaults are PyTorch\'s', (expected) => {
    const net = new Network({ inputs: 2, layers: [{ units: 1 }], optimizer: expected.type, seed: 1, backend });
    expect(net.options.optimizer).toEqual(expected);
    expect(net.toJSON().optimizer).toEqual(expected);
    const fromObject = new Network({ inputs: 2, layers: [{ units: 1 }], optimizer: { type: expected.type }, seed: 1, backend });
    expect(fromObject.options.optimizer).toEqual(expected);
  });

  it('uses adam with its defaults when no optimizer is given', () => {
    const net = new Network({ inputs: 2, layers: [{ units: 1 }], seed: 1, backend });
    expect(net.options.optimizer).toEqual(DEFAULTS.adam);
  });
});
