#!/usr/bin/env python3
"""The peer of PredictBench: inference on 784-256-128-10 in PyTorch on the CPU, in bursts.

PredictBench starts this script in each JMH fork and, after every Lanes iteration, asks it for a
burst of the matching case as long as a measured iteration, so each Lanes iteration has a PyTorch
twin measured right after it. The network is an nn.Sequential of Linear/ReLU layers (float32,
eval(), called under torch.no_grad()); the rows are random in [0, 1), fixed.

Cases:
  single    one caller, torch.set_num_threads(1): latency of one call
  callers2  two Python threads calling the same model at once, each with torch.set_num_threads(1).
            torch releases the GIL inside its ops, but the Python around them holds it, so this is
            what two request threads of a Python service get; us_per_call is the time a call takes
            for one caller (2 / total calls per second)
  intra2    one caller, torch.set_num_threads(2): torch's own two-thread parallelism inside each op
Run single and callers2 with OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1, intra2 with both at 2
(Debian's torch calls a threaded OpenBLAS, which torch.set_num_threads does not limit).

Protocol: one request per line on stdin, "CASE BATCH SECONDS"; for each it prints one JSON line:
{"case": ..., "batch": ..., "threads": ..., "us_per_call": ..., "samples_per_s": ..., "torch": version}.
By hand: echo "single 64 2" | OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python3 torch_predict.py
"""
import json
import sys
import threading
import time

import torch
from torch import nn

# After a burst OpenBLAS's worker threads spin for 2^28 cycles (~75 ms here) before they sleep; the
# reply waits until they do, so they take no core from the Lanes iteration that follows.
IDLE_S = 0.15


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


def burst(case, net, x, seconds):
    """µs per call (per caller) over calls made for `seconds`, after a few untimed ones."""
    batch = x.shape[0]
    if case == "callers2":
        callers(net, batch, 2, 0.01)
        return 2 / callers(net, batch, 2, seconds) * 1e6
    threads = 2 if case == "intra2" else 1
    run_for(net, x, 0.01, threads)
    n, elapsed = run_for(net, x, seconds, threads)
    return elapsed / n * 1e6


def main():
    torch.set_num_interop_threads(1)
    net = build()
    rows = {}
    for line in sys.stdin:
        case, batch, seconds = line.split()
        batch = int(batch)
        if case not in ("single", "callers2", "intra2"):
            sys.exit(f"unknown case {case}: expected single, callers2 or intra2")
        if batch not in rows:
            rows[batch] = torch.rand(batch, 784)
        us = burst(case, net, rows[batch], float(seconds))
        time.sleep(IDLE_S)
        samples = (2 if case == "callers2" else 1) * batch / us * 1e6
        print(json.dumps({"case": case, "batch": batch, "threads": 1 if case == "single" else 2,
                          "us_per_call": us, "samples_per_s": samples, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
