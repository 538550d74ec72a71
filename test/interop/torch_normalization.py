"""PyTorch's side of test/interop/normalization.test.ts.

Usage:
  /usr/bin/python3 torch_normalization.py reference REQUEST.json
    REQUEST: {"cases": [{inputs, layers: [{units, activation, normalization?}],
    weights: getWeights() as lists, x (rows × inputs, flat), y (rows × outputs,
    flat, mse), rows (rows per step), learningRate, momentum}]}. Prints, per
    case, in float64 with BatchNorm1d / LayerNorm: the training-mode mse loss
    and its gradient on the first `rows` rows (getWeights() order: weight,
    bias, norm.weight, norm.bias per layer), the eval-mode outputs of all rows,
    and the state after three SGD steps on consecutive batches of `rows` rows
    (getWeights() order, running statistics included).
  /usr/bin/python3 torch_normalization.py write OUT.safetensors ROWS.f32
    Trains nn.Sequential(Linear, BatchNorm1d, ReLU, Dropout, Linear, LayerNorm,
    GELU, Linear) in train mode, writes it in backprop's layout, prints
    {"outputs": eval-mode softmax outputs on ROWS.f32}.
"""
import json
import sys

import torch

from safetensors_layout import ACTIVATIONS, block_tensors, normalization_module, read_rows, write_safetensors


def build(case):
    modules = []
    inputs = case["inputs"]
    for spec, weights in zip(case["layers"], case["weights"]):
        units = spec["units"]
        linear = torch.nn.Linear(inputs, units).double()
        norm = normalization_module(spec.get("normalization"), units)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weights["weight"], dtype=torch.float64).view(units, inputs))
            linear.bias.copy_(torch.tensor(weights["bias"], dtype=torch.float64))
            if norm is not None:
                norm = norm.double()
                norm.weight.copy_(torch.tensor(weights["norm"]["weight"], dtype=torch.float64))
                norm.bias.copy_(torch.tensor(weights["norm"]["bias"], dtype=torch.float64))
                if isinstance(norm, torch.nn.BatchNorm1d):
                    norm.running_mean.copy_(torch.tensor(weights["norm"]["runningMean"], dtype=torch.float64))
                    norm.running_var.copy_(torch.tensor(weights["norm"]["runningVar"], dtype=torch.float64))
        modules += [linear] + ([norm] if norm is not None else []) + [ACTIVATIONS[spec.get("activation", "linear")]()]
        inputs = units
    return torch.nn.Sequential(*modules)


def state(model, with_statistics):
    """Flat, in getWeights() order."""
    values = []
    for module in model:
        if isinstance(module, torch.nn.Linear):
            values += module.weight.detach().flatten().tolist() + module.bias.detach().tolist()
        elif isinstance(module, (torch.nn.BatchNorm1d, torch.nn.LayerNorm)):
            values += module.weight.detach().tolist() + module.bias.detach().tolist()
            if with_statistics and isinstance(module, torch.nn.BatchNorm1d):
                values += module.running_mean.tolist() + module.running_var.tolist()
    return values


def gradients(model):
    values = []
    for module in model:
        if isinstance(module, (torch.nn.Linear, torch.nn.BatchNorm1d, torch.nn.LayerNorm)):
            if isinstance(module, torch.nn.Linear):
                values += module.weight.grad.flatten().tolist()
            else:
                values += module.weight.grad.tolist()
            values += module.bias.grad.tolist()
    return values


def reference(case):
    model = build(case)
    x = torch.tensor(case["x"], dtype=torch.float64).view(-1, case["inputs"])
    y = torch.tensor(case["y"], dtype=torch.float64).view(x.shape[0], -1)
    rows = case["rows"]
    model.eval()
    with torch.no_grad():
        predictions = model(x).flatten().tolist()
    model.train()
    loss = torch.nn.functional.mse_loss(model(x[:rows]), y[:rows])
    model.zero_grad()
    loss.backward()
    grads = gradients(model)
    # The forward above moved the running statistics: start the steps from the given state again.
    model = build(case)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=case["learningRate"], momentum=case["momentum"])
    for step in range(3):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x[step * rows:(step + 1) * rows]), y[step * rows:(step + 1) * rows]).backward()
        optimizer.step()
    return {"loss": loss.item(), "grads": grads, "eval": predictions, "after": state(model, True)}


def write(out_path, rows_path):
    torch.manual_seed(5)
    model = torch.nn.Sequential(
        torch.nn.Linear(5, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Dropout(0.2),
        torch.nn.Linear(8, 6), torch.nn.LayerNorm(6), torch.nn.GELU(),
        torch.nn.Linear(6, 3))
    x = torch.randn(64, 5) * 2 + 1
    labels = torch.randint(0, 3, (64,))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for step in range(30):
        batch = slice(step % 4 * 16, step % 4 * 16 + 16)
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x[batch]), labels[batch]).backward()
        optimizer.step()
    architecture = {
        "inputs": 5,
        "layers": [
            {"units": 8, "activation": "relu", "normalization": "batch", "dropout": 0.2},
            {"units": 6, "activation": "gelu", "normalization": "layer"},
            {"units": 3, "activation": "softmax"},
        ],
        "loss": "crossEntropy",
    }
    write_safetensors(out_path, block_tensors(model), {"format": "backprop", "version": "1", "architecture": json.dumps(architecture)})
    model.eval()
    with torch.no_grad():
        outputs = torch.softmax(model(read_rows(rows_path, 5)), dim=1)
    print(json.dumps({"outputs": outputs.tolist()}))


def main(command, *args):
    if command == "reference":
        with open(args[0]) as f:
            request = json.load(f)
        print(json.dumps([reference(case) for case in request["cases"]]))
    else:
        write(*args)


if __name__ == "__main__":
    main(*sys.argv[1:])
