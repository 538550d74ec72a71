"""Validates an exported ONNX file with the `onnx` package and evaluates it.

Usage: /usr/bin/python3 onnx_check.py MODEL.onnx ROWS.f32
ROWS.f32 holds little-endian float32 input rows. Runs onnx.checker with
full_check (strict shape inference), then evaluates the graph node by node
in float64 with numpy, from the operators' definitions in the ONNX spec
(ONNX 1.12 has no reference evaluator). Prints one JSON object: the
model's declared facts and {"outputs": [[...], ...]}.
"""
import json
import math
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def gemm(inputs, attributes):
    a, b, c = inputs
    if attributes.get("transA", 0):
        a = a.T
    if attributes.get("transB", 0):
        b = b.T
    return attributes.get("alpha", 1.0) * (a @ b) + attributes.get("beta", 1.0) * c


def batch_normalization(inputs, attributes):
    x, scale, bias, mean, var = inputs
    return (x - mean) / np.sqrt(var + attributes.get("epsilon", 1e-5)) * scale + bias


def layer_normalization(inputs, attributes):
    x, scale, bias = inputs
    axis = attributes.get("axis", -1)
    axes = tuple(range(axis % x.ndim, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + attributes.get("epsilon", 1e-5)) * scale + bias


OPERATORS = {
    "Gemm": gemm,
    "BatchNormalization": batch_normalization,
    "LayerNormalization": layer_normalization,
    "Add": lambda i, a: i[0] + i[1],
    "Sub": lambda i, a: i[0] - i[1],
    "Mul": lambda i, a: i[0] * i[1],
    "Div": lambda i, a: i[0] / i[1],
    "Erf": lambda i, a: np.vectorize(math.erf)(i[0]),
    "Sigmoid": lambda i, a: 1 / (1 + np.exp(-i[0])),
    "Tanh": lambda i, a: np.tanh(i[0]),
    "Relu": lambda i, a: np.maximum(i[0], 0),
    "LeakyRelu": lambda i, a: np.where(i[0] >= 0, i[0], a.get("alpha", 0.01) * i[0]),
    "Elu": lambda i, a: np.where(i[0] > 0, i[0], a.get("alpha", 1.0) * np.expm1(i[0])),
    "Softmax": lambda i, a: softmax(i[0], a.get("axis", -1)),
}


def evaluate(graph, x):
    values = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in graph.initializer}
    values[graph.input[0].name] = x
    for node in graph.node:
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        values[node.output[0]] = OPERATORS[node.op_type]([values[name] for name in node.input], attributes)
    return values[graph.output[0].name]


def dims(value_info):
    return [d.dim_param if d.HasField("dim_param") else d.dim_value for d in value_info.type.tensor_type.shape.dim]


def main(model_path, rows_path):
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    graph = model.graph
    inputs = dims(graph.input[0])[1]
    x = np.fromfile(rows_path, dtype="<f4").astype(np.float64).reshape(-1, inputs)
    print(json.dumps({
        "irVersion": model.ir_version,
        "opset": [[o.domain, o.version] for o in model.opset_import],
        "producer": [model.producer_name, model.producer_version],
        "metadata": {p.key: p.value for p in model.metadata_props},
        "input": [graph.input[0].name, dims(graph.input[0])],
        "output": [graph.output[0].name, dims(graph.output[0])],
        "operators": [node.op_type for node in graph.node],
        "outputs": evaluate(graph, x).tolist(),
    }))


if __name__ == "__main__":
    main(*sys.argv[1:])
