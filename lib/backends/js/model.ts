/**
 * JsModel: a BackendModel in plain TypeScript. Forward, loss, backward and
 * the optimizer step run over the facade's flat parameter array with
 * buffers from Workspaces that are sized once and reused. The same class
 * runs on the JS thread and, for an async fit, on the worker thread of
 * lib/backends/js/worker.ts, over the same shared parameters and optimizer
 * state.
 */
import type { BackendModel, OptimizerSnapshot, Score, UndoneUpdate, Trainer, TrainingPlan } from '../backend';
import { parameterLayout, type LayerOffsets, type ModelSpec, type NormalizationSpec, type Targets } from '../../model-spec';
import { activationKernels, type ActivationKernel } from './activations';
import { columnSums, fillRows, gemmNN, gemmNT, gemmTN } from './gemm';
import { lossKernel, type LossKernel } from './losses';
import { clipGradients } from './clipping';
import { dropBackward, dropForward, maskKey } from './dropout';
import { normalizeBackward, normalizeForward, updateRunningStatistics, type NormBuffers } from './normalization';
import { addPenaltyGradient, penalizedLayers, penalty, type PenalizedLayer } from './penalties';
import { createOptimizerState, optimizerStep, type OptimizerState } from './optimizers';
import { firstNonFinite } from '../../finite';
import { JsTrainer } from './trainer';
import { Workspace } from './workspace';

/** Rows per block in predict and evaluate, bounding their memory for any n. */
const INFERENCE_BLOCK_ROWS = 256;

/** Row r of dst (rows of `width` values) = row order[start + r] of src. */
function gatherRows(
  src: Float32Array, width: number, order: Int32Array, start: number, rows: number, dst: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const from = order[start + r] * width;
    const to = r * width;
    for (let c = 0; c < width; c++) dst[to + c] = src[from + c];
  }
}

export class JsModel implements BackendModel {
  readonly spec: ModelSpec;
  /** precision 'bfloat16': GEMM operands rounded as they are packed. */
  private readonly bfloat16: boolean;
  /** The model's state: the parameters, then the running statistics (parameterLayout's stateSize). */
  readonly params: Float32Array;
  /** params' first P values: what the optimizer updates. */
  private readonly parameters: Float32Array;
  private readonly layers: readonly LayerOffsets[];
  private readonly activations: readonly ActivationKernel[];
  private readonly loss: LossKernel;
  private readonly penalized: readonly PenalizedLayer[];
  /** Each layer's dropout rate (0: none). */
  private readonly dropout: readonly number[];
  /** Each layer's normalization (null: none). */
  private readonly normalization: readonly (NormalizationSpec | null)[];
  private readonly inputs: number;
  private readonly outputs: number;
  /** Gradient of the current training step, in parameter layout. */
  private readonly grads: Float32Array;
  readonly optimizer: OptimizerState;
  /** Readers (predict, evaluate, computeGradients) and training use their
   *  own buffers, so a reader never disturbs a batch in progress. */
  private readerWorkspace: Workspace | null = null;
  private trainingWorkspace: Workspace | null = null;
  /** Correct predictions of the last forwardLoss call. */
  private lastCorrect = 0;
  /** trainBatch's copies of what a step changes (params and both moments), allocated on its first call: fit needs none. */
  private stepBackup: { readonly state: Float32Array; readonly first: Float32Array; readonly second: Float32Array } | null = null;
  /** The value the last trainBatch's update made non-finite, undone (null: none). */
  private undone: UndoneUpdate | null = null;

  constructor(spec: ModelSpec, params: Float32Array, optimizer?: OptimizerState) {
    this.spec = spec;
    this.bfloat16 = spec.precision === 'bfloat16';
    this.params = params;
    const layout = parameterLayout(spec);
    this.layers = layout.layers;
    this.activations = spec.layers.map((l) => activationKernels[l.activation]);
    this.loss = lossKernel(spec.loss, spec.lossParameters);
    this.penalized = penalizedLayers(spec.layers, layout.layers);
    this.dropout = spec.layers.map((l) => l.dropout);
    this.normalization = spec.layers.map((l) => l.normalization ?? null);
    this.parameters = params.subarray(0, layout.size);
    this.inputs = spec.inputs;
    this.outputs = this.layers[this.layers.length - 1].units;
    this.grads = new Float32Array(layout.size);
    this.optimizer = optimizer ?? createOptimizerState(layout.size);
  }

