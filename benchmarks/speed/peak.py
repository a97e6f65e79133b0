"""Peak matmul throughput: square matrix products in fp32 and bf16, best of sizes 1024 and 2048,
measured in this run. These are the ceilings the training GFLOP/s of later sections compare with
("% of peak" in the training loop section).
"""

from __future__ import annotations

import time

import torch

from .harness import Context, Result, Section, Table, fmt


def run(ctx: Context) -> Result:
    """Best of square matmuls of a few sizes: the ceiling training could reach."""
    peaks = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        best = 0.0
        for n in (1024, 2048):
            a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
            for _ in range(2):
                a @ b
            reps = max(3, int(4e10 / (2 * n**3)))
            for _ in range(ctx.repeats):
                start = time.perf_counter()
                for _ in range(reps):
                    a @ b
                best = max(best, 2 * n**3 * reps / (time.perf_counter() - start) / 1e9)
        peaks[name] = best
    return Result(settings={"sizes": "1024, 2048", "repeats": ctx.repeats},
                  tables=[Table(["dtype", "peak GFLOP/s"], [[k, fmt(v, 0)] for k, v in peaks.items()])],
                  data=peaks)


SECTION = Section("peak", "Peak matmul throughput", run)
