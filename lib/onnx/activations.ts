/** Each activation of DESIGN §2 as ONNX (opset 17) nodes, with the same constants as the engines. */
import type { Activation } from '../model-spec';
import type { GraphBuilder } from './graph';

/** Appends the nodes of `activation` applied to `x`; returns the value they produce (x itself for linear). */
export function appendActivation(graph: GraphBuilder, activation: Activation, x: string, prefix: string): string {
  const name = `${prefix}.${activation}`;
  switch (activation) {
    case 'linear':
      return x;
    case 'sigmoid':
      return graph.node('Sigmoid', name, [x]);
    case 'tanh':
      return graph.node('Tanh', name, [x]);
    case 'relu':
      return graph.node('Relu', name, [x]);
    case 'leakyRelu':
      return graph.node('LeakyRelu', name, [x], { alpha: { float: 0.01 } });
    case 'elu':
      return graph.node('Elu', name, [x], { alpha: { float: 1 } });
    case 'softmax':
      return graph.node('Softmax', name, [x], { axis: { int: -1 } });
    case 'gelu':
      return appendGelu(graph, x, name);
  }
}

/** Exact GELU, 0.5·x·(1 + erf(x/√2)): opset 17 has Erf but no Gelu operator (that came in opset 20). */
function appendGelu(graph: GraphBuilder, x: string, name: string): string {
  const scaled = graph.node('Mul', `${name}.scaled`, [x, graph.constant('gelu.inv_sqrt2', [], [Math.SQRT1_2])]);
  const erf = graph.node('Erf', `${name}.erf`, [scaled]);
  const shifted = graph.node('Add', `${name}.shifted`, [erf, graph.constant('gelu.one', [], [1])]);
  const product = graph.node('Mul', `${name}.product`, [x, shifted]);
  return graph.node('Mul', name, [product, graph.constant('gelu.half', [], [0.5])]);
}
