/**
 * The export's core, fed hand-made weights: batch and layer normalization
 * and both input recipes, run by onnxruntime-web, against a float64
 * reference written from PyTorch's formulas; and the graph's declared shape.
 */
import { describe, expect, it } from 'vitest';
import * as protobuf from 'protobufjs/light';
import { ShapeError, version } from '../../lib/index.js';
import { onnxModelBytes, type OnnxBlock, type OnnxNetwork } from '../../lib/onnx/export';
import { ONNX_SCHEMA } from '../../lib/onnx/schema';
import { random, uniform } from '../api/fixtures';
import { expectClose, runOnnx } from './onnx-runtime';
import { referenceForward } from './reference';

const next = random(21);

function values(count: number, low: number, high: number): Float32Array {
  return uniform(next, 1, count, low, high);
}

function dense(inputs: number, units: number, activation: OnnxBlock['activation']): OnnxBlock {
  return { weight: values(units * inputs, -0.8, 0.8), bias: values(units, -0.5, 0.5), activation };
}

function batchNorm(units: number, epsilon: number): OnnxBlock['normalization'] {
  return {
    type: 'batch',
    epsilon,
    weight: values(units, 0.5, 1.5),
    bias: values(units, -0.3, 0.3),
    runningMean: values(units, -0.5, 0.5),
    // Small variances, so that a wrong epsilon would show.
    runningVar: values(units, 0.01, 2),
  };
}

function layerNorm(units: number, epsilon: number): OnnxBlock['normalization'] {
  return { type: 'layer', epsilon, weight: values(units, 0.5, 1.5), bias: values(units, -0.3, 0.3) };
}

const NETWORKS: { name: string; network: OnnxNetwork }[] = [
  {
    name: 'standardize (with a constant column) → Linear+BatchNorm+relu → Linear+LayerNorm+gelu → Linear+softmax',
    network: {
      inputs: 4,
      inputRecipe: { mean: [1, -2, 0.5, 10], std: [0.5, 2, 0, 4] },
      blocks: [
        { ...dense(4, 6, 'relu'), normalization: batchNorm(6, 1e-5) },
        { ...dense(6, 5, 'gelu'), normalization: layerNorm(5, 1e-5) },
        dense(5, 3, 'softmax'),
      ],
    },
  },
  {
    name: 'scale (with a constant column) → Linear+LayerNorm+tanh → Linear+BatchNorm, linear output',
    network: {
      inputs: 3,
      inputRecipe: { min: [0, -5, 2], max: [10, 5, 2] },
      blocks: [
        { ...dense(3, 7, 'tanh'), normalization: layerNorm(7, 0.1) },
        { ...dense(7, 2, 'linear'), normalization: batchNorm(2, 0.05) },
      ],
    },
  },
  {
    name: 'one block: Linear+BatchNorm+elu, no recipe',
    network: { inputs: 5, blocks: [{ ...dense(5, 4, 'elu'), normalization: batchNorm(4, 1e-3) }] },
  },
  {
    name: 'Linear+LayerNorm+sigmoid → Linear+LayerNorm+leakyRelu → Linear+BatchNorm+linear',
    network: {
      inputs: 2,
      blocks: [
        { ...dense(2, 3, 'sigmoid'), normalization: layerNorm(3, 1e-5) },
        { ...dense(3, 4, 'leakyRelu'), normalization: layerNorm(4, 1e-5) },
        { ...dense(4, 2, 'linear'), normalization: batchNorm(2, 1e-5) },
      ],
    },
  },
];

describe('onnxruntime-web runs the exported normalizations and input recipes as PyTorch defines them', () => {
  describe.each(NETWORKS)('$name', ({ network }) => {
    const outputs = network.blocks[network.blocks.length - 1].bias.length;
    const model = onnxModelBytes(network);

    it.each([1, 33])('%i row(s)', async (rows) => {
      // Raw columns around the recipe's statistics, the constant column included.
      const x = uniform(next, rows, network.inputs, -6, 12);
      const actual = await runOnnx(model, x, rows);
      expectClose(actual, referenceForward(network, x, rows), outputs);
    });
  });
});

