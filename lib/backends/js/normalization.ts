/**
 * Batch and layer normalization of a block's pre-activations, in place
 * (z → y = γ·ẑ + β), and their backward (dL/dy → dL/dz, dγ, dβ), as the
 * normalization contract fixes them (PyTorch's BatchNorm1d and LayerNorm,
 * affine). Statistics and gradient sums are accumulated in double (plain
 * numbers) and stored as float32.
 */
import type { LayerOffsets, NormalizationSpec } from '../../model-spec';

/** What one normalized layer's forward keeps for its backward and for the running statistics. */
export interface NormBuffers {
  /** ẑ, rows × units. */
  readonly normalized: Float32Array;
  /** batch: the batch mean and biased variance per unit (units each); layer: unused (length 0). */
  readonly mean: Float32Array;
  readonly variance: Float32Array;
  /** 1/sqrt(σ² + ε): per unit (batch) or per row (layer). */
  readonly invstd: Float32Array;
  /** Double accumulators, one per unit, twice. */
  readonly sums: Float64Array;
}

export function normBuffers(normalization: NormalizationSpec | null, units: number, capacity: number): NormBuffers | null {
  if (normalization === null) return null;
  const batch = normalization.type === 'batch';
  return {
    normalized: new Float32Array(capacity * units),
    mean: new Float32Array(batch ? units : 0),
    variance: new Float32Array(batch ? units : 0),
    invstd: new Float32Array(batch ? units : capacity),
    sums: new Float64Array(2 * units),
  };
}

/**
 * z (rows × units) → y in place. Batch normalization uses the batch's
 * statistics in training mode and the running statistics (read from
 * `params`) in inference mode; layer normalization is the same in both.
 */
export function normalizeForward(
  normalization: NormalizationSpec, layer: LayerOffsets, z: Float32Array, rows: number, params: Float32Array,
  buffers: NormBuffers, training: boolean,
): void {
  if (normalization.type === 'layer') layerForward(layer, z, rows, params, normalization.epsilon, buffers);
  else if (training) batchForward(layer, z, rows, params, normalization.epsilon, buffers);
  else batchInference(layer, z, rows, params, normalization.epsilon);
}

/** Training-mode batch normalization: per unit over the rows, biased variance. */
function batchForward(layer: LayerOffsets, z: Float32Array, rows: number, params: Float32Array, epsilon: number, buffers: NormBuffers): void {
  const { units, normWeight, normBias } = layer;
  const { normalized, mean, variance, invstd, sums } = buffers;
  sums.fill(0, 0, 2 * units);
  for (let r = 0, o = 0; r < rows; r++) for (let j = 0; j < units; j++, o++) sums[j] += z[o];
  for (let j = 0; j < units; j++) sums[j] /= rows;
  for (let r = 0, o = 0; r < rows; r++) {
    for (let j = 0; j < units; j++, o++) {
      const centred = z[o] - sums[j];
      sums[units + j] += centred * centred;
    }
  }
  for (let j = 0; j < units; j++) {
    const v = sums[units + j] / rows;
    mean[j] = sums[j];
    variance[j] = v;
    invstd[j] = 1 / Math.sqrt(v + epsilon);
  }
  for (let r = 0, o = 0; r < rows; r++) {
    for (let j = 0; j < units; j++, o++) {
      normalized[o] = (z[o] - sums[j]) * invstd[j];
      z[o] = params[normWeight + j] * normalized[o] + params[normBias + j];
    }
  }
}

/** Inference-mode batch normalization: the running statistics. */
function batchInference(layer: LayerOffsets, z: Float32Array, rows: number, params: Float32Array, epsilon: number): void {
  const { units, normWeight, normBias, runningMean, runningVar } = layer;
  for (let r = 0, o = 0; r < rows; r++) {
    for (let j = 0; j < units; j++, o++) {
      const n = Math.fround((z[o] - params[runningMean + j]) / Math.sqrt(params[runningVar + j] + epsilon));
      z[o] = params[normWeight + j] * n + params[normBias + j];
    }
  }
}

/** Layer normalization: per row over its units, biased variance. */
function layerForward(layer: LayerOffsets, z: Float32Array, rows: number, params: Float32Array, epsilon: number, buffers: NormBuffers): void {
  const { units, normWeight, normBias } = layer;
  const { normalized, invstd } = buffers;
  for (let r = 0; r < rows; r++) {
    const o = r * units;
    let sum = 0;
    for (let j = 0; j < units; j++) sum += z[o + j];
    const mu = sum / units;
    let squares = 0;
    for (let j = 0; j < units; j++) {
      const centred = z[o + j] - mu;
      squares += centred * centred;
    }
    const inv = (invstd[r] = 1 / Math.sqrt(squares / units + epsilon));
    for (let j = 0; j < units; j++) {
      normalized[o + j] = (z[o + j] - mu) * inv;
      z[o + j] = params[normWeight + j] * normalized[o + j] + params[normBias + j];
    }
  }
}

/**
 * d (rows × units) from dL/dy to dL/dz in place, and dγ, dβ into grads at
 * the layer's normWeight and normBias offsets. Needs the buffers of the
 * training-mode forward of the same rows.
 */
export function normalizeBackward(
  normalization: NormalizationSpec, layer: LayerOffsets, d: Float32Array, rows: number, params: Float32Array,
  buffers: NormBuffers, grads: Float32Array,
): void {
  const { units, normWeight, normBias } = layer;
  const { normalized, invstd, sums } = buffers;
  // sums: dγ (units), then dβ (units).
  sums.fill(0, 0, 2 * units);
  for (let r = 0, o = 0; r < rows; r++) {
    for (let j = 0; j < units; j++, o++) {
      sums[j] += d[o] * normalized[o];
      sums[units + j] += d[o];
    }
  }
  for (let j = 0; j < units; j++) {
    grads[normWeight + j] = sums[j];
    grads[normBias + j] = sums[units + j];
  }
  if (normalization.type === 'batch') {
    for (let r = 0, o = 0; r < rows; r++) {
      for (let j = 0; j < units; j++, o++) {
        const scale = (params[normWeight + j] * invstd[j]) / rows;
        d[o] = scale * (rows * d[o] - sums[units + j] - normalized[o] * sums[j]);
      }
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    const o = r * units;
    let sumG = 0;
    let sumGN = 0;
    for (let j = 0; j < units; j++) {
      const g = d[o + j] * params[normWeight + j];
      sumG += g;
      sumGN += g * normalized[o + j];
    }
    const scale = invstd[r] / units;
    for (let j = 0; j < units; j++) {
      const g = d[o + j] * params[normWeight + j];
      d[o + j] = scale * (units * g - sumG - normalized[o + j] * sumGN);
    }
  }
}

/**
 * After an applied training step of `rows` rows: running_mean and
 * running_var (in `params`' tail) move towards the batch's mean and
 * unbiased variance by the momentum. One row has no unbiased variance:
 * nothing moves (the facade refuses such a batch anyway).
 */
export function updateRunningStatistics(
  normalization: NormalizationSpec, layer: LayerOffsets, rows: number, params: Float32Array, buffers: NormBuffers,
): void {
  if (normalization.type !== 'batch' || rows < 2) return;
  const { units, runningMean, runningVar } = layer;
  const m = normalization.momentum;
  const unbiased = rows / (rows - 1);
  for (let j = 0; j < units; j++) {
    params[runningMean + j] = (1 - m) * params[runningMean + j] + m * buffers.mean[j];
    params[runningVar + j] = (1 - m) * params[runningVar + j] + m * buffers.variance[j] * unbiased;
  }
}
