/**
 * Every buffer one pass over a block of rows needs, sized for a row capacity
 * and reused: a training step at or below capacity allocates nothing.
 */
import type { LayerOffsets, NormalizationSpec } from '../../model-spec';
import { normBuffers, type NormBuffers } from './normalization';

export class Workspace {
  /** Rows every buffer below has room for. */
  readonly capacity: number;
  /** Per layer: pre-activations Z, activations A, and the backward delta
   *  (dL/dA of that layer, turned into dL/dZ in place), each capacity × units. */
  readonly z: Float32Array[];
  readonly a: Float32Array[];
  readonly delta: Float32Array[];
  /** Per layer with dropout: its output after the mask (the next layer's
   *  input in training mode), capacity × units; null for the others. */
  readonly dropped: (Float32Array | null)[];
  /** Per normalized layer: what its forward keeps for the backward and the running statistics; null for the others. */
  readonly norm: (NormBuffers | null)[];
  /** Gathered input rows (capacity × inputs) of a shuffled batch. */
  readonly x: Float32Array;
  /** Gathered targets: dense rows (capacity × outputs) or class labels. */
  readonly denseTargets: Float32Array;
  readonly labels: Int32Array;
  /** Gathered row weights of a weighted batch. */
  readonly rowWeights: Float32Array;

  constructor(
    layers: readonly LayerOffsets[], dropout: readonly number[], normalization: readonly (NormalizationSpec | null)[], capacity: number,
  ) {
    this.capacity = capacity;
    this.norm = layers.map((l, i) => normBuffers(normalization[i], l.units, capacity));
    this.dropped = layers.map((l, i) => (dropout[i] > 0 ? new Float32Array(capacity * l.units) : null));
    this.z = layers.map((l) => new Float32Array(capacity * l.units));
    this.a = layers.map((l) => new Float32Array(capacity * l.units));
    this.delta = layers.map((l) => new Float32Array(capacity * l.units));
    const outputs = layers[layers.length - 1].units;
    this.x = new Float32Array(capacity * layers[0].inputs);
    this.denseTargets = new Float32Array(capacity * outputs);
    this.labels = new Int32Array(capacity);
    this.rowWeights = new Float32Array(capacity);
  }
}
