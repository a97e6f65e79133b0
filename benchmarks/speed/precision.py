"""bf16 autocast: speed and quality.

The ``fashion-mnist-fast`` preset (see the quality section) trained with ``precision='fp32'`` and
with ``precision='auto'`` (bf16 on CPUs with AMX or AVX512-BF16), same seed, whole training set
(2 epochs with ``--quick``); test MSE per pixel on the 10,000 test images, of the trained weights
evaluated in fp32.

The oneDNN ISA table reruns a short hand-written bf16-vs-fp32 loop (4,096 random rows, fused Adam,
batch 128 and 512, median of max(3, ``--repeats``)) in a child process with oneDNN capped at
AVX512-BF16 (``ONEDNN_MAX_CPU_ISA=AVX512_CORE_BF16``), i.e. what a CPU with AVX512-BF16 but no AMX
(AMD Zen 4, Intel Cooper Lake) can do, and with this CPU's best ISA (AMX if present).
"""

from __future__ import annotations

import os
import subprocess
import sys

from .harness import BENCH_DIR, Context, Goal, Result, Section, Table, fmt
from .workloads import est_test_mse, fit_preset

CHILD = ("import sys; sys.path.insert(0, %r); import speed, torch, time; from speed.workloads import hand_loop;"
         "X = torch.rand(4096, 784); hand_loop(X, 512, 1, fused=True, bf16=True); r = {}\n"
         "for bs in (128, 512):\n"
         "    for bf in (False, True):\n"
         "        ts = []\n"
         "        for _ in range(%d):\n"
         "            t = time.perf_counter(); hand_loop(X, bs, 1, fused=True, bf16=bf); ts.append(time.perf_counter() - t)\n"
         "        r[f'{bs}-{bf}'] = sorted(ts)[len(ts) // 2]\n"
         "print(r)")


def run(ctx: Context) -> Result:
    quick = {"epochs": 2} if ctx.quick else {}
    out = Result(settings={"preset": "fashion-mnist-fast", **quick, "child repeats": max(3, ctx.repeats)})
    fits = {}
    rows = []
    for precision in ("fp32", "auto"):
        seconds, est = fit_preset("fashion-mnist-fast", ctx.data.train, precision=precision, **quick)
        fits[precision] = (seconds, est_test_mse(est, ctx.data.test))
        rows.append([precision, fmt(seconds, 1), fmt(fits[precision][1], 5)])
    out.tables.append(Table(["precision", "fit s", "test MSE"], rows))
    (t32, m32), (tau, mau) = fits["fp32"], fits["auto"]
    rel = (mau - m32) / m32
    out.derived = {"auto / fp32 speed-up": f"{t32 / tau:.2f}x", "test MSE, auto vs fp32": f"{100 * rel:+.1f}%"}
    out.goals.append(Goal("bf16 (auto) test MSE vs fp32", f"{100 * rel:+.1f}%", "within 3% (or lower)",
                          abs(rel) <= 0.03 or mau <= m32))
    rows = []
    for isa in ("AVX512_CORE_BF16", "DEFAULT"):
        env = {**os.environ, "ONEDNN_MAX_CPU_ISA": isa}
        code = CHILD % (str(BENCH_DIR), max(3, ctx.repeats))
        res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        try:
            r = eval(res.stdout.strip().splitlines()[-1])  # noqa: S307 (our own child's dict)
        except Exception:  # noqa: BLE001
            out.notes.append(f"subprocess for {isa} failed: {res.stderr[-500:]}")
            continue
        label = "AVX512-BF16 only (no AMX)" if isa != "DEFAULT" else "this CPU's best (AMX if present)"
        for bs in (128, 512):
            rows.append([label, bs, fmt(r[f"{bs}-False"], 3), fmt(r[f"{bs}-True"], 3),
                         f"{r[f'{bs}-False'] / r[f'{bs}-True']:.2f}x"])
    out.tables.append(Table(["oneDNN ISA", "batch", "fp32 s", "bf16 s", "bf16 speed-up"], rows))
    out.data = fits
    return out


SECTION = Section("precision", "bf16 autocast: speed and quality", run)
