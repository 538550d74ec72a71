import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainingPlan } from '../../lib/backends/backend.js';
import { jsBackend } from '../../lib/backends/js/index.js';
import type { JsModel } from '../../lib/backends/js/model.js';
import { BackendError } from '../../lib/errors.js';
import { parameterLayout, type OptimizerSettings, type Targets } from '../../lib/model-spec.js';
import { ensureBuiltFacade } from '../support/built-facade';
import { randomArray } from './helpers';
import { createModel, referenceForward, sgdSettings, sharedPlan, twoLayerSpec } from './model-helpers';

const INPUTS = 3;
const OUTPUTS = 4;
const spec = twoLayerSpec(INPUTS, 'relu', 6, 'softmax', OUTPUTS, 'crossEntropy');
const N = 8;
const x = randomArray(N * INPUTS, 1, -2, 2);
const labels = Int32Array.from({ length: N }, (_, r) => (r * 5) % OUTPUTS);
/** Batch size 3 over 8 samples: batches of 3, 3 and a final 2. */
const order = Int32Array.of(5, 2, 7, 0, 3, 6, 1, 4);
const BATCH = 3;
const BATCHES = 3;
const LR = sgdSettings.learningRate;

function rowsOf(source: Float32Array, width: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * width);
  for (let r = 0; r < indices.length; r++) out.set(source.subarray(indices[r] * width, (indices[r] + 1) * width), r * width);
  return out;
}

function plan(xs = x, targets: Targets = labels): TrainingPlan {
  return {
    x: xs, targets, rows: N, order: order.slice(), batchSize: BATCH, rowWeights: null,
    learningRates: new Float64Array(BATCHES).fill(LR), stats: new Float64Array(2 * BATCHES),
  };
}

describe('jsBackend', () => {
  it('names itself and reports a single-threaded js isa', () => {
    expect(jsBackend.name).toBe('js');
    expect(jsBackend.info).toEqual({ isa: 'js', threads: 1, bfloat16: 'emulated', binary: '' });
  });
});

describe('predict and evaluate', () => {
  const rows = 600; // more than one internal block
  const bigX = randomArray(rows * INPUTS, 2, -2, 2);
  const bigLabels = Int32Array.from({ length: rows }, (_, r) => (r * 7) % OUTPUTS);

  it('predict matches a plain forward pass on every row', () => {
    const { model, params } = createModel(spec, 3);
    const out = new Float32Array(rows * OUTPUTS);
    model.predict(params, bigX, rows, out);
    const expected = referenceForward(spec, params, bigX, rows);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < OUTPUTS; j++) expect(out[r * OUTPUTS + j]).toBeCloseTo(expected[r][j], 6);
    }
  });

  it('readers read the weights they are given, not the model\'s parameters', () => {
    const { model, params } = createModel(spec, 3);
    const before = params.slice();
    const snapshot = createModel(spec, 13).params;
    const out = new Float32Array(N * OUTPUTS);
    model.predict(snapshot, x, N, out);
    const expected = referenceForward(spec, snapshot, x, N);
    for (let r = 0; r < N; r++) {
      for (let j = 0; j < OUTPUTS; j++) expect(out[r * OUTPUTS + j]).toBeCloseTo(expected[r][j], 6);
    }
    expect(model.evaluate(snapshot, x, labels, N, null)).toEqual(createModel(spec, 13).model.evaluate(snapshot, x, labels, N, null));
    const evaluated = new Float32Array(N * OUTPUTS);
    expect(model.evaluate(snapshot, x, labels, N, evaluated)).toEqual(model.evaluate(snapshot, x, labels, N, null));
    expect(evaluated).toEqual(out);
    expect(model.evaluate(snapshot, x, labels, N, null).loss).not.toBe(model.evaluate(params, x, labels, N, null).loss);
    const grads = new Float32Array(params.length);
    const other = new Float32Array(params.length);
    expect(model.computeGradients(snapshot, x, labels, N, grads, null)).toBe(createModel(spec, 13).model.computeGradients(snapshot, x, labels, N, other, null));
    expect(grads).toEqual(other);
    expect(params).toEqual(before);
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
    const result = model.evaluate(params, bigX, bigLabels, rows, null);
    expect(result.loss).toBeCloseTo(loss / rows, 5);
    expect(result.correct).toBe(correct);
  });

  it('labels and their one-hot rows give the same loss and count', () => {
    const { model, params } = createModel(spec, 3);
    const oneHot = new Float32Array(rows * OUTPUTS);
    bigLabels.forEach((label, r) => { oneHot[r * OUTPUTS + label] = 1; });
    const a = model.evaluate(params, bigX, bigLabels, rows, null);
    const b = model.evaluate(params, bigX, oneHot, rows, null);
    expect(b.loss).toBeCloseTo(a.loss, 6);
    expect(b.correct).toBe(a.correct);
  });

  it('binaryCrossEntropy counts elements on the right side of 0.5', () => {
    const bce = twoLayerSpec(INPUTS, 'tanh', 5, 'sigmoid', 2, 'binaryCrossEntropy');
    const { model, params } = createModel(bce, 4);
    const y = Float32Array.from({ length: 2 * N }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const expected = referenceForward(bce, params, x, N).flat();
    const correct = expected.filter((p, i) => (p > 0.5) === (y[i] > 0.5)).length;
    expect(model.evaluate(params, x, y, N, null).correct).toBe(correct);
  });
});

