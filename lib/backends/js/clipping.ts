/**
 * PyTorch's clip_grad_norm_ and clip_grad_value_ over the one flat gradient
 * array (every parameter together), as native/core/gradient_clipping.cpp.
 */
import type { OptimizerSettings } from '../../model-spec';

export function clipGradients(s: OptimizerSettings, grads: Float32Array): void {
  if (s.clipNorm > 0) {
    let squares = 0;
    for (let i = 0; i < grads.length; i++) squares += grads[i] * grads[i];
    // As PyTorch: the coefficient is computed and clamped in float32.
    const norm = Math.fround(Math.sqrt(squares));
    const coefficient = Math.min(1, Math.fround(Math.fround(s.clipNorm) / Math.fround(norm + Math.fround(1e-6))));
    if (coefficient < 1) for (let i = 0; i < grads.length; i++) grads[i] *= coefficient;
  } else if (s.clipValue > 0) {
    const limit = Math.fround(s.clipValue);
    for (let i = 0; i < grads.length; i++) grads[i] = Math.min(limit, Math.max(-limit, grads[i]));
  }
}
