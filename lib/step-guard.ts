/**
 * Weights never silently become infinite outside fit: trainBatch's step is
 * undone when its loss or its update is not finite (as fit keeps its last
 * finite weights), and setWeights refuses values float32 cannot hold.
 */
import { ArgumentError, DivergenceError } from './errors';
import { firstNonFinite, FLOAT32_RANGE } from './finite';

/** Keeps a copy of the weights across one optimizer step, to put back when the step was not finite. */
export class StepGuard {
  #before: Float32Array | null = null;

  /**
   * Runs `step` (which updates `params` and returns the loss before it);
   * throws a DivergenceError, weights restored, when it was not finite.
   * `scan` returns the index of a non-finite value of `params`, or −1 (the
   * backend's scan, at memory speed where it can).
   */
  step(params: Float32Array, step: () => number, scan: () => number): number {
    if (this.#before === null || this.#before.length !== params.length) this.#before = new Float32Array(params.length);
    this.#before.set(params);
    const loss = step();
    const bad = scan();
    if (Number.isFinite(loss) && bad < 0) return loss;
    const what = Number.isFinite(loss) ? `the update made parameter ${bad} ${params[bad]}` : `the loss was ${loss}`;
    params.set(this.#before);
    // trainBatch is one batch outside any epoch: epoch 0, batch 1.
    throw new DivergenceError(`trainBatch diverged: ${what}; the step was undone and the network keeps its weights`, 0, 1);
  }
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
