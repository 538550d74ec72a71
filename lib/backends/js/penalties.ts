/**
 * L1 / L2 penalties on each layer's weight (never its bias): the training
 * loss gains Σ_layers l1·Σ|w| + l2·Σw², and the gradient l1·sign(w) + 2·l2·w
 * with sign(0) = 0. Evaluation (evaluate, valLoss) reports the data loss alone.
 */
import type { LayerOffsets, LayerSpec } from '../../model-spec';

/** The layers that carry a penalty, with their offsets. */
export interface PenalizedLayer {
  readonly offsets: LayerOffsets;
  readonly l1: number;
  readonly l2: number;
}

export function penalizedLayers(specs: readonly LayerSpec[], offsets: readonly LayerOffsets[]): PenalizedLayer[] {
  return specs.flatMap((spec, i) => (spec.l1 > 0 || spec.l2 > 0 ? [{ offsets: offsets[i], l1: spec.l1, l2: spec.l2 }] : []));
}

/** The penalty of these weights, in double. */
export function penalty(layers: readonly PenalizedLayer[], weights: Float32Array): number {
  let total = 0;
  for (const { offsets, l1, l2 } of layers) {
    const end = offsets.weight + offsets.units * offsets.inputs;
    let absolute = 0;
    let squared = 0;
    for (let i = offsets.weight; i < end; i++) {
      absolute += Math.abs(weights[i]);
      squared += weights[i] * weights[i];
    }
    total += l1 * absolute + l2 * squared;
  }
  return total;
}

/** Adds the penalty's gradient to grads (parameter layout), in float32 as the native engine does. */
export function addPenaltyGradient(layers: readonly PenalizedLayer[], weights: Float32Array, grads: Float32Array): void {
  for (const { offsets, l1, l2 } of layers) {
    const end = offsets.weight + offsets.units * offsets.inputs;
    const a = Math.fround(l1);
    const b = Math.fround(2 * l2);
    for (let i = offsets.weight; i < end; i++) {
      const w = weights[i];
      const sign = w > 0 ? a : w < 0 ? -a : 0;
      grads[i] = Math.fround(grads[i] + Math.fround(sign + Math.fround(b * w)));
    }
  }
}