  predict(weights: Float32Array, x: Float32Array, rows: number, out: Float32Array): void {
    const ws = this.readers(Math.min(rows, INFERENCE_BLOCK_ROWS));
    const last = ws.a[this.layers.length - 1];
    const width = this.outputs;
    for (let r0 = 0; r0 < rows; r0 += INFERENCE_BLOCK_ROWS) {
      const block = Math.min(INFERENCE_BLOCK_ROWS, rows - r0);
      this.forward(ws, weights, x, r0 * this.inputs, block, null);
      const n = block * width;
      const o = r0 * width;
      for (let i = 0; i < n; i++) out[o + i] = last[i];
    }
  }

  evaluate(weights: Float32Array, x: Float32Array, targets: Targets, rows: number, out: Float32Array | null): Score {
    const ws = this.readers(Math.min(rows, INFERENCE_BLOCK_ROWS));
    const lastLayer = this.layers.length - 1;
    const width = this.outputs;
    let sum = 0;
    let correct = 0;
    for (let r0 = 0; r0 < rows; r0 += INFERENCE_BLOCK_ROWS) {
      const block = Math.min(INFERENCE_BLOCK_ROWS, rows - r0);
      this.forward(ws, weights, x, r0 * this.inputs, block, null);
      const z = ws.z[lastLayer];
      const a = ws.a[lastLayer];
      sum += this.loss.sum(z, a, targets, r0, block, width);
      correct += this.loss.correct(a, targets, r0, block, width);
      if (out !== null) out.set(a.subarray(0, block * width), r0 * width);
    }
    return { loss: sum / this.loss.divisor(rows, width), correct };
  }

  computeGradients(
    weights: Float32Array, x: Float32Array, targets: Targets, rows: number, grads: Float32Array, rowWeights: Float32Array | null,
  ): number {
    const ws = this.readers(rows);
    const step = this.maskStep();
    const loss = this.forwardLoss(ws, weights, x, targets, rows, rowWeights, step) + penalty(this.penalized, weights);
    this.backward(ws, weights, x, rows, grads, step);
    addPenaltyGradient(this.penalized, weights, grads);
    return loss;
  }

  trainBatch(x: Float32Array, targets: Targets, rows: number, learningRate: number, rowWeights: Float32Array | null): number {
    const { steps, first, second } = this.optimizer;
    this.stepBackup ??= { state: new Float32Array(this.params.length), first: new Float32Array(first.length), second: new Float32Array(second.length) };
    const backup = this.stepBackup;
    backup.state.set(this.params);
    backup.first.set(first);
    backup.second.set(second);
    const stepsBefore = steps[0];
    const loss = this.trainRows(this.training(rows), x, targets, rows, learningRate, rowWeights);
    // A loss that is not finite applied nothing.
    const bad = Number.isFinite(loss) ? firstNonFinite(this.params) : -1;
    this.undone = bad < 0 ? null : { index: bad, value: this.params[bad] };
    if (bad < 0) return loss;
    this.params.set(backup.state);
    first.set(backup.first);
    second.set(backup.second);
    steps[0] = stepsBefore;
    return NaN;
  }

  undoneUpdate(): UndoneUpdate | null {
    return this.undone;
  }

  firstNonFiniteParameter(): number {
    return firstNonFinite(this.params);
  }

  optimizerState(): OptimizerSnapshot {
    const { steps, first, second } = this.optimizer;
    return { steps: steps[0], first: first.slice(), second: second.slice() };
  }

  setOptimizerState(state: OptimizerSnapshot): void {
    this.optimizer.steps[0] = state.steps;
    this.optimizer.first.set(state.first);
    this.optimizer.second.set(state.second);
  }

  beginTraining(plan: TrainingPlan): Trainer {
    return new JsTrainer(this, plan);
  }

