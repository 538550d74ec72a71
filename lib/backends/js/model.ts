/**
 * JsModel: an EngineModel in plain TypeScript. Forward, loss, backward and
 * the optimizer step run over the facade's flat parameter array with
 * buffers from a Workspace that is sized once and reused.
 */
import {
  parameterLayout,
  type EngineModel,
  type Evaluation,
  type LayerOffsets,
  type ModelSpec,
  type Targets,
  type TrainChunk,
} from '../backend';
import { activationKernels, type ActivationKernel } from './activations';
import { columnSums, fillRows, gemmNN, gemmNT, gemmTN } from './gemm';
import { lossKernels, type LossKernel } from './losses';
import {
  createOptimizerState,
  optimizerStep,
  resetOptimizerState,
  type OptimizerState,
} from './optimizers';
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

export class JsModel implements EngineModel {
  readonly trainsOffThread = false;
  private readonly spec: ModelSpec;
  /** precision 'bfloat16': GEMM operands rounded as they are packed. */
  private readonly bfloat16: boolean;
  private readonly params: Float32Array;
  private readonly layers: readonly LayerOffsets[];
  private readonly activations: readonly ActivationKernel[];
  private readonly loss: LossKernel;
  private readonly inputs: number;
  private readonly outputs: number;
  /** Gradient of the current training step, in parameter layout. */
  private readonly grads: Float32Array;
  private readonly optimizer: OptimizerState;
  private workspace: Workspace | null = null;
  /** Correct predictions of the last forwardLoss call. */
  private lastCorrect = 0;
  private stopRequested = false;

  constructor(spec: ModelSpec, params: Float32Array) {
    this.spec = spec;
    this.bfloat16 = spec.precision === 'bfloat16';
    this.params = params;
    const layout = parameterLayout(spec);
    this.layers = layout.layers;
    this.activations = spec.layers.map((l) => activationKernels[l.activation]);
    this.loss = lossKernels[spec.loss];
    this.inputs = spec.inputs;
    this.outputs = this.layers[this.layers.length - 1].units;
    this.grads = new Float32Array(layout.size);
    this.optimizer = createOptimizerState(layout.size);
  }

  predict(x: Float32Array, rows: number, out: Float32Array): void {
    const ws = this.workspaceFor(Math.min(rows, INFERENCE_BLOCK_ROWS));
    const last = ws.a[this.layers.length - 1];
    const width = this.outputs;
    for (let r0 = 0; r0 < rows; r0 += INFERENCE_BLOCK_ROWS) {
      const block = Math.min(INFERENCE_BLOCK_ROWS, rows - r0);
      this.forward(ws, x, r0 * this.inputs, block);
      const n = block * width;
      const o = r0 * width;
      for (let i = 0; i < n; i++) out[o + i] = last[i];
    }
  }

  evaluate(x: Float32Array, targets: Targets, rows: number): Evaluation {
    const ws = this.workspaceFor(Math.min(rows, INFERENCE_BLOCK_ROWS));
    const lastLayer = this.layers.length - 1;
    const width = this.outputs;
    let sum = 0;
    let correct = 0;
    for (let r0 = 0; r0 < rows; r0 += INFERENCE_BLOCK_ROWS) {
      const block = Math.min(INFERENCE_BLOCK_ROWS, rows - r0);
      this.forward(ws, x, r0 * this.inputs, block);
      const z = ws.z[lastLayer];
      const a = ws.a[lastLayer];
      sum += this.loss.sum(z, a, targets, r0, block, width);
      correct += this.loss.correct(a, targets, r0, block, width);
    }
    return { loss: sum / this.loss.divisor(rows, width), correct };
  }

  computeGradients(x: Float32Array, targets: Targets, rows: number, grads: Float32Array): number {
    const ws = this.workspaceFor(rows);
    const loss = this.forwardLoss(ws, x, targets, rows);
    this.backward(ws, x, rows, grads);
    return loss;
  }

  trainBatch(x: Float32Array, targets: Targets, rows: number): number {
    return this.trainRows(this.workspaceFor(rows), x, targets, rows);
  }

