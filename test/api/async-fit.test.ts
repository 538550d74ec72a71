/** fit() leaves the event loop free, stops on an AbortSignal, and survives dispose(). */
import { describe, expect, it } from 'vitest';
import { DisposedError, Network, type NetworkOptions } from '../../lib/index.js';
import { BACKENDS } from './backends';
import { expectError, rejected, thrown } from './expect-error';
import { allFinite, bitsOf, flatten, random, randomLabels, uniform } from './fixtures';

const next = random(61);
const ROWS = 256;
const X = uniform(next, ROWS, 8);
const LABELS = randomLabels(next, ROWS, 4);

function options(backend: NetworkOptions['backend']): NetworkOptions {
  return {
    inputs: 8,
    layers: [{ units: 32, activation: 'tanh' }, { units: 4, activation: 'softmax' }],
    loss: 'crossEntropy',
    optimizer: { type: 'adam', learningRate: 0.01 },
    seed: 4,
    backend,
  };
}

const MANY_EPOCHS = 1e6;

function expectUsable(net: Network): void {
  expect(net.training).toBe(false);
  expect(allFinite(flatten(net.getWeights()))).toBe(true);
  const out = net.predict(X);
  expect(out.length).toBe(ROWS * 4);
  expect(allFinite(out)).toBe(true);
}

describe.each(BACKENDS)('async fit on the %s backend', (backend) => {
  it('stops when onBatchEnd aborts, with usable weights; a later fit works', async () => {
    const net = new Network(options(backend));
    const controller = new AbortController();
    let batches = 0;
    const history = await net.fit(X, LABELS, {
      epochs: MANY_EPOCHS,
      batchSize: 16,
      signal: controller.signal,
      onBatchEnd: () => {
        if (++batches === 40) controller.abort();
      },
    });
    expect(history.aborted).toBe(true);
    expect(history.epochs).toBeLessThan(MANY_EPOCHS);
    expect(history.loss.length).toBe(history.epochs);
    expect(batches).toBeGreaterThanOrEqual(40);
    expectUsable(net);
    const again = await net.fit(X, LABELS, { epochs: 2, batchSize: 16 });
    expect(again.aborted).toBe(false);
    expect(again.epochs).toBe(2);
    expectUsable(net);
  });

  it('keeps exactly the batches it applied when aborted', async () => {
    const net = new Network(options(backend));
    const controller = new AbortController();
    let batches = 0;
    const history = await net.fit(X, LABELS, {
      epochs: MANY_EPOCHS,
      batchSize: 32,
      shuffle: false,
      signal: controller.signal,
      onBatchEnd: () => {
        if (++batches === 21) controller.abort();
      },
    });
    expect(history.aborted).toBe(true);
    const replay = new Network(options(backend));
    for (let b = 0; b < batches; b++) {
      const first = (b % (ROWS / 32)) * 32;
      replay.trainBatch(X.subarray(first * 8, (first + 32) * 8), LABELS.subarray(first, first + 32));
    }
    expect(bitsOf(net.getWeights()).equals(bitsOf(replay.getWeights()))).toBe(true);
  });

  it('stops when a timer aborts', async () => {
    const net = new Network(options(backend));
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 30);
    const history = await net.fit(X, LABELS, { epochs: MANY_EPOCHS, signal: controller.signal });
    clearTimeout(timer);
    expect(history.aborted).toBe(true);
    expect(history.epochs).toBeLessThan(MANY_EPOCHS);
    expectUsable(net);
  });

  it('returns at once, aborted, for a signal aborted before it starts', async () => {
    const net = new Network(options(backend));
    const before = flatten(net.getWeights());
    const history = await net.fit(X, LABELS, { epochs: 3, signal: AbortSignal.abort() });
    expect(history.aborted).toBe(true);
    expect(history.epochs).toBe(0);
    expect(flatten(net.getWeights())).toEqual(before);
  });

  it('keeps timers ticking and predict working while it trains', async () => {
    const net = new Network(options(backend));
    const controller = new AbortController();
    let ticks = 0;
    const predictions: Float32Array[] = [];
    const interval = setInterval(() => {
      ticks++;
      if (net.training) predictions.push(net.predict(X.subarray(0, 3 * 8)));
    }, 5);
    // Training goes on until the timer has fired enough times: if fit blocked
    // the event loop, it would never end (and the test would time out).
    const history = await net.fit(X, LABELS, {
      epochs: MANY_EPOCHS,
      signal: controller.signal,
      onBatchEnd: () => {
        if (ticks >= 10) controller.abort();
      },
    });
    clearInterval(interval);
    expect(history.aborted).toBe(true);
    expect(ticks).toBeGreaterThanOrEqual(10);
    expect(predictions.length).toBeGreaterThan(0);
    for (const p of predictions) {
      expect(p.length).toBe(3 * 4);
      expect(allFinite(p)).toBe(true);
    }
  }, 30_000);

  it('rejects with DisposedError when disposed during fit; later calls throw DisposedError', async () => {
    const net = new Network(options(backend));
    let batches = 0;
    const running = net.fit(X, LABELS, {
      epochs: MANY_EPOCHS,
      onBatchEnd: () => {
        // From the event loop, while the next chunk trains.
        if (++batches === 2) setImmediate(() => net.dispose());
      },
    });
    expectError(await rejected(() => running), DisposedError, ['dispose']);
    expect(batches).toBeGreaterThan(0);
    expect(net.training).toBe(false);
    expectError(thrown(() => net.predict(X)), DisposedError, ['disposed']);
    expectError(thrown(() => net.getWeights()), DisposedError, ['disposed']);
    expectError(await rejected(() => net.fit(X, LABELS)), DisposedError, ['disposed']);
  });

  it('fitSync throws DisposedError when disposed from its own onBatchEnd', () => {
    const net = new Network(options(backend));
    const error = thrown(() => net.fitSync(X, LABELS, { epochs: 3, onBatchEnd: (log) => log.batch === 3 && net.dispose() }));
    expectError(error, DisposedError, ['dispose']);
    expect(net.training).toBe(false);
    expectError(thrown(() => net.predict(X)), DisposedError, ['disposed']);
  });

  it('rejects with DisposedError when disposed from its own onBatchEnd', async () => {
    const net = new Network(options(backend));
    const running = net.fit(X, LABELS, { epochs: MANY_EPOCHS, onBatchEnd: (log) => log.batch === 3 && net.dispose() });
    expectError(await rejected(() => running), DisposedError, ['dispose']);
    expectError(thrown(() => net.trainBatch(X, LABELS)), DisposedError, ['disposed']);
  });
});
