#!/usr/bin/env python3
"""The peer of TrainStepBench: the same training steps in PyTorch on the CPU.

For each model and thread count, builds the same network (nn.Linear stack, PyTorch's default
initialisation, which does not change the cost of a step), random fixed data, the same optimizer,
warms up, then times steps in repeated batches and prints one JSON line per cell:
{"model": ..., "threads": ..., "us_per_step": median, "runs": [...]}.

Usage: torch_train_step.py MODEL[,MODEL...] THREADS[,THREADS...] [SECONDS_PER_CELL]
"""
import json
import statistics
import sys
import time

import torch
from torch import nn


def build(model):
    kind, batch, opt = model.split("-")
    batch = int(batch)
    if kind == "mnist":
        net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        x, y, loss = torch.rand(batch, 784) * 4 - 2, torch.randint(0, 10, (batch,)), nn.CrossEntropyLoss()
    elif kind == "wide":
        net = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))
        x, y, loss = torch.rand(batch, 784) * 4 - 2, torch.randint(0, 10, (batch,)), nn.CrossEntropyLoss()
    else:
        net = nn.Sequential(nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
        x, y, loss = torch.rand(batch, 64) * 4 - 2, torch.rand(batch, 1) * 4 - 2, nn.MSELoss()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3) if opt == "adam" else torch.optim.SGD(net.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad(set_to_none=False)
        out = loss(net(x), y)
        out.backward()
        optimizer.step()
        return out

    return step


def measure(step, seconds):
    end = time.perf_counter() + seconds / 3  # warm-up
    while time.perf_counter() < end:
        step()
    runs = []
    for _ in range(8):
        n, start = 0, time.perf_counter()
        while True:
            step()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds / 12:
                break
        runs.append(elapsed / n * 1e6)
    return statistics.median(runs), runs


def main():
    models = sys.argv[1].split(",")
    threads = [int(t) for t in sys.argv[2].split(",")]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 4.0
    torch.set_num_interop_threads(1)
    for t in threads:
        torch.set_num_threads(t)  # explicit: it defaults to half the cores
        for model in models:
            median, runs = measure(build(model), seconds)
            print(json.dumps({"model": model, "threads": t, "us_per_step": median,
                              "runs": [round(r, 1) for r in runs], "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
