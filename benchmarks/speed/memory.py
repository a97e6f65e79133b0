"""Peak memory of fit.

A fresh process loads Fashion-MNIST (60,000 x 784 float32, 188 MB), then fits
``aekit.Autoencoder(**preset('fashion-mnist-fast', epochs=1))``; peak resident set size (VmHWM)
of that process after loading the data only, and after the fit.
"""

from __future__ import annotations

import subprocess
import sys

from .harness import Context, Goal, Result, Section, Table, fmt

CHILD = ("import numpy as np, aekit\n"
         "from aekit.data import load_fashion_mnist\n"
         "def hwm():\n"
         "    return [int(l.split()[1]) / 1024 for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
         "X = np.asarray(load_fashion_mnist('train').X).reshape(60000, -1)\n"
         "base = hwm()\n"
         "%s\n"
         "print(base, hwm())")
FIT = "aekit.Autoencoder(**aekit.preset('fashion-mnist-fast', epochs=1, device='cpu')).fit(X)"


def run(ctx: Context) -> Result:
    out = Result(settings={"fit": FIT})
    res = subprocess.run([sys.executable, "-c", CHILD % FIT], capture_output=True, text=True)
    try:
        base, peak = map(float, res.stdout.strip().splitlines()[-1].split())
    except Exception:  # noqa: BLE001
        out.notes.append(f"failed: {res.stderr[-800:]}")
        return out
    out.tables.append(Table(["process", "peak RSS MB"], [["after loading the data", fmt(base, 0)],
                                                         ["after fit", fmt(peak, 0)]]))
    out.goals.append(Goal.compare("peak memory of fit on Fashion-MNIST", peak, "<", 1536, digits=0, unit=" MB"))
    out.data = {"base": base, "peak": peak}
    return out


SECTION = Section("memory", "Peak memory of fit", run)
