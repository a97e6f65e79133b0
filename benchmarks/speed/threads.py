"""Thread settings.

A short hand-written fp32 loop (4,096 random rows, batch 128 and 512, fused Adam, after one
untimed warm-up on 512 rows) in fresh processes, alternating, max(3, ``--repeats``) rounds: with
OpenMP's default wait policy (threads spin at barriers), with ``OMP_WAIT_POLICY=PASSIVE`` (they
sleep), both on 2 threads, and with 1 thread. On a machine shared with other jobs a spinning thread
holds the core that its descheduled partner needs, so the benchmark sets PASSIVE for every
contender unless run with ``--omp-wait-policy=default`` (right on a quiet machine, where spinning is
faster).
"""

from __future__ import annotations

import os
import subprocess
import sys

from .harness import BENCH_DIR, Context, Result, Section, Table, fmt, med, uptime

CHILD = ("import sys, time, torch; sys.path.insert(0, %r); import speed; from speed.workloads import hand_loop\n"
         "X = torch.rand(4096, 784)\n"
         "torch.set_num_threads(%d); hand_loop(X[:512], 128, 1, fused=True); r = []\n"
         "for bs in (128, 512):\n"
         "    t = time.perf_counter(); hand_loop(X, bs, 1, fused=True); r.append(time.perf_counter() - t)\n"
         "print(r)")
SETTINGS = {"2 threads, default wait policy": ("", 2), "2 threads, OMP_WAIT_POLICY=PASSIVE": ("PASSIVE", 2),
            "1 thread": ("PASSIVE", 1)}


def run(ctx: Context) -> Result:
    out = Result(settings={"rows": 4096, "rounds": max(3, ctx.repeats)})
    times: dict[str, list] = {k: [] for k in SETTINGS}
    for _ in range(max(3, ctx.repeats)):
        for name, (policy, threads) in SETTINGS.items():
            env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
            if policy:
                env["OMP_WAIT_POLICY"] = policy
            res = subprocess.run([sys.executable, "-c", CHILD % (str(BENCH_DIR), threads)], env=env,
                                 capture_output=True, text=True)
            try:
                times[name].append(eval(res.stdout.strip().splitlines()[-1]))  # noqa: S307
            except Exception:  # noqa: BLE001
                out.notes.append(f"{name}: failed {res.stderr[-300:]}")
    rows = []
    for name, runs in times.items():
        if runs:
            rows.append([name, fmt(med([r[0] for r in runs]), 3), fmt(med([r[1] for r in runs]), 3),
                         fmt(max(r[0] for r in runs), 3)])
    out.tables.append(Table(["setting", "batch 128 median s", "batch 512 median s", "batch 128 worst s"], rows))
    out.derived["load"] = f"`{uptime()}`"
    out.data = times
    return out


SECTION = Section("threads", "Thread settings", run)
