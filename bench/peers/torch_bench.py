"""The PyTorch peer: predict, saliency and one fooling iteration on the CPU.

  OMP_NUM_THREADS=N OPENBLAS_NUM_THREADS=N OMP_WAIT_POLICY=PASSIVE \
    /usr/bin/python3 bench/peers/torch_bench.py MANIFEST N

(run.mjs sets the variables so that neither OpenMP nor OpenBLAS's own pthread
pool uses more threads than torch.set_num_threads(N) says, nor spins on a core).
Prints one JSON object: per network the median ms of each measure, plus the
logits and a sample of the input gradient for run.mjs to check the others against.
"""
import json
import os
import sys
import time

import torch

import blas_info
import onnx_graph
from onnx_torch import OnnxTorch

WARMUP, RUNS, TARGET = 3, 20, 1


def median_ms(fn):
    for _ in range(WARMUP):
        fn()
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return sorted(times)[RUNS // 2]


def input_grad(net, x):
    """d logits[0, TARGET] / d x, weights frozen (they never require grad)."""
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(net.forward(x)[0, TARGET], x)
    return g


def bench(net):
    x = torch.from_numpy(onnx_graph.bench_input(net.input_shape))

    def predict():
        with torch.inference_mode():
            return torch.softmax(net.forward(x), dim=1)

    def saliency():
        g = input_grad(net, x)
        return g, g.abs().amax(dim=1)  # the map, as gradlens' vanilla saliency returns it

    def fool_iteration():
        # cs231n's fooling step on the target logit: x += g / ||g||_2, pixels kept in [0, 1].
        g = input_grad(net, x)
        with torch.no_grad():
            return (x + g / g.norm()).clamp_(0, 1)

    with torch.no_grad():
        logits = net.forward(x)[0]
    g = input_grad(net, x).flatten()
    stride = max(1, g.numel() // 1000)
    check = {"logits": logits.tolist(), "grad_sample": g[::stride].tolist(), "grad_stride": stride,
             "grad_l2": float(g.norm())}
    return {"predict": median_ms(predict), "saliency": median_ms(saliency),
            "fool_iteration": median_ms(fool_iteration), "check": check}


def main(manifest, threads):
    torch.set_num_threads(threads)
    env = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY")}
    out = {"meta": {"version": torch.__version__, "threads": torch.get_num_threads(), "env": env,
                    "mkldnn": torch.backends.mkldnn.is_available(), **blas_info.info()},
           "networks": {}}
    for entry in json.load(open(manifest)):
        if "skipped" in entry:
            continue
        name = entry["name"]
        try:
            t0 = time.perf_counter()
            out["networks"][name] = bench(OnnxTorch(entry["onnx"]))
            print(f"pytorch-{threads}t {name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        except Exception as e:  # one network failing must not lose the others' figures
            out["networks"][name] = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
