"""Loads a backprop model file into an nn.Sequential and prints its predictions.

Usage: /usr/bin/python3 torch_predict.py MODEL.safetensors ROWS.f32
ROWS.f32 holds little-endian float32 input rows. Prints one JSON object:
{"modules": [module names], "outputs": [[...], ...]}.
"""
import json
import sys

import torch

from safetensors_layout import read_rows, sequential_from_file


def main(model_path, rows_path):
    model, architecture = sequential_from_file(model_path)
    x = read_rows(rows_path, architecture["inputs"])
    with torch.no_grad():
        outputs = model(x)
    print(json.dumps({"modules": [type(m).__name__ for m in model], "outputs": outputs.tolist()}))


if __name__ == "__main__":
    main(*sys.argv[1:])
