/**
 * The exported network's function in float64, written from PyTorch's
 * formulas (nn.Linear, BatchNorm1d in eval mode, LayerNorm, the activations
 * of DESIGN §2): the reference the ONNX model is checked against.
 */
import { erf } from '../../lib/backends/js/erf';
import type { Activation } from '../../lib/model-spec';
import type { OnnxNetwork } from '../../lib/onnx/export';

type Row = number[];

const ACTIVATIONS: Record<Exclude<Activation, 'softmax'>, (v: number) => number> = {
  linear: (v) => v,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: Math.tanh,
  relu: (v) => Math.max(v, 0),
  leakyRelu: (v) => (v > 0 ? v : 0.01 * v),
  elu: (v) => (v > 0 ? v : Math.expm1(v)),
  gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
};

function softmax(row: Row): Row {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function recipe(row: Row, network: OnnxNetwork): Row {
  const given = network.inputRecipe;
  if (!given) return row;
  if ('mean' in given) return row.map((v, c) => (v - given.mean[c]) / (given.std[c] || 1));
  return row.map((v, c) => (v - given.min[c]) / (given.max[c] - given.min[c] || 1));
}

function forwardRow(input: Row, network: OnnxNetwork): Row {
  let x = recipe(input, network);
  for (const block of network.blocks) {
    const units = block.bias.length;
    let y = Array.from({ length: units }, (_, j) => x.reduce((sum, v, k) => sum + v * block.weight[j * x.length + k], block.bias[j]));
    const norm = block.normalization;
    if (norm?.type === 'batch') {
      y = y.map((v, j) => ((v - norm.runningMean[j]) / Math.sqrt(norm.runningVar[j] + norm.epsilon)) * norm.weight[j] + norm.bias[j]);
    } else if (norm?.type === 'layer') {
      const mean = y.reduce((a, b) => a + b, 0) / units;
      const variance = y.reduce((a, v) => a + (v - mean) ** 2, 0) / units;
      y = y.map((v, j) => ((v - mean) / Math.sqrt(variance + norm.epsilon)) * norm.weight[j] + norm.bias[j]);
    }
    x = block.activation === 'softmax' ? softmax(y) : y.map(ACTIVATIONS[block.activation]);
  }
  return x;
}

/** Outputs for `rows` rows of x, row-major, in float64. */
export function referenceForward(network: OnnxNetwork, x: ArrayLike<number>, rows: number): Float64Array {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    out.push(...forwardRow(Array.from(x).slice(r * network.inputs, (r + 1) * network.inputs), network));
  }
  return Float64Array.from(out);
}
