import { describe, expect, it } from 'vitest';
import { parameterLayout, type OptimizerSettings, type TrainChunk } from '../../lib/backends/backend.js';
import { jsEngine } from '../../lib/backends/js/index.js';
import { randomArray } from './helpers';
import { createModel, referenceForward, sgdSettings, twoLayerSpec } from './model-helpers';

const INPUTS = 3;
const OUTPUTS = 4;
const spec = twoLayerSpec(INPUTS, 'relu', 6, 'softmax', OUTPUTS, 'crossEntropy');
const N = 8;
const x = randomArray(N * INPUTS, 1, -2, 2);
const labels = Int32Array.from({ length: N }, (_, r) => (r * 5) % OUTPUTS);
/** Batch size 3 over 8 samples: batches of 3, 3 and a final 2. */
const order = Int32Array.of(5, 2, 7, 0, 3, 6, 1, 4);
const BATCH = 3;

function rowsOf(source: Float32Array, width: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * width);
  for (let r = 0; r < indices.length; r++) out.set(source.subarray(indices[r] * width, (indices[r] + 1) * width), r * width);
  return out;
}

function chunk(firstBatch: number, batchCount: number, xs = x): TrainChunk {
  return { x: xs, targets: labels, order, batchSize: BATCH, firstBatch, batchCount, stats: new Float64Array(2 * batchCount) };
}

describe('jsEngine', () => {
  it('names itself and reports a single-threaded js isa', () => {
    expect(jsEngine.name).toBe('js');
    expect(jsEngine.info).toEqual({ isa: 'js', threads: 1, bfloat16: 'emulated', binary: '' });
    expect(createModel(spec, 1).model.trainsOffThread).toBe(false);
  });
});

describe('predict and evaluate', () => {
  const rows = 600; // more than one internal block
  const bigX = randomArray(rows * INPUTS, 2, -2, 2);
  const bigLabels = Int32Array.from({ length: rows }, (_, r) => (r * 7) % OUTPUTS);

  it('predict matches a plain forward pass on every row', () => {
    const { model, params } = createModel(spec, 3);
    const out = new Float32Array(rows * OUTPUTS);
    model.predict(bigX, rows, out);
    const expected = referenceForward(spec, params, bigX, rows);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < OUTPUTS; j++) expect(out[r * OUTPUTS + j]).toBeCloseTo(expected[r][j], 6);
    }
  });

  it('evaluate gives the mean cross-entropy and argmax matches over all rows', () => {
    const { model, params } = createModel(spec, 3);
    const expected = referenceForward(spec, params, bigX, rows);
    let loss = 0;
    let correct = 0;
    expected.forEach((p, r) => {
      loss -= Math.log(p[bigLabels[r]]);
      if (p.indexOf(Math.max(...p)) === bigLabels[r]) correct++;
    });
    const result = model.evaluate(bigX, bigLabels, rows);
    expect(result.loss).toBeCloseTo(loss / rows, 5);
    expect(result.correct).toBe(correct);
  });

  it('labels and their one-hot rows give the same loss and count', () => {
    const { model } = createModel(spec, 3);
    const oneHot = new Float32Array(rows * OUTPUTS);
    bigLabels.forEach((label, r) => { oneHot[r * OUTPUTS + label] = 1; });
    const a = model.evaluate(bigX, bigLabels, rows);
    const b = model.evaluate(bigX, oneHot, rows);
    expect(b.loss).toBeCloseTo(a.loss, 6);
    expect(b.correct).toBe(a.correct);
  });

  it('binaryCrossEntropy counts elements on the right side of 0.5', () => {
    const bce = twoLayerSpec(INPUTS, 'tanh', 5, 'sigmoid', 2, 'binaryCrossEntropy');
    const { model, params } = createModel(bce, 4);
    const y = Float32Array.from({ length: 2 * N }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const expected = referenceForward(bce, params, x, N).flat();
    const correct = expected.filter((p, i) => (p > 0.5) === (y[i] > 0.5)).length;
    expect(model.evaluate(x, y, N).correct).toBe(correct);
  });
});

