#!/usr/bin/python3
"""PyTorch reference for precision 'bfloat16': CPU autocast to bfloat16.

Trains the mnist and wide MLPs of bench/train.mjs (784-256-128-10, batch 128;
784-1024-1024-10, batch 256; ReLU, softmax cross-entropy) on the same kind of
synthetic data (standard-normal inputs, random labels, a pool of 32 batches),
one step being exactly the CPU autocast recipe of PyTorch's documentation
(torch.amp, "CPU Training Example"):

    optimizer.zero_grad()
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        output = model(input)
        loss = loss_fn(output, target)
    loss.backward()
    optimizer.step()

Master weights, gradients and optimizer state stay float32; no gradient
scaler (bfloat16 has float32's exponent range). --precision float32 runs the
same loop without the autocast block, as the reference measured in the same
process. Each repeat: a fresh model (seed 0), 0.5 s warm-up, then >= --seconds.

Usage (Debian's python3-torch):
  OMP_WAIT_POLICY=passive /usr/bin/python3 bench/torch_autocast.py \
      [--threads 1,2] [--configs mnist,wide] [--opts sgd,adam] \
      [--precision float32,bfloat16] [--seconds 2] [--repeats 3]
Output: one JSON object per line.
"""
import argparse
import json
import os
import statistics
import time

import torch

CONFIGS = {
    "mnist": dict(sizes=[784, 256, 128, 10], batch=128),
    "wide": dict(sizes=[784, 1024, 1024, 10], batch=256),
}
POOL_BATCHES = 32


def build_model(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def make_optimizer(name, params):
    if name == "sgd":
        return torch.optim.SGD(params, lr=0.01, momentum=0.9)
    return torch.optim.Adam(params, lr=1e-3)


def make_batches(sizes, batch):
    generator = torch.Generator().manual_seed(1234)
    return [(torch.randn(batch, sizes[0], generator=generator),
             torch.randint(0, sizes[-1], (batch,), generator=generator)) for _ in range(POOL_BATCHES)]


def train_for(model, optimizer, loss_fn, batches, autocast, seconds, first):
    steps = 0
    started = time.perf_counter()
    while True:
        x, y = batches[(first + steps) % len(batches)]
        optimizer.zero_grad()
        if autocast:
            with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
                output = model(x)
                loss = loss_fn(output, y)
        else:
            output = model(x)
            loss = loss_fn(output, y)
        loss.backward()
        optimizer.step()
        steps += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds and steps >= 5:
            return steps, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--configs", default="mnist,wide")
    parser.add_argument("--opts", default="sgd,adam")
    parser.add_argument("--precision", default="float32,bfloat16")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(dict(bench="torch_autocast", kind="info", torch=torch.__version__, cpu_count=os.cpu_count(),
                          loadavg=os.getloadavg())), flush=True)
    loss_fn = torch.nn.CrossEntropyLoss()
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        for name in args.configs.split(","):
            config = CONFIGS[name]
            batches = make_batches(config["sizes"], config["batch"])
            for precision in args.precision.split(","):
                for opt in args.opts.split(","):
                    rates = []
                    for _ in range(args.repeats):
                        torch.manual_seed(0)
                        model = build_model(config["sizes"])
                        optimizer = make_optimizer(opt, model.parameters())
                        autocast = precision == "bfloat16"
                        warm, _ = train_for(model, optimizer, loss_fn, batches, autocast, 0.5, 0)
                        steps, elapsed = train_for(model, optimizer, loss_fn, batches, autocast, args.seconds, warm)
                        rates.append(steps * config["batch"] / elapsed)
                    print(json.dumps(dict(bench="torch_autocast", config=name, optimizer=opt, precision=precision,
                                          threads=threads, batch=config["batch"],
                                          samplesPerSecond=round(statistics.median(rates)))), flush=True)


if __name__ == "__main__":
    main()
