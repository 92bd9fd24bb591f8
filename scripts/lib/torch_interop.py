#!/usr/bin/env python3
"""Checks that PyTorch computes what Lanes computes from a Lanes model file.

  torch_interop.py MODEL.safetensors CASE.safetensors [MODEL CASE ...]
  torch_interop.py --write-sample OUT.safetensors

The first form rebuilds each Lanes model (a safetensors file written by ModelFile.save) in PyTorch:
a module holding self.layers = nn.ModuleList([nn.Linear | nn.Dropout, ...]) indexed like the file's
layers.{l}.weight / layers.{l}.bias tensors, loaded with load_state_dict(strict=True), then an
nn.Sequential interleaving the activations, in eval mode (dropout is the identity, as in Lanes'
Predictor). It runs the CASE file's `inputs` [n, in] through it in float32 and compares the result
with the CASE file's `outputs` [n, out], which Lanes' Predictor computed from the same inputs.

Tolerance: an output passes when

    |torch - lanes| <= RTOL * (|lanes| + scale_j),   RTOL = 1e-5,

where scale_j = max over the case's rows of |lanes[:, j]|, the magnitude of output j. This is 1e-5
relative error for outputs of the usual size, and 1e-5 of the output's typical size for outputs
near zero. A pure relative test is meaningless there: an output is a dot product whose terms are
rounded at the size of the terms, not of their sum, so where the terms cancel (a logit near 0, or a
saturated GELU/sigmoid giving 1e-30 in one library and an exact 0 in the other) the two float32
results can differ by 100% relative while both are as accurate as float32 allows. The two libraries
also sum in different orders (Lanes' GEMM vs OpenBLAS) and Lanes' exp/log/tanh are within a few
ulp, so bitwise equality is not expected; differences are around 1e-7 relative in practice.

Each model's line gives the architecture, the largest absolute error, the largest plain relative
error |d|/|lanes| (informative only, for the reason above), the largest mixed error
|d|/(|lanes| + scale) that the test bounds, and PASS or FAIL. Exit status: 0 all pass, 1 a failure
(or a file that does not load), 2 bad usage.

The second form writes a safetensors file from torch tensors with the minimal writer below, for
Lanes' reader to check (TorchInteropTest): exact values (`exact`, `arange`), and a small
PyTorch-made Lanes model (layers.*, with lanes.architecture) with `inputs` and its `outputs`.

Debian has no python3-safetensors, so files are read and written here with json and numpy.
"""
import json
import re
import struct
import sys

import numpy as np

RTOL = 1e-5


def read_safetensors(path):
    """(metadata, {name: float32 ndarray}) of a safetensors file of F32 tensors."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = memoryview(raw)[8 + n:]
    tensors = {}
    for name, t in header.items():
        if t["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} has dtype {t['dtype']}, not F32")
        begin, end = t["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(t["shape"]).copy()
    return metadata, tensors


def write_safetensors(path, metadata, tensors):
    """Writes {name: tensor} (torch or numpy) as F32, in this order, with string metadata."""
    header, blobs, at = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        a = np.ascontiguousarray(np.asarray(t, dtype="<f4"))
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [at, at + a.nbytes]}
        blobs.append(a.tobytes())
        at += a.nbytes
    h = json.dumps(header).encode("utf-8")  # no padding: readers must not need it
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def activation(nn, name):
    """The torch module computing Lanes' activation `name` (kernel Activation.toString)."""
    m = re.fullmatch(r"leaky_relu\((.*)\)", name)
    if m:
        return nn.LeakyReLU(float(m.group(1)))
    table = {
        "identity": nn.Identity,
        "relu": nn.ReLU,
        "sigmoid": nn.Sigmoid,
        "tanh": nn.Tanh,
        # Lanes' GELU is the tanh form 0.5·z·(1 + tanh(√(2/π)(z + 0.044715 z³))), not erf
        "gelu": lambda: nn.GELU(approximate="tanh"),
        "silu": nn.SiLU,
        # Lanes: max(z, 0) + log1p(e^−|z|), beta 1, no threshold; torch returns z for z > 20,
        # where log1p(e^−z) < 2.1e-9 is below half an ulp of z: the same float
        "softplus": lambda: nn.Softplus(beta=1.0, threshold=20.0),
    }
    if name not in table:
        raise ValueError(f"unknown activation '{name}'")
    return table[name]()


