/** The addon loads through the adapter, from the package, and describes itself. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parameterLayout } from '../../lib/model-spec';
import { classification, initialParams, LEARNING_RATE, looseAddon, modelSpec, nativeBackend, packageRoot, scrambledOrder, trainingPlan } from './helpers';

describe('loadNativeBackend()', () => {
  const backend = nativeBackend();

  it('loads the binary that node-gyp-build finds in this package', () => {
    expect(backend.name).toBe('native');
    expect(existsSync(backend.info.binary)).toBe(true);
    expect(path.relative(packageRoot, backend.info.binary)).toMatch(/^(build\/Release\/backprop\.node|prebuilds\/[\w-]+\/backprop\.node)$/);
  });

  it('reports the SIMD path and the thread count', () => {
    const raw = looseAddon().info();
    expect(raw.isaSupported).toContain(backend.info.isa);
    expect(backend.info.isa).toBe(raw.isa);
    expect(Number.isInteger(backend.info.threads)).toBe(true);
    expect(backend.info.threads).toBeGreaterThanOrEqual(1);
    expect(backend.info.threads).toBeLessThanOrEqual(256);
  });

  it('adapts NativeModel to BackendModel: updates params in place, reads the weights it is given', () => {
    const spec = modelSpec(4, [{ units: 8, activation: 'tanh' }, { units: 3, activation: 'softmax' }], 'crossEntropy');
    const params = initialParams(spec);
    const before = params.slice();
    const model = backend.createModel(spec, params);
    const { x, labels } = classification(6, 4, 3);
    const loss = model.trainBatch(x, labels, 6, LEARNING_RATE, null);
    expect(loss).toBeGreaterThan(0);
    expect(params).not.toEqual(before);
    const grads = new Float32Array(parameterLayout(spec).size);
    expect(model.computeGradients(params, x, labels, 6, grads, null)).toBeLessThan(loss);
    expect(model.computeGradients(before, x, labels, 6, grads, null)).toBeCloseTo(loss, 6);
    model.dispose();
  });

  it('adapts a fit to Trainer: trainSync and train write stats by batch of the epoch', async () => {
    const spec = modelSpec(4, [{ units: 8, activation: 'tanh' }, { units: 3, activation: 'softmax' }], 'crossEntropy');
    const model = backend.createModel(spec, initialParams(spec));
    const { x, labels } = classification(10, 4, 3);
    const plan = trainingPlan(x, labels, scrambledOrder(10), 4);
    const trainer = model.beginTraining(plan);
    trainer.beginEpoch();
    expect(trainer.trainSync(1, 1)).toBe(1);
    expect(Array.from(plan.stats.subarray(0, 2))).toEqual([0, 0]);
    expect(plan.stats[2]).toBeGreaterThan(0);
    expect(await trainer.train(2, 5)).toBe(1);
    expect(plan.stats[4]).toBeGreaterThan(0);
    trainer.stop();
    trainer.end();
    model.dispose();
  });
});