  /**
   * Trains batches [first, first + count) of the plan's epoch; returns how
   * many were applied (see Trainer.train). `stopFlag[0]` ≠ 0 ends it after
   * the current batch.
   */
  trainBatches(plan: TrainingPlan, first: number, count: number, stopFlag: Int32Array): number {
    const { x, targets, order, batchSize, rowWeights, learningRates, stats } = plan;
    const ws = this.training(batchSize);
    const gathered = targets instanceof Int32Array ? ws.labels : ws.denseTargets;
    count = Math.min(count, Math.max(0, Math.ceil(order.length / batchSize) - first)); // the epoch's end, as native
    for (let j = 0; j < count; j++) {
      const b = first + j;
      const start = b * batchSize;
      const rows = Math.min(batchSize, order.length - start);
      this.gather(ws, x, targets, order, start, rows);
      if (rowWeights !== null) for (let r = 0; r < rows; r++) ws.rowWeights[r] = rowWeights[order[start + r]];
      const loss = this.trainRows(ws, ws.x, gathered, rows, learningRates[b], rowWeights === null ? null : ws.rowWeights);
      stats[2 * b] = loss;
      stats[2 * b + 1] = this.lastCorrect;
      if (!Number.isFinite(loss)) return j;
      if (Atomics.load(stopFlag, 0) !== 0) return j + 1;
    }
    return count;
  }

  dispose(): void {
    this.readerWorkspace = null;
    this.trainingWorkspace = null;
  }

  /** Workspaces with room for `rows` rows; they grow (never shrink) on demand. */
  private readers(rows: number): Workspace {
    if (this.readerWorkspace === null || this.readerWorkspace.capacity < rows) {
      this.readerWorkspace = new Workspace(this.layers, this.dropout, this.normalization, rows);
    }
    return this.readerWorkspace;
  }

  private training(rows: number): Workspace {
    if (this.trainingWorkspace === null || this.trainingWorkspace.capacity < rows) {
      this.trainingWorkspace = new Workspace(this.layers, this.dropout, this.normalization, rows);
    }
    return this.trainingWorkspace;
  }

  /** One optimizer step on these rows unless their loss is not finite; returns that loss. */
  private trainRows(
    ws: Workspace, x: Float32Array, targets: Targets, rows: number, learningRate: number, rowWeights: Float32Array | null,
  ): number {
    const step = this.maskStep();
    const loss = this.forwardLoss(ws, this.params, x, targets, rows, rowWeights, step) + penalty(this.penalized, this.params);
    if (Number.isFinite(loss)) {
      this.backward(ws, this.params, x, rows, this.grads, step);
      addPenaltyGradient(this.penalized, this.params, this.grads);
      clipGradients(this.spec.optimizer, this.grads);
      optimizerStep(this.parameters, this.grads, this.optimizer, this.spec.optimizer, learningRate);
      // Running statistics move with the applied step only, never with a reader's pass.
      this.normalization.forEach((normalization, l) => {
        const buffers = ws.norm[l];
        if (normalization !== null && buffers !== null) updateRunningStatistics(normalization, this.layers[l], rows, this.params, buffers);
      });
    }
    return loss;
  }

  /** Copies the batch's rows (order[start … start+rows)) of x and targets into ws. */
  private gather(
    ws: Workspace, x: Float32Array, targets: Targets, order: Int32Array, start: number, rows: number,
  ): void {
    gatherRows(x, this.inputs, order, start, rows, ws.x);
    if (targets instanceof Int32Array) {
      for (let r = 0; r < rows; r++) ws.labels[r] = targets[order[start + r]];
    } else {
      gatherRows(targets, this.outputs, order, start, rows, ws.denseTargets);
    }
  }

  /**
   * Z = X·Wᵀ + b (bias prefilled, then accumulated into), normalized in
   * place when the layer is, and A = f(Z), layer by layer. In training mode
   * (`maskStep`: the optimizer step whose masks apply) batch normalization
   * uses the batch's statistics and a layer with dropout passes its masked
   * copy on; in inference mode (null) batch normalization uses the running
   * statistics and nothing is dropped.
   */
  private forward(ws: Workspace, params: Float32Array, x: Float32Array, xOff: number, rows: number, maskStep: number | null): void {
    let input = x;
    let inputOff = xOff;
    for (let l = 0; l < this.layers.length; l++) {
      const { inputs, units, weight, bias } = this.layers[l];
      const z = ws.z[l];
      fillRows(z, 0, rows, units, params, bias);
      gemmNT(rows, units, inputs, input, inputOff, params, weight, z, 0, this.bfloat16);
      const normalization = this.normalization[l];
      if (normalization !== null) {
        normalizeForward(normalization, this.layers[l], z, rows, params, ws.norm[l] as NormBuffers, maskStep !== null);
      }
      this.activations[l].forward(z, ws.a[l], rows, units);
      input = ws.a[l];
      inputOff = 0;
      const dropped = ws.dropped[l];
      if (maskStep !== null && dropped !== null) {
        dropForward(ws.a[l], dropped, rows * units, maskKey(this.spec.dropoutSeed, maskStep, l), this.dropout[l]);
        input = dropped;
      }
    }
  }

