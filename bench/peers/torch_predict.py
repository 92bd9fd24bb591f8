#!/usr/bin/env python3
"""The peer of PredictBench: inference on 784-256-128-10 in PyTorch on the CPU.

The network is an nn.Sequential of Linear/ReLU layers (float32, eval(), called under
torch.no_grad()); the rows are random in [0, 1), fixed. For each case and batch size it warms up,
then times calls in repeated runs and prints one JSON line per cell:
{"case": ..., "batch": ..., "threads": ..., "us_per_call": median, "samples_per_s": median, "runs": [...]}.

Cases:
  single    one caller, torch.set_num_threads(1): latency of one call
  callers2  two Python threads calling the same model at once, each with torch.set_num_threads(1).
            torch releases the GIL inside its ops, but the Python around them holds it, so this is
            what two request threads of a Python service get; us_per_call is the time a call takes
            for one caller (2 / total calls per second)
  intra2    one caller, torch.set_num_threads(2): torch's own two-thread parallelism inside each op
Run single and callers2 with OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1, intra2 with both at 2
(Debian's torch calls a threaded OpenBLAS, which torch.set_num_threads does not limit).

Usage: torch_predict.py BATCH[,BATCH...] CASE[,CASE...] [SECONDS_PER_CELL]
"""
import json
import statistics
import sys
import threading
import time

import torch
from torch import nn

REPEATS = 8


def build():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    return net.float().eval()


def run_for(net, x, seconds, threads):
    """Calls net(x) for `seconds` on this thread; returns (calls, elapsed seconds)."""
    torch.set_num_threads(threads)  # per calling thread under OpenMP: set it where the calls are made
    with torch.no_grad():  # grad mode is thread-local
        n, start = 0, time.perf_counter()
        end = start + seconds
        while True:
            net(x)
            n += 1
            now = time.perf_counter()
            if now >= end:
                return n, now - start


def callers(net, batch, count, seconds):
    """`count` threads call the model at once, each on its own rows; returns total calls per second."""
    rates = [0.0] * count
    ready = threading.Barrier(count)

    def worker(i):
        x = torch.rand(batch, 784)
        run_for(net, x, min(seconds, 0.05), 1)  # this thread's first calls: lazy per-thread set-up
        ready.wait()
        n, elapsed = run_for(net, x, seconds, 1)
        rates[i] = n / elapsed

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(rates)


def measure(case, net, batch, seconds):
    """Median µs per call (per caller) over REPEATS runs, after a warm-up, and the runs."""
    if case == "callers2":
        callers(net, batch, 2, seconds / 3)  # warm-up
        runs = [2 / callers(net, batch, 2, seconds / (2 * REPEATS)) * 1e6 for _ in range(REPEATS)]
    else:
        threads = 2 if case == "intra2" else 1
        x = torch.rand(batch, 784)
        run_for(net, x, seconds / 3, threads)  # warm-up
        runs = []
        for _ in range(REPEATS):
            n, elapsed = run_for(net, x, seconds / (2 * REPEATS), threads)
            runs.append(elapsed / n * 1e6)
    return statistics.median(runs), runs


def main():
    batches = [int(b) for b in sys.argv[1].split(",")]
    cases = sys.argv[2].split(",")
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 4.0
    for case in cases:
        if case not in ("single", "callers2", "intra2"):
            sys.exit(f"unknown case {case}: expected single, callers2 or intra2")
    torch.set_num_interop_threads(1)
    net = build()
    for case in cases:
        for batch in batches:
            us, runs = measure(case, net, batch, seconds)
            samples = (2 if case == "callers2" else 1) * batch / us * 1e6
            print(json.dumps({"case": case, "batch": batch, "threads": 1 if case == "single" else 2,
                              "us_per_call": us, "samples_per_s": samples,
                              "runs": [round(r, 2) for r in runs], "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
