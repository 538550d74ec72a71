/**
 * How much memory a network needs, checked once when it is built, so that a
 * network the limits admit but the machine cannot hold is refused at once
 * with a MemoryError rather than after minutes of initialisation, or by the
 * operating system's out-of-memory killer.
 *
 * The rule (README, "Reliability"): 20 bytes per parameter (float32 weights,
 * their gradient, two optimizer moments, and the copy of the last finite
 * weights that fit keeps; trainBatch's undo copies, allocated by its first
 * call, are not counted) plus the training workspace of a
 * 32-row batch (pre-activations, activations and deltas of every layer and
 * the batch's inputs and targets, for training and for inference), against
 * the memory this process can still have: process.availableMemory() (the
 * machine's available memory, or what is left under a cgroup's limit).
 */
import { sharedFloat32 } from './backends/shared-memory';
import { parameterLayout, type ModelSpec } from './model-spec';
import { MemoryError } from './errors';

const BYTES_PER_PARAMETER = 5 * 4;
/** fit's default batch size: the workspace every training network will have. */
const WORKSPACE_ROWS = 32;

/** Bytes the network's parameters, training state and a default workspace take. */
export function estimateNetworkBytes(spec: ModelSpec): number {
  const { size, stateSize } = parameterLayout(spec);
  const units = spec.layers.reduce((sum, layer) => sum + layer.units, 0);
  const outputs = spec.layers[spec.layers.length - 1].units;
  const workspace = 2 * 4 * WORKSPACE_ROWS * (3 * units + spec.inputs + outputs + 1);
  // Running statistics: the values and the published copy, no gradient or moments.
  return BYTES_PER_PARAMETER * size + 2 * 4 * (stateSize - size) + workspace;
}

/** Bytes this process can still allocate, as the operating system reports them. */
export function availableMemory(): number {
  return process.availableMemory();
}

function size(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(3)} MiB`;
}

/** Throws a MemoryError when the network's estimate exceeds `available` bytes. */
export function checkNetworkMemory(spec: ModelSpec, available: number = availableMemory()): void {
  const needed = estimateNetworkBytes(spec);
  if (needed > available) {
    throw new MemoryError(
      `this network has ${parameterLayout(spec).size} parameters and needs about ${size(needed)} ` +
        `(20 bytes per parameter and its training workspace); this process can have ${size(available)}`,
    );
  }
}

/** Runs an allocation, turning the engine's out-of-memory failure (a RangeError in JS) into a MemoryError. */
export function allocating<T>(what: string, allocate: () => T): T {
  try {
    return allocate();
  } catch (error) {
    if (error instanceof RangeError) throw new MemoryError(`${what}: out of memory (${error.message})`);
    throw error;
  }
}

/** A zeroed array for the network's parameters and running statistics (parameterLayout's stateSize), or a MemoryError. */
export function allocateParameters(spec: ModelSpec): Float32Array {
  // Shared memory: a backend may train the parameters on a thread of its own.
  return allocating('allocating the parameters', () => sharedFloat32(parameterLayout(spec).stateSize));
}