describe('training', () => {
  it('trainBatch takes one step along computeGradients and returns the loss before it', () => {
    const { model, params } = createModel(spec, 5);
    const grads = new Float32Array(params.length);
    const loss = model.computeGradients(x, labels, N, grads);
    const before = params.slice();
    expect(model.trainBatch(x, labels, N)).toBe(loss);
    for (let i = 0; i < params.length; i++) {
      expect(params[i]).toBeCloseTo(before[i] - sgdSettings.learningRate * grads[i], 6);
    }
  });

  it('trainChunk trains the chunk\'s batches in order, like trainBatch on the gathered rows', () => {
    const chunked = createModel(spec, 6);
    const stepped = createModel(spec, 6);
    const c = chunk(1, 2);
    expect(chunked.model.trainChunk(c)).toBe(2);
    for (let j = 0; j < 2; j++) {
      const indices = order.subarray((1 + j) * BATCH, Math.min((2 + j) * BATCH, N));
      const bx = rowsOf(x, INPUTS, indices);
      const by = Int32Array.from(indices, (i) => labels[i]);
      const correctBefore = stepped.model.evaluate(bx, by, indices.length).correct;
      expect(c.stats[2 * j]).toBe(stepped.model.trainBatch(bx, by, indices.length));
      expect(c.stats[2 * j + 1]).toBe(correctBefore);
    }
    expect(chunked.params).toEqual(stepped.params);
  });

  it('gathers dense targets as well as labels', () => {
    const dense = new Float32Array(N * OUTPUTS);
    labels.forEach((label, r) => { dense[r * OUTPUTS + label] = 1; });
    const withLabels = createModel(spec, 7);
    const withDense = createModel(spec, 7);
    withLabels.model.trainChunk(chunk(0, 3));
    withDense.model.trainChunk({ ...chunk(0, 3), targets: dense });
    for (let i = 0; i < withLabels.params.length; i++) {
      expect(withDense.params[i]).toBeCloseTo(withLabels.params[i], 6);
    }
  });

  it('stops before applying the first batch whose loss is not finite', () => {
    const poisoned = x.slice();
    poisoned[order[4] * INPUTS] = Number.NaN; // a row of the second batch
    const { model, params } = createModel(spec, 8);
    const reference = createModel(spec, 8);
    const c = chunk(0, 3, poisoned);
    expect(model.trainChunk(c)).toBe(1);
    expect(c.stats[2]).toBeNaN();
    reference.model.trainChunk(chunk(0, 1));
    expect(params).toEqual(reference.params);
  });

  it('computeGradients reports a non-finite loss with non-finite gradients, not stale ones', () => {
    const { model, params } = createModel(spec, 12);
    const grads = new Float32Array(params.length);
    model.computeGradients(x, labels, N, grads);
    const poisoned = x.slice();
    poisoned[0] = Number.NaN;
    expect(model.computeGradients(poisoned, labels, N, grads)).toBeNaN();
    const outputBias = parameterLayout(spec).layers[1].bias;
    for (let j = 0; j < OUTPUTS; j++) expect(grads[outputBias + j]).toBeNaN();
  });

  it('a stop requested before the call does not cut the next call short', async () => {
    const { model } = createModel(spec, 9);
    model.requestStop();
    expect(await model.trainChunkAsync(chunk(0, 3))).toBe(3);
  });

  it('resetOptimizer forgets moments and step count', () => {
    const adam: OptimizerSettings = { ...sgdSettings, type: 'adam', learningRate: 0.01 };
    const adamSpec = { ...spec, optimizer: adam };
    const { model, params } = createModel(adamSpec, 10);
    model.trainBatch(x, labels, 4);
    const restartedParams = params.slice();
    const restarted = jsEngine.createModel(adamSpec, restartedParams);
    model.resetOptimizer();
    model.trainBatch(x.subarray(4 * INPUTS), labels.subarray(4), 4);
    restarted.trainBatch(x.subarray(4 * INPUTS), labels.subarray(4), 4);
    expect(params).toEqual(restartedParams);
  });

  it('keeps working when batches outgrow the workspace', () => {
    const { model, params } = createModel(spec, 11);
    const grads = new Float32Array(parameterLayout(spec).size);
    model.computeGradients(x, labels, 2, grads);
    const small = grads.slice();
    model.trainBatch(x, labels, N);
    params.set(createModel(spec, 11).params);
    model.computeGradients(x, labels, 2, grads);
    expect(grads).toEqual(small);
  });
});
