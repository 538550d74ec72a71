/** Every documented form of x and y, validation data, and the history fit returns. */
import { describe, expect, it } from 'vitest';
import { Network, type BatchLog, type EpochLog, type NetworkOptions } from '../../lib/index.js';
import { BACKENDS } from './backends';
import { bitsOf, bytesOf, oneHot, random, randomLabels, rowsOf, uniform } from './fixtures';

const INPUTS = 3;
const CLASSES = 4;
const ROWS = 20;
const next = random(71);
const X = uniform(next, ROWS, INPUTS);
const LABELS = randomLabels(next, ROWS, CLASSES);
const ONE_HOT = oneHot(LABELS, CLASSES);

function nested(flat: Float32Array, width: number): number[][] {
  return Array.from({ length: flat.length / width }, (_, r) => Array.from(flat.subarray(r * width, (r + 1) * width)));
}

function typedRows(flat: Float32Array, width: number): Float32Array[] {
  return Array.from({ length: flat.length / width }, (_, r) => flat.slice(r * width, (r + 1) * width));
}

function classifier(backend: NetworkOptions['backend']): Network {
  return new Network({
    inputs: INPUTS,
    layers: [{ units: 6, activation: 'elu' }, { units: CLASSES, activation: 'softmax' }],
    loss: 'crossEntropy',
    optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.5 },
    seed: 13,
    backend,
  });
}

