/**
 * Weights never silently become infinite outside fit: trainBatch's step is
 * undone when its loss or its update is not finite (as fit keeps its last
 * finite weights), and setWeights refuses values float32 cannot hold.
 */
import type { BackendModel } from './backends/backend';
import { ArgumentError, DivergenceError } from './errors';
import { firstNonFinite, FLOAT32_RANGE } from './finite';

/**
 * trainBatch's answer from the backend's: the loss of a kept step, or the
 * DivergenceError of a step the backend did not keep (it left the network
 * exactly as before it: BackendModel.trainBatch).
 */
export function keptStepLoss(loss: number, model: BackendModel): number {
  if (Number.isFinite(loss)) return loss;
  const undone = model.undoneUpdate();
  const what = undone === null ? `the loss was ${loss}` : `the update made parameter ${undone.index} ${undone.value}`;
  // trainBatch is one batch outside any epoch: epoch 0, batch 1.
  throw new DivergenceError(`trainBatch diverged: ${what}; the step was undone and the network keeps its weights`, 0, 1);
}

/**
 * Throws an ArgumentError when a value converted to float32 is not finite
 * (a finite number beyond float32's range becomes Infinity).
 */
export function checkFloat32(values: Float32Array, name: string, width: number): void {
  const bad = firstNonFinite(values);
  if (bad < 0) return;
  const where = width > 0 ? `[${Math.floor(bad / width)}][${bad % width}]` : `[${bad}]`;
  throw new ArgumentError(`${name}${where} is beyond the float32 range (${FLOAT32_RANGE}); float32 cannot hold it`);
}
