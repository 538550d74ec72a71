"""PyTorch trains a small MLP, then writes it in backprop's safetensors layout.

Usage: /usr/bin/python3 torch_train_write.py OUT.safetensors ROWS.f32 [--no-metadata]
Trains 5-8-6-3 (tanh, gelu, softmax; cross-entropy; Adam lr 0.01) on seeded
random data for 50 steps, writes OUT, and prints one JSON object:
{"outputs": predictions of the trained model on ROWS.f32}.
With --no-metadata the file is what a PyTorch user gets from saving the
nn.Sequential's state_dict as safetensors: tensor names "0.weight",
"2.weight", ... and no __metadata__.
"""
import json
import sys

import torch

from safetensors_layout import linear_layers, read_rows, write_safetensors

INPUTS = 5
LAYERS = [{"units": 8, "activation": "tanh"}, {"units": 6, "activation": "gelu"}, {"units": 3, "activation": "softmax"}]
OPTIMIZER = {"type": "adam", "learningRate": 0.01}


def trained_model():
    torch.manual_seed(3)
    model = torch.nn.Sequential(
        torch.nn.Linear(INPUTS, 8), torch.nn.Tanh(),
        torch.nn.Linear(8, 6), torch.nn.GELU(),
        torch.nn.Linear(6, 3))
    x = torch.randn(64, INPUTS)
    labels = torch.randint(0, 3, (64,))
    optimizer = torch.optim.Adam(model.parameters(), lr=OPTIMIZER["learningRate"])
    for _ in range(50):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), labels).backward()
        optimizer.step()
    # CrossEntropyLoss takes logits; the model backprop sees ends in its softmax.
    return torch.nn.Sequential(*model, torch.nn.Softmax(dim=1)).eval()


def main(out_path, rows_path, *flags):
    model = trained_model()
    if "--no-metadata" in flags:
        write_safetensors(out_path, model.state_dict(), None)
    else:
        tensors = {}
        for i, linear in enumerate(linear_layers(model)):
            tensors[f"layers.{i}.weight"] = linear.weight
            tensors[f"layers.{i}.bias"] = linear.bias
        architecture = {"inputs": INPUTS, "layers": LAYERS, "loss": "crossEntropy"}
        write_safetensors(out_path, tensors, {
            "format": "backprop",
            "version": "1",
            "architecture": json.dumps(architecture),
            "optimizer": json.dumps(OPTIMIZER),
        })
    with torch.no_grad():
        outputs = model(read_rows(rows_path, INPUTS))
    print(json.dumps({"outputs": outputs.tolist()}))


if __name__ == "__main__":
    main(*sys.argv[1:])
