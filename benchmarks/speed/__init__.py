"""Speed of aekit against a hand-written PyTorch loop, PyOD and pythae; writes BENCHMARKS.md.

Every comparison runs in this one process, contenders alternating, several repeats, and the
median time is reported, so that the noise of a shared machine mostly cancels in the ratios.
Peers (PyOD, pythae) are imported only here; run it in an environment that has them:

    flock /tmp/aekit-bench.lock nice -n 0 /work/bench-peers/bin/python benchmarks/speed.py
    python benchmarks/speed.py --quick                     # smaller data, 2 repeats (~5 min)
    python benchmarks/speed.py --only loop,peers --repeats 5

Sections (``--only``, one module each in benchmarks/speed/, whose docstring says what it
measures): machine, peak, loop, peers, tabular, conv, inference, precision, quality, front,
compile, best, memory, threads. ``machine`` always runs; ``best`` (the 5-minute quality budget)
runs only when named in ``--only`` or with ``--best``. Needs Fashion-MNIST
(``AEKIT_FASHION_MNIST_DIR``). The written file holds only what the run produced: the command,
the load, the goals (met or not, computed from the measurements) and each section's settings,
tables and derived numbers.

What changed for speed, and why (the reasoning behind the sections, as of the last full run)
-------------------------------------------------------------------------------------------
Kept because the sections show that they pay: fused optimizer steps by default (loop: 'hand' vs
'hand, fused Adam'); ``precision='auto'``, bf16 autocast on CUDA and on CPUs with AMX or
AVX512-BF16 (precision; an earlier oneDNN-capped emulation on an AMX Xeon had suggested
AVX512-BF16 alone was slower, a real AMD EPYC says otherwise); fewer small ops per step (loss
parts accumulated as one stacked tensor with one host sync per epoch, one fused ``mse_loss``
kernel for the Gaussian likelihood, the parameter list for gradient clipping built once); the
per-batch one-cycle schedule and the presets ``fashion-mnist-fast`` / ``fashion-mnist-best``
(quality); a fixed principal-component front end for MLPs, ``recipe_options={'input_pca': k}``
(front); inference at the estimator's precision (inference); no float64 copy of the data for
preprocessing statistics, float32 reconstruction errors for float32 data, inference reading
float32 input in place into one preallocated output (inference, memory); ``channels_last``
convolution weights on the CPU (conv); ``refine_codes`` for the best reconstruction (best).
Not adopted: ``torch.compile`` as a default (compile: its per-step gain does not repay its
compile time in a 20-second budget; it is an option, ``TrainConfig(compile=True)``); changing
thread settings inside the library (threads: ``OMP_WAIT_POLICY=PASSIVE`` is recommended in
docs/performance.md for shared machines instead).
"""

from __future__ import annotations

import os
import sys

# Threads that wait at an OpenMP barrier sleep instead of spinning: on a shared machine a spinning
# thread holds the core its descheduled partner needs (measured in the "threads" section). Set
# before torch loads OpenMP (so before the imports below, in this process and in the child
# processes that import this package); applies to every contender alike. On a quiet machine
# spinning is faster (small ops wake no sleeping thread): pass --omp-wait-policy=default there.
if not any(a == "--omp-wait-policy=default" for a in sys.argv):
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import importlib  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from .harness import ROOT, Context, Section, load_data, run_section, uptime, write  # noqa: E402
from .workloads import warm_up  # noqa: E402

# The sections, in the order they run; each module defines SECTION.
MODULES = ("machine", "peak", "loop", "peers", "tabular", "conv", "inference", "precision", "quality", "front",
           "compile", "best", "memory", "threads")
SECTIONS: dict[str, Section] = {}
for _module in MODULES:
    _section = importlib.import_module(f"{__name__}.{_module}").SECTION
    SECTIONS[_section.name] = _section


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\nWhat changed")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10,000 training rows, 2 repeats: a smoke run")
    parser.add_argument("--only", default=None, help=f"comma-separated sections of {tuple(SECTIONS)}")
    parser.add_argument("--best", action="store_true", help="also run the 5-minute quality budget")
    parser.add_argument("--repeats", type=int, default=None, help="alternating repeats (default 3; 2 with --quick)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs per timed training run")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--omp-wait-policy", choices=["passive", "default"], default="passive",
                        help="'passive' (default) sets OMP_WAIT_POLICY=PASSIVE unless it is set already, for "
                             "shared machines; 'default' leaves OpenMP's own policy (faster on a quiet machine). "
                             "Give it as --omp-wait-policy=default: it is read before torch loads")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"), help="markdown file to write ('' for none)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    only = set(args.only.split(",")) if args.only else {n for n, s in SECTIONS.items() if s.default or args.best}
    unknown = only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {tuple(SECTIONS)}")
    load_start = uptime()
    command = "python benchmarks/speed.py " + " ".join(argv)
    started = time.perf_counter()

    data = load_data(args.quick)
    ctx = Context(repeats=args.repeats or (2 if args.quick else 3), epochs=args.epochs, quick=args.quick,
                  conv_samples=5000 if args.quick else 20000, load_start=load_start, data=data)
    run_section(SECTIONS["machine"], ctx)  # always: the numbers mean little without it
    write(args.out, SECTIONS, ctx, command, started)
    warm_up(data.X)
    data.X70 = torch.from_numpy(np.concatenate([data.train, data.test]))
    for name, section in SECTIONS.items():
        if name != "machine" and name in only:
            run_section(section, ctx)
            write(args.out, SECTIONS, ctx, command, started)