def build(torch, arch):
    """(holder with .layers ModuleList, nn.Sequential with the activations) for the architecture."""
    nn = torch.nn
    layers, steps, width = [], [], arch["inputs"]
    for spec in arch["layers"]:
        if spec["type"] == "dense":
            linear = nn.Linear(width, spec["units"])
            layers.append(linear)
            steps += [linear, activation(nn, spec["activation"])]
            width = spec["units"]
        elif spec["type"] == "dropout":
            drop = nn.Dropout(float(spec["rate"]))
            layers.append(drop)
            steps.append(drop)
        else:
            raise ValueError(f"unknown layer type '{spec['type']}'")

    class Lanes(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList(layers)

    return Lanes(), nn.Sequential(*steps)


def describe(arch):
    parts = [str(arch["inputs"])]
    for s in arch["layers"]:
        parts.append(f"dense({s['units']}, {s['activation']})" if s["type"] == "dense" else f"dropout({s['rate']})")
    return " → ".join(parts) + " | " + arch.get("loss", "?")


def check(torch, model_path, case_path):
    """Prints one model's result; True if it passes."""
    metadata, tensors = read_safetensors(model_path)
    if metadata.get("lanes.format_version") != "1":
        print(f"FAIL {model_path}: lanes.format_version is {metadata.get('lanes.format_version')!r}, not '1'")
        return False
    arch = json.loads(metadata["lanes.architecture"])
    holder, seq = build(torch, arch)
    state = {k: torch.from_numpy(v) for k, v in tensors.items() if k.startswith("layers.")}
    try:
        holder.load_state_dict(state, strict=True)
    except RuntimeError as e:
        expected = {k: tuple(v.shape) for k, v in holder.state_dict().items()}
        found = {k: tuple(v.shape) for k, v in state.items()}
        print(f"FAIL {model_path}: the file's tensors do not fit the architecture {describe(arch)}\n"
              f"  torch expects {expected}\n  the file has  {found}\n  {e}")
        return False
    seq.eval()
    _, case = read_safetensors(case_path)
    x, lanes = case["inputs"].astype(np.float32), case["outputs"].astype(np.float32)
    with torch.no_grad():
        out = seq(torch.from_numpy(x)).numpy()
    if out.shape != lanes.shape:
        print(f"FAIL {describe(arch)}: torch gives shape {out.shape}, Lanes {lanes.shape}")
        return False
    d = np.abs(out.astype(np.float64) - lanes.astype(np.float64))
    mag = np.abs(lanes.astype(np.float64))
    scale = mag.max(axis=0, keepdims=True)
    mixed = np.divide(d, mag + scale, out=np.where(d > 0, np.inf, 0.0), where=(mag + scale) > 0)
    rel = np.divide(d, mag, out=np.where(d > 0, np.inf, 0.0), where=mag > 0)
    ok = bool(np.all(mixed <= RTOL)) and bool(np.all(np.isfinite(out)))
    i, j = np.unravel_index(int(np.argmax(mixed)), mixed.shape)
    print(f"{'PASS' if ok else 'FAIL'} {describe(arch)}: {x.shape[0]} rows, max abs err {d.max():.3g}, "
          f"max rel err {rel.max():.3g}, max mixed err {mixed.max():.3g} (bound {RTOL:g}; "
          f"worst at [{i}, {j}]: torch {out[i, j]!r}, lanes {lanes[i, j]!r})")
    return ok


def write_sample(torch, path):
    nn = torch.nn
    torch.manual_seed(7)
    arch = {"inputs": 5, "layers": [
        {"type": "dense", "units": 4, "activation": "tanh", "init": "glorot_uniform"},
        {"type": "dropout", "rate": 0.5},
        {"type": "dense", "units": 3, "activation": "identity", "init": "glorot_uniform"}],
        "loss": "mean_squared_error"}
    holder, seq = build(torch, arch)
    seq.eval()
    x = torch.randn(6, 5)
    with torch.no_grad():
        y = seq(x)
    tensors = {k: v.detach() for k, v in holder.state_dict().items()}
    tensors["inputs"] = x
    tensors["outputs"] = y
    # exact values Lanes checks bit for bit: arange(12)/7 − 0.5 in float32 arithmetic, and specials
    tensors["arange"] = (torch.arange(12, dtype=torch.float32) / 7 - 0.5).reshape(3, 4)
    tensors["exact"] = torch.tensor([0.0, -0.0, 1e-45, -3.4028235e38, float("inf"), float("-inf"), 1.0 / 3])
    write_safetensors(path, {"lanes.format_version": "1", "lanes.architecture": json.dumps(arch),
                             "written_by": "torch " + torch.__version__}, tensors)
    print(f"wrote {path}: {', '.join(tensors)}")


def main(argv):
    if len(argv) == 2 and argv[0] == "--write-sample":
        pairs = None
    elif len(argv) >= 2 and len(argv) % 2 == 0 and not argv[0].startswith("-"):
        pairs = list(zip(argv[0::2], argv[1::2]))
    else:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    import torch
    torch.set_num_threads(1)
    if pairs is None:
        write_sample(torch, argv[1])
        return 0
    print(f"torch {torch.__version__}, numpy {np.__version__}")
    failed = 0
    for model, case in pairs:
        try:
            failed += not check(torch, model, case)
        except (OSError, ValueError, KeyError) as e:
            print(f"FAIL {model} / {case}: {type(e).__name__}: {e}")
            failed += 1
    print(f"{len(pairs) - failed} of {len(pairs)} models agree with PyTorch to {RTOL:g}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