describe('training', () => {
  it('trainBatch takes one step along computeGradients and returns the loss before it', () => {
    const { model, params } = createModel(spec, 5);
    const grads = new Float32Array(params.length);
    const loss = model.computeGradients(params, x, labels, N, grads, null);
    const before = params.slice();
    expect(model.trainBatch(x, labels, N, LR, null)).toBe(loss);
    for (let i = 0; i < params.length; i++) {
      expect(params[i]).toBeCloseTo(before[i] - sgdSettings.learningRate * grads[i], 6);
    }
  });

  it('trainSync trains the epoch\'s batches in order, like trainBatch on the gathered rows at their learning rates, and writes stats by batch of the epoch', () => {
    const planned = createModel(spec, 6);
    const stepped = createModel(spec, 6);
    const p = plan();
    p.learningRates.set([0.1, 0, 0.25]);
    const trainer = planned.model.beginTraining(p);
    // Two epochs, the second in another order: each beginEpoch reads the order rewritten before it.
    const epochs = [order, Int32Array.of(1, 6, 0, 4, 2, 7, 5, 3)];
    for (const epochOrder of epochs) {
      p.order.set(epochOrder);
      p.stats.fill(-1);
      trainer.beginEpoch();
      expect(trainer.trainSync(1, 2)).toBe(2);
      expect(trainer.trainSync(0, 1)).toBe(1);
      for (const b of [1, 2, 0]) {
        const indices = epochOrder.subarray(b * BATCH, Math.min((b + 1) * BATCH, N));
        const bx = rowsOf(x, INPUTS, indices);
        const by = Int32Array.from(indices, (i) => labels[i]);
        const correctBefore = stepped.model.evaluate(stepped.params, bx, by, indices.length, null).correct;
        expect(p.stats[2 * b]).toBe(stepped.model.trainBatch(bx, by, indices.length, p.learningRates[b], null));
        expect(p.stats[2 * b + 1]).toBe(correctBefore);
      }
      expect(planned.params).toEqual(stepped.params);
    }
    trainer.end();
  });

  it('gathers dense targets as well as labels', () => {
    const dense = new Float32Array(N * OUTPUTS);
    labels.forEach((label, r) => { dense[r * OUTPUTS + label] = 1; });
    const withLabels = createModel(spec, 7);
    const withDense = createModel(spec, 7);
    for (const [model, targets] of [[withLabels.model, labels], [withDense.model, dense]] as const) {
      const trainer = model.beginTraining(plan(x, targets));
      trainer.beginEpoch();
      expect(trainer.trainSync(0, BATCHES)).toBe(BATCHES);
      trainer.end();
    }
    for (let i = 0; i < withLabels.params.length; i++) {
      expect(withDense.params[i]).toBeCloseTo(withLabels.params[i], 6);
    }
  });

  it('stops before applying the first batch whose loss is not finite, and still writes its stats', () => {
    const poisoned = x.slice();
    poisoned[order[4] * INPUTS] = Number.NaN; // a row of the second batch
    const { model, params } = createModel(spec, 8);
    const reference = createModel(spec, 8);
    const p = plan(poisoned);
    const trainer = model.beginTraining(p);
    trainer.beginEpoch();
    expect(trainer.trainSync(0, BATCHES)).toBe(1);
    expect(p.stats[2]).toBeNaN();
    expect(p.stats[4]).toBe(0);
    const referenceTrainer = reference.model.beginTraining(plan());
    referenceTrainer.beginEpoch();
    referenceTrainer.trainSync(0, 1);
    expect(params).toEqual(reference.params);
  });

  it('a count past the epoch stops at its last batch, as on the native backend', () => {
    const { model, params } = createModel(spec, 18);
    const reference = createModel(spec, 18);
    const p = plan();
    const trainer = model.beginTraining(p);
    trainer.beginEpoch();
    expect(trainer.trainSync(2, 5)).toBe(1);
    expect(trainer.trainSync(3, 1)).toBe(0);
    const referenceTrainer = reference.model.beginTraining(plan());
    referenceTrainer.beginEpoch();
    expect(referenceTrainer.trainSync(2, 1)).toBe(1);
    expect(params).toEqual(reference.params);
  });

  it('computeGradients reports a non-finite loss with non-finite gradients, not stale ones', () => {
    const { model, params } = createModel(spec, 12);
    const grads = new Float32Array(params.length);
    model.computeGradients(params, x, labels, N, grads, null);
    const poisoned = x.slice();
    poisoned[0] = Number.NaN;
    expect(model.computeGradients(params, poisoned, labels, N, grads, null)).toBeNaN();
    const outputBias = parameterLayout(spec).layers[1].bias;
    for (let j = 0; j < OUTPUTS; j++) expect(grads[outputBias + j]).toBeNaN();
  });

  it('a stop requested before the call does not cut the next call short', () => {
    const { model } = createModel(spec, 9);
    const trainer = model.beginTraining(plan());
    trainer.beginEpoch();
    trainer.stop();
    expect(trainer.trainSync(0, BATCHES)).toBe(BATCHES);
  });

  it('keeps working when batches outgrow the workspace', () => {
    const { model, params } = createModel(spec, 11);
    const grads = new Float32Array(parameterLayout(spec).size);
    model.computeGradients(params, x, labels, 2, grads, null);
    const small = grads.slice();
    model.trainBatch(x, labels, N, LR, null);
    params.set(createModel(spec, 11).params);
    model.computeGradients(params, x, labels, 2, grads, null);
    expect(grads).toEqual(small);
  });
});

