#!/usr/bin/env python3
"""The NumPy side of the GEMM table in `npm run bench`: float32 matmul on the shapes bench/gemm.ts
times for scratchnet, in the same three forms, as median GFLOP/s over several samples.

Forms (M rows of the result, K contracted, N columns): gemm = A·B with A (M,K), B (K,N);
gemmTN = Aᵀ·B with A stored (K,M); gemmNT = A·Bᵀ with B stored (N,K). In NumPy the transposes are
free views (A.T @ B), which OpenBLAS reads as its own transposed forms; the result goes into a
preallocated C (out=). A's entries are zero with probability 1 - density (pixel-like), else uniform
in (0, 1]; B is uniform in [-1, 1). GFLOP/s are nominal, 2·M·N·K / time.

Each shape: one untimed call, then calls are calibrated to last >= min_ms per sample, and the median
of `samples` samples is reported. Before timing, the result is checked against a float64 product.

  python3 bench/numpy_gemm.py '<json list of {M, K, N, form, density?, label?}>' [samples] [min_ms]
prints one JSON object: {"blas": {...}, "rows": [...]} (rows in bench/gemm.ts's GemmRow format).
Started by bench/run.ts without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (see numpy_mlp.blas_info).
"""

import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_mlp import blas_info  # noqa: E402


def bench(shapes, samples=7, min_ms=20.0, name="numpy"):
    rng = np.random.default_rng(42)
    rows = []
    for s in shapes:
        M, K, N, form, d = s["M"], s["K"], s["N"], s["form"], s.get("density", 1)
        ashape = (K, M) if form == "gemmTN" else (M, K)
        A = (rng.random(ashape, dtype=np.float32) * (rng.random(ashape) < d)).astype(np.float32)
        A[A != 0] = 1 - A[A != 0]  # (0, 1] for the nonzeros
        B = (rng.random((N, K) if form == "gemmNT" else (K, N), dtype=np.float32) * 2 - 1).astype(np.float32)
        C = np.empty((M, N), dtype=np.float32)
        a = A.T if form == "gemmTN" else A
        b = B.T if form == "gemmNT" else B
        f = lambda: np.matmul(a, b, out=C)  # noqa: E731
        f()
        ref = a.astype(np.float64) @ b.astype(np.float64)
        tol = 1e-5 * max(K, 1) * np.abs(ref).max() + 1e-6
        error = float(np.abs(C - ref).max() / tol)
        if not error <= 1:
            raise SystemExit(f"numpy_gemm: {form} {M}x{K}x{N} differs from float64 by {error:.2f} x tolerance")
        reps = 1
        while True:
            t = time.perf_counter()
            for _ in range(reps):
                f()
            ms = (time.perf_counter() - t) * 1e3
            if ms >= min_ms / 4 or reps > 1e6:
                reps = max(1, int(reps * min_ms / max(ms, 1e-3)) + 1)
                break
            reps *= 4
        ts = []
        for _ in range(samples):
            t = time.perf_counter()
            for _ in range(reps):
                f()
            ts.append((time.perf_counter() - t) * 1e3 / reps)
        ms = float(np.median(ts))
        rows.append(dict(shape=f"{M}x{K}x{N}", form=form, density=d, label=s.get("label", ""), backend=name,
                         gflops=2 * M * N * K / (ms * 1e6), ms=ms, error=error))
    return rows


def main():
    shapes = json.loads(sys.argv[1])
    samples = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    min_ms = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0
    name = sys.argv[4] if len(sys.argv) > 4 else "numpy"
    print(json.dumps(dict(blas=blas_info(), rows=bench(shapes, samples, min_ms, name))))


if __name__ == "__main__":
    main()
