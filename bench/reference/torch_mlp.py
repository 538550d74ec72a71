#!/usr/bin/python3
"""PyTorch reference for bench/train.mjs: the same MLP configurations, data
and optimizers, one JSON line per (config, optimizer) with the median
samples/s of training steps, then one per config with batch-1 no-grad
predict latency in microseconds.

  /usr/bin/python3 bench/reference/torch_mlp.py [--threads 1] [--configs small,mnist,wide]
        [--opts sgd,adam] [--seconds 2] [--repeats 3] [--dropout 0.2]
        [--normalization none|batch|layer]

--dropout and --normalization build the blocks of bench/train.mjs's flags of
the same names: Linear → BatchNorm1d / LayerNorm → activation → Dropout on
every hidden layer (the last layer stays a plain Linear).

--threads sets torch.set_num_threads and, through threadpoolctl when it is
installed, the OpenBLAS pool that Debian's PyTorch runs its float32 GEMMs in.
Run with OMP_WAIT_POLICY=passive on a small machine (bench/compare.sh does).
"""
import argparse
import json
import statistics
import time

import torch

CONFIGS = {
    "xor": dict(sizes=[2, 16, 1], hidden="tanh", output="sigmoid", batch=4),
    "small": dict(sizes=[784, 128, 10], hidden="relu", output="softmax", batch=32),
    "mnist": dict(sizes=[784, 256, 128, 10], hidden="relu", output="softmax", batch=128),
    "wide": dict(sizes=[784, 1024, 1024, 10], hidden="relu", output="softmax", batch=256),
}
POOL_BATCHES = 32  # batches of synthetic data cycled through, as bench/train.mjs


NORMALIZATIONS = {"batch": torch.nn.BatchNorm1d, "layer": torch.nn.LayerNorm}


def network(config, dropout=0.0, normalization="none"):
    layers = []
    sizes = config["sizes"]
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            if normalization != "none":
                layers.append(NORMALIZATIONS[normalization](sizes[i + 1]))
            layers.append(torch.nn.ReLU() if config["hidden"] == "relu" else torch.nn.Tanh())
            if dropout > 0:
                layers.append(torch.nn.Dropout(dropout))
    if config["output"] == "sigmoid":
        layers.append(torch.nn.Sigmoid())
    return torch.nn.Sequential(*layers)


def batches(config):
    generator = torch.Generator().manual_seed(0)
    inputs, outputs, batch = config["sizes"][0], config["sizes"][-1], config["batch"]
    xs = torch.randn(POOL_BATCHES, batch, inputs, generator=generator)
    if config["output"] == "softmax":
        ys = torch.randint(0, outputs, (POOL_BATCHES, batch), generator=generator)
    else:
        ys = torch.randint(0, 2, (POOL_BATCHES, batch, outputs), generator=generator).float()
    return xs, ys


def optimizer(name, parameters):
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=0.01, momentum=0.9)
    return torch.optim.Adam(parameters, lr=1e-3)


def train_rate(config, opt, seconds, dropout, normalization):
    torch.manual_seed(0)
    model = network(config, dropout, normalization)
    optim = optimizer(opt, model.parameters())
    loss_fn = torch.nn.CrossEntropyLoss() if config["output"] == "softmax" else torch.nn.MSELoss()
    xs, ys = batches(config)

    def steps(count, start):
        for i in range(count):
            j = (start + i) % POOL_BATCHES
            optim.zero_grad(set_to_none=True)
            loss_fn(model(xs[j]), ys[j]).backward()
            optim.step()

    steps(POOL_BATCHES, 0)  # warm-up
    done, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        steps(POOL_BATCHES, done)
        done += POOL_BATCHES
    return done * config["batch"] / (time.perf_counter() - began)


def predict_microseconds(config, seconds, dropout, normalization):
    torch.manual_seed(0)
    model = network(config, dropout, normalization).eval()
    row = torch.randn(1, config["sizes"][0])
    with torch.no_grad():
        for _ in range(200):
            model(row)
        done, began, cpu_began = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - began < seconds:
            for _ in range(200):
                model(row)
            done += 200
    # Wall and process-CPU microseconds per call (as bench/train.mjs).
    return (time.perf_counter() - began) / done * 1e6, (time.process_time() - cpu_began) / done * 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--configs", default="small,mnist,wide")
    parser.add_argument("--opts", default="sgd,adam")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dropout", type=float, default=0.0, help="dropout after every hidden activation")
    parser.add_argument("--normalization", choices=["none", *NORMALIZATIONS], default="none",
                        help="BatchNorm1d or LayerNorm after every hidden Linear")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    except ImportError:
        pass
    common = dict(backend="pytorch", version=torch.__version__, threads=args.threads)
    for name in args.configs.split(","):
        config = CONFIGS[name]
        for opt in args.opts.split(","):
            rates = [train_rate(config, opt, args.seconds, args.dropout, args.normalization)
                     for _ in range(args.repeats)]
            print(json.dumps(dict(bench="train", **common, config=name, optimizer=opt, dropout=args.dropout,
                                  normalization=args.normalization, mode="step",
                                  batch=config["batch"], samplesPerSecond=round(statistics.median(rates)))), flush=True)
        latencies = [predict_microseconds(config, args.seconds / 2, args.dropout, args.normalization)
                     for _ in range(args.repeats)]
        print(json.dumps(dict(bench="predict", **common, config=name, normalization=args.normalization, batch=1,
                              microseconds=round(statistics.median(wall for wall, _ in latencies), 2),
                              cpuMicroseconds=round(statistics.median(cpu for _, cpu in latencies), 2))), flush=True)


if __name__ == "__main__":
    main()