function decode(bytes: Uint8Array): Record<string, any> {
  const type = protobuf.Root.fromJSON(ONNX_SCHEMA).lookupType('onnx.ModelProto');
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false });
}

describe('the graph', () => {
  const { network } = NETWORKS[0];
  const model = decode(onnxModelBytes({ ...network, metadata: { architecture: '{"inputs":4}' } }));

  it('states its IR version, opset, producer and metadata', () => {
    expect(model.irVersion).toBe(8);
    // The default domain (ai.onnx) is the empty string, which protobuf leaves out.
    expect(model.opsetImport).toEqual([{ version: 17 }]);
    expect(model.producerName).toBe('backprop');
    expect(model.producerVersion).toBe(version);
    expect(model.metadataProps).toEqual([{ key: 'architecture', value: '{"inputs":4}' }]);
  });

  it('takes input [N, inputs] and gives output [N, outputs], N symbolic', () => {
    const shape = (value: Record<string, any>) => value.type.tensorType.shape.dim;
    expect(model.graph.input.map((v: Record<string, any>) => v.name)).toEqual(['input']);
    expect(shape(model.graph.input[0])).toEqual([{ dimParam: 'N' }, { dimValue: 4 }]);
    expect(model.graph.output.map((v: Record<string, any>) => v.name)).toEqual(['output']);
    expect(shape(model.graph.output[0])).toEqual([{ dimParam: 'N' }, { dimValue: 3 }]);
  });

  it('is the recipe, then Gemm (transB=1) → normalization → activation per block', () => {
    const nodes: Record<string, any>[] = model.graph.node;
    expect(nodes.map((n) => n.opType)).toEqual([
      'Sub', 'Div',
      'Gemm', 'BatchNormalization', 'Relu',
      'Gemm', 'LayerNormalization', 'Mul', 'Erf', 'Add', 'Mul', 'Mul',
      'Gemm', 'Softmax',
    ]);
    for (const gemm of nodes.filter((n) => n.opType === 'Gemm')) expect(gemm.attribute).toEqual([{ name: 'transB', type: 2, i: 1 }]);
    expect(nodes[0].input[0]).toBe('input');
    expect(nodes[nodes.length - 1].output).toEqual(['output']);
  });

  it('names the weights like the model file and PyTorch state_dict', () => {
    const names = model.graph.initializer.map((t: Record<string, any>) => t.name);
    expect(names).toEqual(expect.arrayContaining([
      'layers.0.weight', 'layers.0.bias', 'layers.0.norm.weight', 'layers.0.norm.bias',
      'layers.0.norm.running_mean', 'layers.0.norm.running_var', 'layers.1.norm.weight', 'layers.2.weight',
    ]));
    const first = model.graph.initializer.find((t: Record<string, any>) => t.name === 'layers.0.weight');
    expect(first.dims).toEqual([6, 4]);
    expect(first.dataType).toBe(1);
  });
});

describe('shape errors name the part that does not fit', () => {
  const block = dense(3, 2, 'relu');
  it.each([
    [{ inputs: 4, blocks: [block] }, /blocks\[0\]\.weight .*holds 6 values, expected 8/],
    [{ inputs: 3, blocks: [{ ...block, normalization: { type: 'layer', epsilon: 1e-5, weight: [1], bias: [0, 0] } }] }, /blocks\[0\]\.normalization\.weight holds 1 values, expected 2/],
    [{ inputs: 3, blocks: [block], inputRecipe: { mean: [0, 0], std: [1, 1] } }, /inputRecipe\.mean holds 2 values, expected 3/],
    [{ inputs: 3, blocks: [] }, /at least one block/],
  ] as [OnnxNetwork, RegExp][])('%#', (network, message) => {
    expect(() => onnxModelBytes(network)).toThrow(ShapeError);
    expect(() => onnxModelBytes(network)).toThrow(message);
  });
});
