#!/usr/bin/env python3
"""The peer of TrainStepBench: the same training steps in PyTorch on the CPU, in bursts.

TrainStepBench starts this script in each JMH fork and, after every Lanes iteration, asks it for a
burst of the same length on the same thread count, so each Lanes iteration has a PyTorch twin
measured right after it. For each model it builds the same network once (nn.Linear stack,
PyTorch's default initialisation, which does not change the cost of a step), random fixed data and
the same optimizer.

Protocol: one request per line on stdin, "MODEL THREADS SECONDS"; for each it takes one untimed
step, then steps until SECONDS have passed, and prints one JSON line:
{"model": ..., "threads": ..., "us_per_step": mean of the burst, "torch": version}.
Run it with OPENBLAS_NUM_THREADS and OMP_NUM_THREADS at THREADS (Debian's torch calls a threaded
OpenBLAS, which torch.set_num_threads does not limit).
By hand: echo "mnist-128-sgd 1 2" | python3 torch_train_step.py
"""
import json
import sys
import time

import torch
from torch import nn


# After a burst OpenBLAS's worker threads spin for 2^28 cycles (~75 ms here) before they sleep; the
# reply waits until they do, so they take no core from the Lanes iteration that follows.
IDLE_S = 0.15


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


def burst(step, seconds):
    """Mean µs per step over steps run for `seconds`, after one untimed step."""
    step()
    n, start = 0, time.perf_counter()
    while True:
        step()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return elapsed / n * 1e6


def main():
    torch.set_num_interop_threads(1)
    steps = {}
    for line in sys.stdin:
        model, threads, seconds = line.split()
        threads = int(threads)
        torch.set_num_threads(threads)  # explicit: it defaults to half the cores
        if model not in steps:
            steps[model] = build(model)
        us = burst(steps[model], float(seconds))
        time.sleep(IDLE_S)
        print(json.dumps({"model": model, "threads": threads, "us_per_step": us, "torch": torch.__version__}),
              flush=True)


if __name__ == "__main__":
    main()