describe.each(BACKENDS)('data forms on the %s backend', (backend) => {
  it('gives identical results for a flat Float32Array, number[][] and Float32Array[] rows', () => {
    const forms = [X, nested(X, INPUTS), typedRows(X, INPUTS), Array.from(X)];
    const targets = [ONE_HOT, nested(ONE_HOT, CLASSES), typedRows(ONE_HOT, CLASSES), Array.from(ONE_HOT)];
    const reference = classifier(backend);
    const expected = bytesOf(reference.predict(X));
    const expectedEvaluation = reference.evaluate(X, ONE_HOT);
    reference.fitSync(X, ONE_HOT, { epochs: 2, batchSize: 5 });
    const trained = bitsOf(reference.getWeights());
    forms.forEach((x, i) => {
      const net = classifier(backend);
      expect(bytesOf(net.predict(x)).equals(expected)).toBe(true);
      expect(net.evaluate(x, targets[i])).toEqual(expectedEvaluation);
      net.fitSync(x, targets[i], { epochs: 2, batchSize: 5 });
      expect(bitsOf(net.getWeights()).equals(trained)).toBe(true);
    });
  });

  it('returns one row for a single sample given as number[]', () => {
    const net = classifier(backend);
    const out = net.predict([0.1, -0.2, 0.3]);
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.length).toBe(CLASSES);
    expect(bytesOf(out).equals(bytesOf(net.predict([[0.1, -0.2, 0.3]])))).toBe(true);
  });

  it('converts a Float64Array instead of misreading its bytes', () => {
    const net = classifier(backend);
    const wide = Float64Array.from(X);
    expect(bytesOf(net.predict(wide)).equals(bytesOf(net.predict(X)))).toBe(true);
    expect(net.predict(wide).length).toBe(ROWS * CLASSES);
  });

  it('takes Int32Array, Uint8Array and number[] labels as one-hot targets', () => {
    const net = classifier(backend);
    const dense = net.computeGradients(X, ONE_HOT);
    const evaluation = net.evaluate(X, ONE_HOT);
    for (const labels of [LABELS, Uint8Array.from(LABELS), Array.from(LABELS)]) {
      const fromLabels = net.computeGradients(X, labels);
      expect(fromLabels.loss).toBeCloseTo(dense.loss, 6);
      expect(bitsOf(fromLabels.grads).equals(bitsOf(dense.grads))).toBe(true);
      const e = net.evaluate(X, labels);
      expect(e.loss).toBeCloseTo(evaluation.loss, 6);
      expect(e.accuracy).toBe(evaluation.accuracy);
    }
  });

  it('holds out the last rows for validationSplit, before shuffling', () => {
    const validationRows = 5;
    const trainRows = ROWS - validationRows;
    const net = classifier(backend);
    const history = net.fitSync(X, LABELS, { epochs: 2, batchSize: 4, validationSplit: validationRows / ROWS, shuffle: true });
    const lastX = rowsOf(X, INPUTS, trainRows, ROWS);
    const lastY = rowsOf(LABELS, 1, trainRows, ROWS);
    expect(history.valLoss.length).toBe(2);
    expect(history.valAccuracy.length).toBe(2);
    const held = net.evaluate(lastX, lastY);
    expect(history.valLoss[1]).toBeCloseTo(held.loss, 5);
    expect(history.valAccuracy[1]).toBe(held.accuracy);

    // Without shuffling, one batch of the first rows is exactly one trainBatch.
    const split = classifier(backend);
    split.fitSync(X, LABELS, { epochs: 1, batchSize: trainRows, validationSplit: validationRows / ROWS, shuffle: false });
    const stepped = classifier(backend);
    stepped.trainBatch(rowsOf(X, INPUTS, 0, trainRows), rowsOf(LABELS, 1, 0, trainRows));
    expect(bitsOf(split.getWeights()).equals(bitsOf(stepped.getWeights()))).toBe(true);
  });

  it('evaluates validationData after each epoch', () => {
    const vx = uniform(random(72), 7, INPUTS);
    const vy = randomLabels(random(73), 7, CLASSES);
    const net = classifier(backend);
    const history = net.fitSync(X, LABELS, { epochs: 3, batchSize: 6, validationData: { x: nested(vx, INPUTS), y: Array.from(vy) } });
    expect(history.valLoss.length).toBe(3);
    const after = net.evaluate(vx, vy);
    expect(history.valLoss[2]).toBeCloseTo(after.loss, 5);
    expect(history.valAccuracy[2]).toBe(after.accuracy);
  });

  it('reports loss and accuracy per epoch, batch logs that add up, and a throughput', async () => {
    const net = classifier(backend);
    const batches: BatchLog[] = [];
    const epochs: EpochLog[] = [];
    const history = await net.fit(X, LABELS, {
      epochs: 3,
      batchSize: 8,
      onBatchEnd: (log) => batches.push(log),
      onEpochEnd: (log) => epochs.push(log),
    });
    expect(history.epochs).toBe(3);
    expect(history.aborted).toBe(false);
    expect(history.loss.length).toBe(3);
    expect(history.accuracy.length).toBe(3);
    expect(history.valLoss).toEqual([]);
    expect(history.samplesPerSecond).toBeGreaterThan(0);
    expect(batches.map((b) => [b.epoch, b.batch, b.size])).toEqual(
      [1, 2, 3].flatMap((e) => [[e, 1, 8], [e, 2, 8], [e, 3, 4]]),
    );
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    for (const b of batches) {
      expect(b.samplesPerSecond).toBeGreaterThan(0);
      expect(Number.isFinite(b.samplesPerSecond)).toBe(true);
    }
    for (const [i, log] of epochs.entries()) {
      const own = batches.filter((b) => b.epoch === i + 1);
      const meanLoss = own.reduce((s, b) => s + b.loss * b.size, 0) / ROWS;
      const meanAccuracy = own.reduce((s, b) => s + (b.accuracy ?? NaN) * b.size, 0) / ROWS;
      expect(log.loss).toBeCloseTo(meanLoss, 6);
      expect(history.loss[i]).toBe(log.loss);
      expect(log.accuracy).toBeCloseTo(meanAccuracy, 6);
      expect(history.accuracy[i]).toBe(log.accuracy);
      expect(log.accuracy).toBeGreaterThanOrEqual(0);
      expect(log.accuracy).toBeLessThanOrEqual(1);
      expect(log.samplesPerSecond).toBeGreaterThan(0);
    }
  });

  it('reports no accuracy for mse, and per-element accuracy for binaryCrossEntropy', () => {
    const y = uniform(random(74), ROWS, 2, 0, 1);
    const regression = new Network({ inputs: INPUTS, layers: [{ units: 2 }], loss: 'mse', seed: 1, backend });
    const history = regression.fitSync(X, y, { epochs: 2 });
    expect(history.accuracy).toEqual([]);
    expect(regression.evaluate(X, y).accuracy).toBeUndefined();

    const binary = new Network({ inputs: INPUTS, layers: [{ units: 2, activation: 'sigmoid' }], loss: 'binaryCrossEntropy', seed: 1, backend });
    const out = binary.predict(X);
    let correct = 0;
    for (let i = 0; i < out.length; i++) if (out[i] > 0.5 === y[i] > 0.5) correct++;
    expect(binary.evaluate(X, y).accuracy).toBeCloseTo(correct / out.length, 10);
  });
});
