/**
 * The core of the ONNX export: a network's description (blocks of weights,
 * optional normalization, activation; an optional input recipe) → the bytes
 * of an ONNX model that computes, in float32, what `predict` computes.
 * Pure: it knows nothing of Network or of the engines. Dropout has no node
 * (inference does not drop).
 */
import type { Activation } from '../model-spec';
import { ShapeError } from '../errors';
import { version } from '../info';
import { coefficients, type Preprocessing } from '../preprocess';
import { appendActivation } from './activations';
import { encodeModel } from './encode';
import { GraphBuilder } from './graph';
import { FLOAT, type Model, type ValueInfo } from './schema';

/**
 * Opset 17: the first with LayerNormalization, and the newest that ONNX 1.12
 * (Debian 12's python3-onnx) knows. IR version 8 is the one released with it.
 */
const ONNX_OPSET = 17;
const ONNX_IR_VERSION = 8;
/** The symbolic batch dimension of `input` and `output`. */
const BATCH_DIMENSION = 'N';

/** PyTorch BatchNorm1d in eval mode: (x − runningMean) / √(runningVar + ε) · weight + bias. */
export interface BatchNormalizationWeights {
  type: 'batch';
  epsilon: number;
  weight: ArrayLike<number>;
  bias: ArrayLike<number>;
  runningMean: ArrayLike<number>;
  runningVar: ArrayLike<number>;
}

/** PyTorch LayerNorm over the units of a row: (x − mean) / √(var + ε) · weight + bias. */
export interface LayerNormalizationWeights {
  type: 'layer';
  epsilon: number;
  weight: ArrayLike<number>;
  bias: ArrayLike<number>;
}

/** One dense block: Linear (weight units × inputs, row-major; bias units) → normalization → activation. */
export interface OnnxBlock {
  weight: ArrayLike<number>;
  bias: ArrayLike<number>;
  normalization?: BatchNormalizationWeights | LayerNormalizationWeights;
  activation: Activation;
}

/** Per input column: standardize (x − mean) / std, or scale (x − min) / (max − min), a constant column giving 0. */
export type InputRecipe = { mean: ArrayLike<number>; std: ArrayLike<number> } | { min: ArrayLike<number>; max: ArrayLike<number> };

export interface OnnxNetwork {
  inputs: number;
  blocks: readonly OnnxBlock[];
  /** Applied to the raw input columns before the first block, as the model's first nodes. */
  inputRecipe?: InputRecipe;
  /** String entries of the model's metadata_props (for example the architecture as JSON). */
  metadata?: Record<string, string>;
}

function checkLength(values: ArrayLike<number>, expected: number, name: string): void {
  if (values.length !== expected) throw new ShapeError(`${name} holds ${values.length} values, expected ${expected}`);
}

function preprocessing(recipe: InputRecipe, inputs: number): Preprocessing {
  if ('mean' in recipe) {
    checkLength(recipe.mean, inputs, 'inputRecipe.mean');
    checkLength(recipe.std, inputs, 'inputRecipe.std');
    return { kind: 'standardize', mean: Array.from(recipe.mean), std: Array.from(recipe.std) };
  }
  checkLength(recipe.min, inputs, 'inputRecipe.min');
  checkLength(recipe.max, inputs, 'inputRecipe.max');
  return { kind: 'scale', min: Array.from(recipe.min), max: Array.from(recipe.max) };
}

function appendInputRecipe(graph: GraphBuilder, recipe: InputRecipe, inputs: number, x: string): string {
  const { offset, divisor } = coefficients(preprocessing(recipe, inputs));
  const centered = graph.node('Sub', 'input_recipe.centered', [x, graph.constant('input_recipe.offset', [inputs], offset)]);
  return graph.node('Div', 'input_recipe', [centered, graph.constant('input_recipe.divisor', [inputs], divisor)]);
}

function appendBlock(graph: GraphBuilder, block: OnnxBlock, index: number, inputs: number, x: string): string {
  const prefix = `layers.${index}`;
  const units = block.bias.length;
  checkLength(block.weight, units * inputs, `blocks[${index}].weight (units × inputs = ${units} × ${inputs})`);
  const weight = graph.constant(`${prefix}.weight`, [units, inputs], block.weight);
  const linear = graph.node('Gemm', `${prefix}.linear`, [x, weight, graph.constant(`${prefix}.bias`, [units], block.bias)], {
    transB: { int: 1 },
  });
  const normalized = block.normalization ? appendNormalization(graph, block.normalization, index, units, linear) : linear;
  return appendActivation(graph, block.activation, normalized, prefix);
}

/** Parameters named like PyTorch's state_dict of the block (and like the model file's tensors). */
function appendNormalization(
  graph: GraphBuilder,
  norm: BatchNormalizationWeights | LayerNormalizationWeights,
  index: number,
  units: number,
  x: string,
): string {
  const prefix = `layers.${index}.norm`;
  const vector = (key: 'weight' | 'bias' | 'runningMean' | 'runningVar', suffix: string, values: ArrayLike<number>): string => {
    checkLength(values, units, `blocks[${index}].normalization.${key}`);
    return graph.constant(`${prefix}.${suffix}`, [units], values);
  };
  const affine = [vector('weight', 'weight', norm.weight), vector('bias', 'bias', norm.bias)];
  const epsilon = { float: norm.epsilon };
  if (norm.type === 'layer') return graph.node('LayerNormalization', prefix, [x, ...affine], { axis: { int: -1 }, epsilon });
  const statistics = [vector('runningMean', 'running_mean', norm.runningMean), vector('runningVar', 'running_var', norm.runningVar)];
  return graph.node('BatchNormalization', prefix, [x, ...affine, ...statistics], { epsilon });
}

function batchOf(name: string, width: number): ValueInfo {
  return {
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: BATCH_DIMENSION }, { dimValue: width }] } } },
  };
}

/** The ONNX model (protobuf bytes) of the network: input `input` [N, inputs], output `output` [N, outputs]. */
export function onnxModelBytes(network: OnnxNetwork): Uint8Array {
  if (network.blocks.length === 0) throw new ShapeError('blocks must hold at least one block');
  const graph = new GraphBuilder();
  let x = network.inputRecipe ? appendInputRecipe(graph, network.inputRecipe, network.inputs, 'input') : 'input';
  let width = network.inputs;
  network.blocks.forEach((block, i) => {
    x = appendBlock(graph, block, i, width, x);
    width = block.bias.length;
  });
  graph.nameResult('output');
  const model: Model = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'backprop',
    producerVersion: version,
    docString: 'A multilayer perceptron exported by backprop: the network as predict() computes it.',
    graph: {
      name: 'backprop',
      node: graph.nodes,
      initializer: graph.initializers,
      input: [batchOf('input', network.inputs)],
      output: [batchOf('output', width)],
    },
    metadataProps: Object.entries(network.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  return encodeModel(model);
}