  trainChunk(chunk: TrainChunk): number {
    this.stopRequested = false;
    const { x, targets, order, batchSize, firstBatch, batchCount, stats } = chunk;
    const ws = this.workspaceFor(batchSize);
    const gathered = targets instanceof Int32Array ? ws.labels : ws.denseTargets;
    for (let j = 0; j < batchCount; j++) {
      const start = (firstBatch + j) * batchSize;
      const rows = Math.min(batchSize, order.length - start);
      this.gather(ws, x, targets, order, start, rows);
      const loss = this.trainRows(ws, ws.x, gathered, rows);
      stats[2 * j] = loss;
      stats[2 * j + 1] = this.lastCorrect;
      if (!Number.isFinite(loss)) return j;
      if (this.stopRequested) return j + 1;
    }
    return batchCount;
  }

  trainChunkAsync(chunk: TrainChunk): Promise<number> {
    try {
      return Promise.resolve(this.trainChunk(chunk));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  requestStop(): void {
    this.stopRequested = true;
  }

  resetOptimizer(): void {
    resetOptimizerState(this.optimizer);
  }

  dispose(): void {
    this.workspace = null;
  }

  /** A workspace with room for `rows` rows; grows (never shrinks) on demand. */
  private workspaceFor(rows: number): Workspace {
    if (this.workspace === null || this.workspace.capacity < rows) {
      this.workspace = new Workspace(this.layers, rows);
    }
    return this.workspace;
  }

  /** One optimizer step on these rows unless their loss is not finite; returns that loss. */
  private trainRows(ws: Workspace, x: Float32Array, targets: Targets, rows: number): number {
    const loss = this.forwardLoss(ws, x, targets, rows);
    if (Number.isFinite(loss)) {
      this.backward(ws, x, rows, this.grads);
      optimizerStep(this.params, this.grads, this.optimizer, this.spec.optimizer);
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

  /** Z = X·Wᵀ + b (bias prefilled, then accumulated into) and A = f(Z), layer by layer. */
  private forward(ws: Workspace, x: Float32Array, xOff: number, rows: number): void {
    const params = this.params;
    let input = x;
    let inputOff = xOff;
    for (let l = 0; l < this.layers.length; l++) {
      const { inputs, units, weight, bias } = this.layers[l];
      const z = ws.z[l];
      fillRows(z, 0, rows, units, params, bias);
      gemmNT(rows, units, inputs, input, inputOff, params, weight, z, 0, this.bfloat16);
      this.activations[l].forward(z, ws.a[l], rows, units);
      input = ws.a[l];
      inputOff = 0;
    }
  }

  /**
   * Forward pass, then the mean loss (returned) and correct count
   * (lastCorrect) of these rows, and the last layer's dL/dZ into its delta.
   */
  private forwardLoss(ws: Workspace, x: Float32Array, targets: Targets, rows: number): number {
    this.forward(ws, x, 0, rows);
    const last = this.layers.length - 1;
    const width = this.outputs;
    const z = ws.z[last];
    const a = ws.a[last];
    const divisor = this.loss.divisor(rows, width);
    const loss = this.loss.sum(z, a, targets, 0, rows, width) / divisor;
    this.lastCorrect = this.loss.correct(a, targets, 0, rows, width);
    const d = ws.delta[last];
    this.loss.gradient(a, targets, 0, rows, width, 1 / divisor, d);
    if (!this.loss.fusesActivation) this.activations[last].backward(z, a, d, rows, width);
    return loss;
  }

  /** From the last layer's dL/dZ (left by forwardLoss): dW, db of every layer into grads. */
  private backward(ws: Workspace, x: Float32Array, rows: number, grads: Float32Array): void {
    const params = this.params;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const { inputs, units, weight, bias } = this.layers[l];
      const d = ws.delta[l];
      const input = l === 0 ? x : ws.a[l - 1];
      grads.fill(0, weight, weight + units * inputs);
      gemmTN(units, inputs, rows, d, 0, input, 0, grads, weight, this.bfloat16);
      columnSums(d, rows, units, grads, bias);
      if (l > 0) {
        const previous = ws.delta[l - 1];
        previous.fill(0, 0, rows * inputs);
        gemmNN(rows, inputs, units, d, 0, params, weight, previous, 0, this.bfloat16);
        this.activations[l - 1].backward(ws.z[l - 1], ws.a[l - 1], previous, rows, inputs);
      }
    }
  }
}