describe('train on the worker thread (async fit)', () => {
  beforeAll(() => ensureBuiltFacade(), 120_000);

  const adam: OptimizerSettings = { ...sgdSettings, type: 'adam', learningRate: 0.01 };
  const adamSpec = { ...spec, optimizer: adam };
  const secondOrder = Int32Array.of(3, 0, 6, 1, 7, 4, 2, 5);

  it('gives the parameters, stats and optimizer state of trainSync on the same plan, bit for bit', async () => {
    const sync = createModel(adamSpec, 14, true);
    const async = createModel(adamSpec, 14, true);
    const syncPlan = sharedPlan(x, labels, order, BATCH, LR);
    const asyncPlan = sharedPlan(x, labels, order, BATCH, LR);
    const syncTrainer = sync.model.beginTraining(syncPlan);
    const asyncTrainer = async.model.beginTraining(asyncPlan);
    try {
      for (const epochOrder of [order, secondOrder]) {
        syncPlan.order.set(epochOrder);
        asyncPlan.order.set(epochOrder);
        syncTrainer.beginEpoch();
        asyncTrainer.beginEpoch();
        // Chunks of the epoch, as fit() trains them.
        expect(syncTrainer.trainSync(0, 2)).toBe(2);
        expect(syncTrainer.trainSync(2, 1)).toBe(1);
        expect(await asyncTrainer.train(0, 2)).toBe(2);
        expect(await asyncTrainer.train(2, 1)).toBe(1);
        expect(asyncPlan.stats).toEqual(syncPlan.stats);
        expect(asyncPlan.stats.every(Number.isFinite)).toBe(true);
      }
    } finally {
      syncTrainer.end();
      asyncTrainer.end();
    }
    expect(async.params).toEqual(sync.params);
    const syncOptimizer = (sync.model as JsModel).optimizer;
    const asyncOptimizer = (async.model as JsModel).optimizer;
    expect(asyncOptimizer.steps[0]).toBe(2 * BATCHES);
    expect(asyncOptimizer.steps).toEqual(syncOptimizer.steps);
    expect(asyncOptimizer.first).toEqual(syncOptimizer.first);
    expect(asyncOptimizer.second).toEqual(syncOptimizer.second);
  });

  it('continues the optimizer state the JS thread\'s trainBatch left, and trainBatch continues the worker\'s', async () => {
    const mixed = createModel(adamSpec, 15, true);
    const stepped = createModel(adamSpec, 15, true);
    const head = Int32Array.of(0, 1, 2);
    mixed.model.trainBatch(rowsOf(x, INPUTS, head), Int32Array.from(head, (i) => labels[i]), head.length, LR, null);
    const p = sharedPlan(x, labels, order, BATCH, LR);
    const trainer = mixed.model.beginTraining(p);
    trainer.beginEpoch();
    try {
      expect(await trainer.train(0, BATCHES)).toBe(BATCHES);
    } finally {
      trainer.end();
    }
    mixed.model.trainBatch(rowsOf(x, INPUTS, head), Int32Array.from(head, (i) => labels[i]), head.length, LR, null);

    stepped.model.trainBatch(rowsOf(x, INPUTS, head), Int32Array.from(head, (i) => labels[i]), head.length, LR, null);
    for (let b = 0; b < BATCHES; b++) {
      const indices = order.subarray(b * BATCH, Math.min((b + 1) * BATCH, N));
      stepped.model.trainBatch(rowsOf(x, INPUTS, indices), Int32Array.from(indices, (i) => labels[i]), indices.length, LR, null);
    }
    stepped.model.trainBatch(rowsOf(x, INPUTS, head), Int32Array.from(head, (i) => labels[i]), head.length, LR, null);
    expect(mixed.params).toEqual(stepped.params);
  });

  it('stop() ends a running train after its current batch; the next train is not cut short', async () => {
    const rows = 64;
    const bigX = randomArray(rows * INPUTS, 16, -2, 2);
    const bigLabels = Int32Array.from({ length: rows }, (_, r) => r % OUTPUTS);
    const bigOrder = Int32Array.from({ length: rows }, (_, r) => r);
    const { model } = createModel(spec, 16, true);
    const p = sharedPlan(bigX, bigLabels, bigOrder, 1, LR);
    const trainer = model.beginTraining(p);
    trainer.beginEpoch();
    try {
      const running = trainer.train(0, rows);
      trainer.stop();
      const applied = await running;
      expect(applied).toBeGreaterThanOrEqual(1);
      expect(applied).toBeLessThan(rows);
      for (let b = 0; b < applied; b++) expect(Number.isFinite(p.stats[2 * b])).toBe(true);
      expect(p.stats[2 * applied]).toBe(0);
      trainer.stop();
      expect(await trainer.train(applied, rows - applied)).toBe(rows - applied);
    } finally {
      trainer.end();
    }
  });

  it('refuses a plan or parameters outside shared memory, with a BackendError', async () => {
    const unshared = createModel(spec, 17);
    const notSharedParams = unshared.model.beginTraining(sharedPlan(x, labels, order, BATCH, LR));
    notSharedParams.beginEpoch();
    await expect(Promise.resolve().then(() => notSharedParams.train(0, 1))).rejects.toThrow(BackendError);
    notSharedParams.end();
    const shared = createModel(spec, 17, true);
    const notSharedPlan = shared.model.beginTraining(plan());
    notSharedPlan.beginEpoch();
    await expect(Promise.resolve().then(() => notSharedPlan.train(0, 1))).rejects.toThrow(/shared memory/);
    // trainSync works with any arrays.
    expect(notSharedPlan.trainSync(0, BATCHES)).toBe(BATCHES);
    notSharedPlan.end();
  });
});
