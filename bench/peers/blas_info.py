"""Which BLAS Debian's torch really calls, and how fast its sgemm is.

Debian's torch links libblas.so.3, which update-alternatives points at either
the netlib reference BLAS (slow) or OpenBLAS. The alternative's name alone can
lie (a stale ld cache, a pinned manual choice), so this reads the library that
the running process mapped and times a 1-thread sgemm to prove it.
Prints one JSON object. Run with /usr/bin/python3.
"""
import ctypes
import json
import os
import time

import torch


def mapped_blas():
    """The file that torch's libblas.so.3 dependency really is (after the alternative
    symlinks). Found through the address of its sgemm_: OpenBLAS's liblapack may be
    mapped too, so a file name match alone would mistake it for the BLAS."""
    lib = ctypes.CDLL("libblas.so.3", mode=os.RTLD_NOLOAD | os.RTLD_LAZY)  # already loaded by torch
    addr = ctypes.cast(lib.sgemm_, ctypes.c_void_p).value
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            lo, hi = (int(v, 16) for v in fields[0].split("-"))
            if lo <= addr < hi and len(fields) > 5:
                return os.path.realpath(fields[5])
    return None


def sgemm_gflops(n=512, runs=10):
    # torch.mm on fp32 CPU tensors goes to the external BLAS (oneDNN is only used for conv).
    a, b = torch.rand(n, n), torch.rand(n, n)
    torch.mm(a, b)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - t0)
    return 2 * n**3 / sorted(times)[runs // 2] / 1e9


def info():
    """At the current torch thread count (sgemm first: it makes torch load libblas)."""
    gflops = sgemm_gflops()
    lib = mapped_blas()
    kind = "openblas" if lib and "openblas" in lib else ("netlib reference" if lib else "unknown")
    return {"blas": kind, "blas_library": lib, "sgemm_512_gflops": round(gflops, 2)}


if __name__ == "__main__":
    torch.set_num_threads(1)
    print(json.dumps(info()))
