/**
 * A network as the ONNX export's description: its architecture (the public
 * `options`), its parameters (`getWeights()`), and the input recipe to fold
 * in. Reads only the public surface, in the shapes DESIGN §8 fixes.
 */
import type { Activation } from '../model-spec';
import { ArgumentError } from '../errors';
import { isPlainObject } from '../validate';
import { onnxModelBytes, type InputRecipe, type OnnxBlock } from './export';

type NormalizationOption = 'batch' | 'layer' | { type: 'batch' | 'layer'; epsilon?: number };

interface BlockWeights {
  weight: Float32Array;
  bias: Float32Array;
  norm?: { weight: Float32Array; bias: Float32Array; runningMean?: Float32Array; runningVar?: Float32Array };
}

/** What the export reads of a Network. */
export interface ExportableNetwork {
  readonly options: {
    inputs: number;
    layers: readonly { units: number; activation?: Activation; normalization?: NormalizationOption }[];
    inputNormalization?: unknown;
    optimizer?: unknown;
  };
  getWeights(): readonly BlockWeights[];
}

/** PyTorch's BatchNorm1d and LayerNorm default, which DESIGN §8 takes for both normalizations. */
const DEFAULT_EPSILON = 1e-5;

function block(layer: ExportableNetwork['options']['layers'][number], weights: BlockWeights, index: number): OnnxBlock {
  const { weight, bias, norm } = weights;
  const activation = layer.activation ?? 'linear';
  const option = layer.normalization;
  if (option === undefined) {
    if (norm !== undefined) throw new ArgumentError(`getWeights()[${index}] has norm parameters but layers[${index}] no normalization`);
    return { weight, bias, activation };
  }
  const type = typeof option === 'string' ? option : option.type;
  const epsilon = (typeof option === 'string' ? undefined : option.epsilon) ?? DEFAULT_EPSILON;
  if (norm === undefined) throw new ArgumentError(`layers[${index}] has ${type} normalization but getWeights()[${index}] has no norm`);
  if (type === 'layer') return { weight, bias, activation, normalization: { type, epsilon, weight: norm.weight, bias: norm.bias } };
  const { runningMean, runningVar } = norm;
  if (runningMean === undefined || runningVar === undefined) {
    throw new ArgumentError(`getWeights()[${index}].norm has no running statistics for batch normalization`);
  }
  return { weight, bias, activation, normalization: { type, epsilon, weight: norm.weight, bias: norm.bias, runningMean, runningVar } };
}

/** The network's own input normalization, once its statistics exist. */
function ownRecipe(option: unknown): InputRecipe | undefined {
  if (option === undefined) return undefined;
  if (isPlainObject(option) && (('mean' in option && 'std' in option) || ('min' in option && 'max' in option))) {
    return option as InputRecipe;
  }
  throw new ArgumentError('inputNormalization has no statistics yet: fit() or adapt() computes them before an export');
}

export interface ExportOptions {
  /** A recipe applied outside the network (the CLI's --standardize / --scale statistics), folded in as the first nodes. */
  inputRecipe?: InputRecipe;
  /** More metadata_props entries, beside `architecture`. */
  metadata?: Record<string, string>;
}

export function networkToOnnx(network: ExportableNetwork, options: ExportOptions = {}): Uint8Array {
  const { optimizer, ...architecture } = network.options;
  const weights = network.getWeights();
  const own = ownRecipe(architecture.inputNormalization);
  if (own !== undefined && options.inputRecipe !== undefined) {
    throw new ArgumentError('the network normalizes its inputs itself; a second input recipe cannot be folded in');
  }
  return onnxModelBytes({
    inputs: architecture.inputs,
    blocks: architecture.layers.map((layer, i) => block(layer, weights[i], i)),
    inputRecipe: own ?? options.inputRecipe,
    metadata: { ...options.metadata, architecture: JSON.stringify(architecture) },
  });
}
