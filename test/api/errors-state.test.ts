/** A network busy with a fit, a disposed network, and a fit whose loss stops being finite. */
import { describe, expect, it } from 'vitest';
import { BusyError, DisposedError, DivergenceError, Network, type NetworkOptions } from '../../lib/index.js';
import { BACKENDS } from './backends';
import { expectError, rejected, thrown } from './expect-error';
import { allFinite, bitsOf, flatten, random, randomLabels, uniform } from './fixtures';

const next = random(51);
const X = uniform(next, 64, 4);
const LABELS = randomLabels(next, 64, 3);

function options(backend: NetworkOptions['backend']): NetworkOptions {
  return {
    inputs: 4,
    layers: [{ units: 8, activation: 'relu' }, { units: 3, activation: 'softmax' }],
    loss: 'crossEntropy',
    seed: 2,
    backend,
  };
}

/** A fit that runs until aborted. */
function endlessFit(net: Network): { running: Promise<unknown>; stop: () => void } {
  const controller = new AbortController();
  const running = net.fit(X, LABELS, { epochs: 1e9, batchSize: 8, signal: controller.signal });
  return { running, stop: () => controller.abort() };
}

describe.each(BACKENDS)('network state on the %s backend', (backend) => {
  it('refuses a second fit, fitSync, trainBatch and setWeights while a fit runs', async () => {
    const net = new Network(options(backend));
    const weights = net.getWeights();
    const { running, stop } = endlessFit(net);
    expect(net.training).toBe(true);
    expectError(await rejected(() => net.fit(X, LABELS)), BusyError, ['fit()']);
    expectError(thrown(() => net.fitSync(X, LABELS)), BusyError, ['fit()']);
    expectError(thrown(() => net.trainBatch(X, LABELS)), BusyError, ['trainBatch()']);
    expectError(thrown(() => net.setWeights(weights)), BusyError, ['setWeights()']);
    stop();
    await running;
    expect(net.training).toBe(false);
    expect(net.trainBatch(X, LABELS)).toBeGreaterThan(0);
    net.setWeights(weights);
  });

  it('refuses trainBatch from inside its own fitSync, and the fit rethrows it', () => {
    const net = new Network(options(backend));
    const error = thrown(() => net.fitSync(X, LABELS, { onBatchEnd: () => net.trainBatch(X, LABELS) }));
    expectError(error, BusyError, ['trainBatch()']);
    expect(net.training).toBe(false);
  });

  it('rethrows what a callback throws and is usable afterwards', async () => {
    const net = new Network(options(backend));
    const failure = new Error('stop here');
    expect(await rejected(() => net.fit(X, LABELS, { epochs: 3, onEpochEnd: () => { throw failure; } }))).toBe(failure);
    expect(thrown(() => net.fitSync(X, LABELS, { onBatchEnd: () => { throw failure; } }))).toBe(failure);
    expect(net.training).toBe(false);
    expect(net.fitSync(X, LABELS).epochs).toBe(1);
  });

  it('throws DisposedError from every method after dispose', async () => {
    const net = new Network(options(backend));
    const weights = net.getWeights();
    net.dispose();
    expect(net.disposed).toBe(true);
    net.dispose();
    const calls: [string, () => unknown][] = [
      ['predict', () => net.predict(X)],
      ['evaluate', () => net.evaluate(X, LABELS)],
      ['trainBatch', () => net.trainBatch(X, LABELS)],
      ['computeGradients', () => net.computeGradients(X, LABELS)],
      ['getWeights', () => net.getWeights()],
      ['setWeights', () => net.setWeights(weights)],
      ['toJSON', () => net.toJSON()],
      ['fitSync', () => net.fitSync(X, LABELS)],
    ];
    for (const [name, call] of calls) {
      expect(thrown(call), name).toBeInstanceOf(DisposedError);
      expectError(thrown(call), DisposedError, ['disposed']);
    }
    expectError(await rejected(() => net.fit(X, LABELS)), DisposedError, ['disposed']);
    expectError(await rejected(() => net.save('never-written.safetensors')), DisposedError, ['disposed']);
  });

  describe('divergence', () => {
    // One linear unit, large inputs and targets, a learning rate far too big:
    // the output grows about 200-fold per step until it overflows.
    const xs = new Float32Array(16).fill(10);
    const ys = new Float32Array(16).fill(1e4);
    const diverging = () =>
      new Network({ inputs: 1, layers: [{ units: 1 }], loss: 'mse', optimizer: { type: 'sgd', learningRate: 1 }, seed: 3, backend });

    const check = (net: Network, error: unknown) => {
      expectError(error, DivergenceError, ['epoch', 'batch']);
      const { epoch, batch } = error as DivergenceError;
      expect(Number.isInteger(epoch) && epoch >= 1 && epoch <= 50).toBe(true);
      expect(Number.isInteger(batch) && batch >= 1 && batch <= 4).toBe(true);
      expect((error as Error).message).toContain(`epoch ${epoch}`);
      expect((error as Error).message).toContain(`batch ${batch}`);
      // The first batches still have a finite loss.
      expect(epoch > 1 || batch > 1).toBe(true);
      expect(net.training).toBe(false);
      expect(allFinite(flatten(net.getWeights()))).toBe(true);
      expect(allFinite(net.predict([1]))).toBe(true);
    };

    it('stops fitSync with a DivergenceError naming epoch and batch, weights finite', () => {
      const net = diverging();
      check(net, thrown(() => net.fitSync(xs, ys, { epochs: 50, batchSize: 4, shuffle: false })));
    });

    it('leaves the weights as they were before the failing batch', () => {
      const net = diverging();
      const { epoch, batch } = thrown(() => net.fitSync(xs, ys, { epochs: 50, batchSize: 4, shuffle: false })) as DivergenceError;
      const replay = diverging();
      for (let b = 0; b < (epoch - 1) * 4 + batch - 1; b++) replay.trainBatch(xs.subarray(4 * (b % 4), 4 * (b % 4) + 4), ys.subarray(0, 4));
      expect(bitsOf(net.getWeights()).equals(bitsOf(replay.getWeights()))).toBe(true);
    });

    it('rejects fit with a DivergenceError naming epoch and batch, weights finite', async () => {
      const net = diverging();
      check(net, await rejected(() => net.fit(xs, ys, { epochs: 50, batchSize: 4, shuffle: false })));
    });
  });
});
