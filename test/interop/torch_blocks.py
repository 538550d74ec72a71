"""PyTorch's side of test/interop/blocks.test.ts. Reads a JSON request (path
in argv[1]): cases, each {inputs, layers: [{units, activation, l1?, l2?}],
loss: name or {type, labelSmoothing?, delta?}, weights: [{weight, bias}],
x (rows × inputs, flat), y (labels, or rows × outputs flat), labels: bool}.
Prints, per case, in float64: the training loss (data loss + Σ l1·|w| +
l2·w² over each layer's weight) and its gradient in getWeights() order
(weight then bias per layer), flat."""
import json
import sys

import torch

ACTIVATIONS = {
    "linear": torch.nn.Identity,
    "sigmoid": torch.nn.Sigmoid,
    "tanh": torch.nn.Tanh,
    "relu": torch.nn.ReLU,
    "leakyRelu": lambda: torch.nn.LeakyReLU(0.01),
    "elu": torch.nn.ELU,
    "gelu": torch.nn.GELU,
}


def loss_function(option):
    options = {"type": option} if isinstance(option, str) else option
    kind = options["type"]
    if kind == "crossEntropy":
        return torch.nn.CrossEntropyLoss(label_smoothing=options.get("labelSmoothing", 0.0))
    if kind == "huber":
        return torch.nn.HuberLoss(delta=options.get("delta", 1.0))
    if kind == "mae":
        return torch.nn.L1Loss()
    if kind == "mse":
        return torch.nn.MSELoss()
    raise ValueError(kind)


def run(case):
    inputs = case["inputs"]
    modules, linears = [], []
    for spec, weights in zip(case["layers"], case["weights"]):
        linear = torch.nn.Linear(inputs, spec["units"]).double()
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weights["weight"], dtype=torch.float64).view(spec["units"], inputs))
            linear.bias.copy_(torch.tensor(weights["bias"], dtype=torch.float64))
        modules.append(linear)
        linears.append((linear, spec.get("l1", 0), spec.get("l2", 0)))
        activation = spec.get("activation", "linear")
        # CrossEntropyLoss takes the logits: its softmax is the last layer's.
        if activation != "softmax":
            modules.append(ACTIVATIONS[activation]())
        inputs = spec["units"]
    model = torch.nn.Sequential(*modules)
    x = torch.tensor(case["x"], dtype=torch.float64).view(-1, case["inputs"])
    if case["labels"]:
        y = torch.tensor(case["y"], dtype=torch.long)
    else:
        y = torch.tensor(case["y"], dtype=torch.float64).view(x.shape[0], -1)
    loss = loss_function(case["loss"])(model(x), y)
    for linear, l1, l2 in linears:
        loss = loss + l1 * linear.weight.abs().sum() + l2 * linear.weight.pow(2).sum()
    loss.backward()
    grads = []
    for linear, _, _ in linears:
        grads += linear.weight.grad.flatten().tolist() + linear.bias.grad.tolist()
    return {"loss": loss.item(), "grads": grads}


def main():
    with open(sys.argv[1]) as f:
        request = json.load(f)
    print(json.dumps({"cases": [run(case) for case in request["cases"]]}))


main()
