/** The networks actually learn: XOR, and handwritten digits. */
import { describe, expect, it } from 'vitest';
import { Network } from '../../lib/index.js';
import { BACKENDS } from './backends';
import { loadDigits } from './digits';
import { meanSquaredError } from './fixtures';

const XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const XOR_Y = [[0], [1], [1], [0]];

describe.each(BACKENDS)('learning on the %s backend', (backend) => {
  it.each(['mse', 'binaryCrossEntropy'] as const)('learns XOR with %s', (loss) => {
    const net = new Network({
      inputs: 2,
      layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
      loss,
      optimizer: { type: 'adam', learningRate: 0.05 },
      seed: 42,
      backend,
    });
    const history = net.fitSync(XOR_X, XOR_Y, { epochs: 500, batchSize: 4 });
    expect(history.epochs).toBe(500);
    expect(meanSquaredError(net.predict(XOR_X), XOR_Y.flat())).toBeLessThan(0.01);
    expect(history.loss[history.loss.length - 1]).toBeLessThan(history.loss[0]);
  });

  it('classifies handwritten digits above 90 % after a few epochs', () => {
    const { train, test } = loadDigits(3000, 1000, 2024);
    const net = new Network({
      inputs: 784,
      layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
      loss: 'crossEntropy',
      optimizer: { type: 'adam', learningRate: 2e-3 },
      seed: 7,
      backend,
    });
    const history = net.fitSync(train.x, train.labels, { epochs: 6, batchSize: 32 });
    const { accuracy } = net.evaluate(test.x, test.labels);
    expect(accuracy).toBeGreaterThan(0.9);
    expect(history.accuracy[5]).toBeGreaterThan(history.accuracy[0]);
  }, 60_000);
});
