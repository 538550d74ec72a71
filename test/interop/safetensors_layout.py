"""backprop's model files, read and written from Python with struct + json + torch only.

Independent of the library (and of the `safetensors` package): it follows the
published format (8-byte little-endian header length, JSON header, raw data)
and backprop's layout (tensors layers.{i}.weight / layers.{i}.bias and, for a
normalized block, layers.{i}.norm.weight / .bias / .running_mean / .running_var, F32,
`__metadata__` with `architecture` and `optimizer` as JSON strings).
"""
import json
import struct

import torch

# backprop's activation names -> the PyTorch module with the same maths.
ACTIVATIONS = {
    "linear": lambda: torch.nn.Identity(),
    "sigmoid": lambda: torch.nn.Sigmoid(),
    "tanh": lambda: torch.nn.Tanh(),
    "relu": lambda: torch.nn.ReLU(),
    "leakyRelu": lambda: torch.nn.LeakyReLU(0.01),
    "elu": lambda: torch.nn.ELU(alpha=1.0),
    "gelu": lambda: torch.nn.GELU(approximate="none"),
    "softmax": lambda: torch.nn.Softmax(dim=1),
}


def read_safetensors(path):
    """(tensors by name as float32 torch tensors, metadata dict of strings)."""
    with open(path, "rb") as f:
        raw = f.read()
    (header_length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_length].decode("utf-8"))
    data = bytearray(raw[8 + header_length:])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} has dtype {entry['dtype']}, expected F32")
        begin, end = entry["data_offsets"]
        flat = torch.frombuffer(data, dtype=torch.float32, offset=begin, count=(end - begin) // 4)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """Writes float32 tensors (name -> torch tensor) and string metadata (omitted when None)."""
    header = {} if metadata is None else {"__metadata__": metadata}
    chunks = []
    offset = 0
    for name, tensor in tensors.items():
        values = tensor.detach().to(torch.float32).flatten().tolist()
        blob = struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        chunks.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in chunks:
            f.write(blob)


def linear_layers(model):
    return [m for m in model if isinstance(m, torch.nn.Linear)]


def normalization_module(option, units):
    """PyTorch's module for a block's `normalization` option (None without one)."""
    if option is None:
        return None
    options = {"type": option} if isinstance(option, str) else option
    epsilon = options.get("epsilon", 1e-5)
    if options["type"] == "batch":
        return torch.nn.BatchNorm1d(units, eps=epsilon, momentum=options.get("momentum", 0.1))
    return torch.nn.LayerNorm(units, eps=epsilon)


def sequential_from_file(path):
    """The nn.Sequential (Linear, [BatchNorm1d | LayerNorm], activation, [Dropout], Linear, ...)
    a backprop model file describes, weights and running statistics loaded, in eval mode."""
    tensors, metadata = read_safetensors(path)
    architecture = json.loads(metadata["architecture"])
    modules = []
    inputs = architecture["inputs"]
    for i, layer in enumerate(architecture["layers"]):
        units = layer["units"]
        linear = torch.nn.Linear(inputs, units)
        norm = normalization_module(layer.get("normalization"), units)
        with torch.no_grad():
            linear.weight.copy_(tensors[f"layers.{i}.weight"])
            linear.bias.copy_(tensors[f"layers.{i}.bias"])
            if norm is not None:
                norm.weight.copy_(tensors[f"layers.{i}.norm.weight"])
                norm.bias.copy_(tensors[f"layers.{i}.norm.bias"])
            if isinstance(norm, torch.nn.BatchNorm1d):
                norm.running_mean.copy_(tensors[f"layers.{i}.norm.running_mean"])
                norm.running_var.copy_(tensors[f"layers.{i}.norm.running_var"])
        modules += [linear] + ([norm] if norm is not None else []) + [ACTIVATIONS[layer.get("activation", "linear")]()]
        if layer.get("dropout", 0) > 0:
            modules.append(torch.nn.Dropout(layer["dropout"]))
        inputs = units
    return torch.nn.Sequential(*modules).eval(), architecture


def block_tensors(model):
    """A flat nn.Sequential's state in backprop's layout: each Linear starts block i
    (layers.{i}.weight/bias), a BatchNorm1d or LayerNorm after it is that block's
    norm (layers.{i}.norm.*; num_batches_tracked is PyTorch's own counter, not saved)."""
    tensors = {}
    block = -1
    for module in model:
        if isinstance(module, torch.nn.Linear):
            block += 1
            tensors[f"layers.{block}.weight"] = module.weight
            tensors[f"layers.{block}.bias"] = module.bias
        elif isinstance(module, (torch.nn.BatchNorm1d, torch.nn.LayerNorm)):
            for name, value in module.state_dict().items():
                if name != "num_batches_tracked":
                    tensors[f"layers.{block}.norm.{name}"] = value
    return tensors


def read_rows(path, width):
    """A file of little-endian float32 values, `width` per row, as an n x width tensor."""
    with open(path, "rb") as f:
        data = bytearray(f.read())
    return torch.frombuffer(data, dtype=torch.float32).reshape(-1, width).clone()
