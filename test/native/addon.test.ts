/** The addon loads through the adapter, from the package, and describes itself. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parameterLayout } from '../../lib/backends/backend';
import { classification, initialParams, looseAddon, modelSpec, nativeEngine, packageRoot } from './helpers';

describe('loadNativeEngine()', () => {
  const engine = nativeEngine();

  it('loads the binary that node-gyp-build finds in this package', () => {
    expect(engine.name).toBe('native');
    expect(existsSync(engine.info.binary)).toBe(true);
    expect(path.relative(packageRoot, engine.info.binary)).toMatch(/^(build\/Release\/backprop\.node|prebuilds\/[\w-]+\/backprop\.node)$/);
  });

  it('reports the SIMD path and the thread count', () => {
    const raw = looseAddon().info();
    expect(raw.isaSupported).toContain(engine.info.isa);
    expect(engine.info.isa).toBe(raw.isa);
    expect(Number.isInteger(engine.info.threads)).toBe(true);
    expect(engine.info.threads).toBeGreaterThanOrEqual(1);
    expect(engine.info.threads).toBeLessThanOrEqual(256);
  });

  it('adapts NativeModel to EngineModel: trains off the JS thread and updates params in place', () => {
    const spec = modelSpec(4, [{ units: 8, activation: 'tanh' }, { units: 3, activation: 'softmax' }], 'crossEntropy');
    const params = initialParams(spec);
    const before = params.slice();
    const model = engine.createModel(spec, params);
    expect(model.trainsOffThread).toBe(true);
    const { x, labels } = classification(6, 4, 3);
    const loss = model.trainBatch(x, labels, 6);
    expect(loss).toBeGreaterThan(0);
    expect(params).not.toEqual(before);
    const grads = new Float32Array(parameterLayout(spec).size);
    expect(model.computeGradients(x, labels, 6, grads)).toBeLessThan(loss);
    model.resetOptimizer();
    model.dispose();
  });
});
