/**
 * Exported ONNX files read by Python's `onnx` package (Debian python3-onnx):
 * onnx.checker (full check) accepts them, the declared facts are right, and
 * the graph evaluated from the operators' definitions (numpy, float64)
 * gives what predict() gives, or for hand-made normalization weights, the
 * float64 PyTorch-formula reference.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Network, version, type NetworkOptions } from '../../lib/index.js';
import { onnxModelBytes, type OnnxNetwork } from '../../lib/onnx/export';
import { BACKENDS } from '../api/backends';
import { random, randomLabels, uniform } from '../api/fixtures';
import { expectClose } from '../onnx/onnx-runtime';
import { referenceForward } from '../onnx/reference';
import { requirePythonModule, runTorchScript, writeRows } from './torch';

interface Checked {
  irVersion: number;
  opset: [string, number][];
  producer: [string, string];
  metadata: Record<string, string>;
  input: [string, (string | number)[]];
  output: [string, (string | number)[]];
  operators: string[];
  outputs: number[][];
}

let directory: string;
beforeAll(async () => {
  requirePythonModule('onnx', 'python3-onnx');
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backprop-onnx-interop-'));
});
afterAll(async () => {
  if (directory) await fs.rm(directory, { recursive: true, force: true });
});

async function check(name: string, model: Uint8Array, x: Float32Array): Promise<Checked> {
  const stem = path.join(directory, name);
  await fs.writeFile(`${stem}.onnx`, model);
  await writeRows(`${stem}.f32`, x);
  return runTorchScript<Checked>('onnx_check.py', [`${stem}.onnx`, `${stem}.f32`]);
}

const next = random(17);
const INPUTS = 4;
const X = uniform(next, 20, INPUTS, -2, 2);

const OPTIONS: NetworkOptions = {
  inputs: INPUTS,
  layers: [
    { units: 7, activation: 'gelu' },
    { units: 6, activation: 'leakyRelu' },
    { units: 5, activation: 'elu' },
    { units: 3, activation: 'softmax' },
  ],
  loss: 'crossEntropy',
  optimizer: { type: 'adam', learningRate: 0.02 },
  seed: 3,
};

describe.each(BACKENDS)('%s engine: onnx checks an exported network and evaluates it as predict() does', (backend) => {
  it('gelu, leakyRelu, elu, softmax', async () => {
    const network = new Network({ ...OPTIONS, backend });
    network.fitSync(X, randomLabels(next, 20, 3), { epochs: 4, batchSize: 5 });
    const checked = await check(`network-${backend}`, network.toOnnx(), X);
    expect(checked.irVersion).toBe(8);
    expect(checked.opset).toEqual([['', 17]]);
    expect(checked.producer).toEqual(['backprop', version]);
    const { optimizer, ...architecture } = network.options;
    expect(JSON.parse(checked.metadata.architecture)).toEqual(architecture);
    expect(checked.input).toEqual(['input', ['N', INPUTS]]);
    expect(checked.output).toEqual(['output', ['N', 3]]);
    expect(checked.operators).not.toContain('Dropout');
    expectClose(checked.outputs.flat(), network.predict(X), 3);
    network.dispose();
  });
});

describe('onnx checks batch and layer normalization and an input recipe, and evaluates them as PyTorch defines them', () => {
  it('standardize → Linear+BatchNorm+tanh → Linear+LayerNorm+relu → Linear+sigmoid', async () => {
    const values = (count: number, low: number, high: number) => uniform(next, 1, count, low, high);
    const network: OnnxNetwork = {
      inputs: INPUTS,
      inputRecipe: { mean: [0.5, -1, 0, 2], std: [2, 0.5, 1, 3] },
      blocks: [
        {
          weight: values(5 * INPUTS, -1, 1), bias: values(5, -0.5, 0.5), activation: 'tanh',
          normalization: {
            type: 'batch', epsilon: 1e-3, weight: values(5, 0.5, 1.5), bias: values(5, -0.2, 0.2),
            runningMean: values(5, -0.5, 0.5), runningVar: values(5, 0.05, 2),
          },
        },
        {
          weight: values(4 * 5, -1, 1), bias: values(4, -0.5, 0.5), activation: 'relu',
          normalization: { type: 'layer', epsilon: 1e-5, weight: values(4, 0.5, 1.5), bias: values(4, -0.2, 0.2) },
        },
        { weight: values(2 * 4, -1, 1), bias: values(2, -0.5, 0.5), activation: 'sigmoid' },
      ],
    };
    const checked = await check('normalizations', onnxModelBytes(network), X);
    expect(checked.operators).toEqual(['Sub', 'Div', 'Gemm', 'BatchNormalization', 'Tanh', 'Gemm', 'LayerNormalization', 'Relu', 'Gemm', 'Sigmoid']);
    expect(checked.output).toEqual(['output', ['N', 2]]);
    expectClose(checked.outputs.flat(), referenceForward(network, X, 20), 2);
  });
});
