"""Peak memory of training on .npy files of growing size: streamed (ArrayStream) vs loaded in memory.

Writes float32 files of the given sizes to a scratch folder (deleted afterwards), trains one
epoch on each in a fresh subprocess, and prints a markdown table of the child's peak resident
set size (VmHWM of /proc/self/status, which starts afresh with each process image, unlike
ru_maxrss, which a child inherits from its parent). Streaming should stay flat as the file
grows; loading grows with it.

    python benchmarks/memory_flat.py --sizes-gb 0.5 2 --features 256 --in-memory-up-to-gb 0.5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np


def write_file(path: str, gb: float, features: int) -> int:
    """Random float32 rows written chunk by chunk with plain writes (no memory map)."""
    rows = int(gb * 1e9 / (4 * features))
    rng = np.random.default_rng(0)
    chunk = 65536
    with open(path, "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, {"descr": "<f4", "fortran_order": False, "shape": (rows, features)})
        for start in range(0, rows, chunk):
            fh.write(rng.random((min(chunk, rows - start), features), dtype=np.float32).tobytes())
    return rows


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM) in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: an upper bound


def child(path: str, mode: str, batch_size: int, shuffle_buffer: int) -> None:
    import torch

    from aekit import TrainConfig, create_model, fit
    from aekit.data import ArrayStream

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    base = peak_rss_mb()
    data = ArrayStream(path, shuffle_buffer=shuffle_buffer) if mode == "stream" else np.load(path)
    features = data.sample_shape[0] if mode == "stream" else data.shape[1]
    model = create_model("linear", (features,), latent_dim=8)
    start = time.perf_counter()
    history = fit(model, data, TrainConfig(epochs=1, batch_size=batch_size, validation_split=0.05, progress=False,
                                           device="cpu"))
    peak = peak_rss_mb()
    print(json.dumps({"peak_mb": peak, "after_imports_mb": base, "seconds": time.perf_counter() - start,
                      "train_total": history["train_total"][-1]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-gb", type=float, nargs="+", default=[0.5, 2.0])
    parser.add_argument("--features", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=4096)
    parser.add_argument("--shuffle-buffer", type=int, default=16384)
    parser.add_argument("--in-memory-up-to-gb", type=float, default=0.5, help="also load files up to this size")
    parser.add_argument("--dir", default=None, help="scratch folder (default: a new one in /tmp)")
    parser.add_argument("--child", nargs=4, metavar=("PATH", "MODE", "BATCH", "BUFFER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        path, mode, batch, buffer = args.child
        child(path, mode, int(batch), int(buffer))
        return

    scratch = tempfile.mkdtemp(prefix="aekit-memflat-", dir=args.dir)
    rows_out = []
    try:
        for gb in args.sizes_gb:
            path = os.path.join(scratch, f"data_{gb}gb.npy")
            rows = write_file(path, gb, args.features)
            modes = ["stream"] + (["in-memory"] if gb <= args.in_memory_up_to_gb else [])
            for mode in modes:
                cmd = [sys.executable, __file__, "--child", path, mode, str(args.batch_size), str(args.shuffle_buffer)]
                result = subprocess.run(cmd, capture_output=True, text=True, check=True)
                stats = json.loads(result.stdout.strip().splitlines()[-1])
                rows_out.append((gb, os.path.getsize(path) / 1e9, rows, mode, stats))
            os.remove(path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs; features={args.features}, "
          f"batch={args.batch_size}, shuffle_buffer={args.shuffle_buffer} rows, 1 epoch, recipe 'linear'\n")
    print("| file on disk (GB) | rows | data | peak RSS (MB) | RSS after imports (MB) | epoch seconds | train loss |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for gb, size, rows, mode, s in rows_out:
        print(f"| {size:.2f} | {rows:,} | {mode} | {s['peak_mb']:.0f} | {s['after_imports_mb']:.0f} | "
              f"{s['seconds']:.1f} | {s['train_total']:.4g} |")


if __name__ == "__main__":
    main()