  /** Layer l's input in training mode: x, or the layer below's (masked) output. */
  private inputOf(ws: Workspace, x: Float32Array, l: number): Float32Array {
    if (l === 0) return x;
    return ws.dropped[l - 1] ?? ws.a[l - 1];
  }

  /** The step whose dropout masks a training-mode pass uses: the next optimizer step's. */
  private maskStep(): number {
    return this.optimizer.steps[0];
  }

  /**
   * Forward pass, then the mean loss (returned) and correct count
   * (lastCorrect) of these rows, and the last layer's dL/dZ into its delta.
   */
  private forwardLoss(
    ws: Workspace, params: Float32Array, x: Float32Array, targets: Targets, rows: number, rowWeights: Float32Array | null,
    maskStep: number,
  ): number {
    this.forward(ws, params, x, 0, rows, maskStep);
    const last = this.layers.length - 1;
    const width = this.outputs;
    const z = ws.z[last];
    const a = ws.a[last];
    const divisor = this.loss.divisor(rows, width);
    this.lastCorrect = this.loss.correct(a, targets, 0, rows, width);
    const d = ws.delta[last];
    this.loss.gradient(a, targets, 0, rows, width, 1 / divisor, d);
    if (!this.loss.fusesActivation) this.activations[last].backward(z, a, d, rows, width);
    if (rowWeights === null) return this.loss.sum(z, a, targets, 0, rows, width) / divisor;
    return this.weightRows(z, a, targets, rows, rowWeights, d);
  }

  /**
   * The weighted mean Σ wᵢ·lᵢ / Σ wᵢ of the rows' losses (lᵢ: the row's mean
   * over its outputs, or its crossEntropy term), and its gradient from the
   * plain mean's in d: row i scaled by wᵢ·rows / Σ wᵢ.
   */
  private weightRows(z: Float32Array, a: Float32Array, targets: Targets, rows: number, w: Float32Array, d: Float32Array): number {
    const width = this.outputs;
    const perRow = this.loss.divisor(1, width);
    let weighted = 0;
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const row = this.loss.sum(z.subarray(r * width), a.subarray(r * width), targets, r, 1, width);
      weighted += (w[r] * row) / perRow;
      total += w[r];
    }
    for (let r = 0; r < rows; r++) {
      const factor = Math.fround((w[r] * rows) / total);
      for (let j = r * width; j < (r + 1) * width; j++) d[j] *= factor;
    }
    return weighted / total;
  }

  /** From the last layer's dL/dZ (dL/dY when normalized; left by forwardLoss): dγ, dβ, dW, db of every layer into grads. */
  private backward(ws: Workspace, params: Float32Array, x: Float32Array, rows: number, grads: Float32Array, maskStep: number): void {
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const { inputs, units, weight, bias } = this.layers[l];
      const d = ws.delta[l];
      const normalization = this.normalization[l];
      if (normalization !== null) normalizeBackward(normalization, this.layers[l], d, rows, params, ws.norm[l] as NormBuffers, grads);
      const input = this.inputOf(ws, x, l);
      grads.fill(0, weight, weight + units * inputs);
      gemmTN(units, inputs, rows, d, 0, input, 0, grads, weight, this.bfloat16);
      columnSums(d, rows, units, grads, bias);
      if (l > 0) {
        const previous = ws.delta[l - 1];
        previous.fill(0, 0, rows * inputs);
        gemmNN(rows, inputs, units, d, 0, params, weight, previous, 0, this.bfloat16);
        if (ws.dropped[l - 1] !== null) {
          dropBackward(previous, rows * inputs, maskKey(this.spec.dropoutSeed, maskStep, l - 1), this.dropout[l - 1]);
        }
        this.activations[l - 1].backward(ws.z[l - 1], ws.a[l - 1], previous, rows, inputs);
      }
    }
  }
}
