"""Peers on tabular data: PyOD's home ground, a small tabular set and a small network, where
per-row data loading and per-step host syncs, not matrix products, decide the time.

ADBench satellite (6,435 rows, 36 features, min-max scaled once beforehand; ``30_satellite.npz``
under ``$AEKIT_ADBENCH_DIR``, default ``../shared/datasets/adbench``), network 36-64-32-64-36:
PyOD ``hidden_neuron_list=[64, 32]``, no batch norm, no dropout, no preprocessing, no weight decay;
aekit ``AnomalyDetector(hidden_dims=[64], latent_dim=32, n_estimators=1, robust=False,
preprocessing='none', n_neighbors=0, input_pca=None, validation_split=0, early_stopping=None)``.
PyOD's default batch size 32 and 10 epochs, Adam lr 1e-3, fp32, fit = train + score the training
rows. The hand-written loop (fused Adam, training only, no scoring) bounds what any implementation
can gain over PyOD here. Contenders alternate, ``--repeats`` rounds, median.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

import aekit

from .harness import ROOT, Context, Goal, Result, Section, Table, alternate, fmt, med
from .workloads import hand_loop


def tiny():
    return nn.Sequential(nn.Linear(36, 64), nn.ReLU(), nn.Linear(64, 32), nn.Linear(32, 64), nn.ReLU(),
                         nn.Linear(64, 36))


def run(ctx: Context) -> Result:
    path = Path(os.environ.get("AEKIT_ADBENCH_DIR", ROOT.parent / "shared" / "datasets" / "adbench")) / "30_satellite.npz"
    out = Result(settings={"data": path.name, "batch": 32, "epochs": 10, "repeats": ctx.repeats})
    try:
        from pyod.models.auto_encoder import AutoEncoder as PyODAutoEncoder
    except ImportError as err:
        out.notes.append(f"Skipped: {err}.")
        return out
    if not path.exists():
        out.notes.append(f"Skipped: {path} not found (set AEKIT_ADBENCH_DIR).")
        return out
    X = np.load(path)["X"].astype(np.float32)
    X = (X - X.min(axis=0)) / np.maximum(X.max(axis=0) - X.min(axis=0), 1e-12)
    Xt = torch.from_numpy(X)

    contenders = {
        "PyOD AutoEncoder.fit": lambda: PyODAutoEncoder(
            hidden_neuron_list=[64, 32], batch_norm=False, dropout_rate=0.0, preprocessing=False,
            optimizer_params={"weight_decay": 0.0}, epoch_num=10, batch_size=32, lr=1e-3, verbose=0,
            device=torch.device("cpu"), random_state=0).fit(X),
        "aekit AnomalyDetector.fit": lambda: aekit.AnomalyDetector(
            hidden_dims=[64], latent_dim=32, n_estimators=1, robust=False, preprocessing="none", epochs=10, batch_size=32, lr=1e-3,
            n_neighbors=0, input_pca=None,
            validation_split=0.0, early_stopping=None, device="cpu", random_state=0).fit(X),
        "hand-written loop, fused Adam (training only)": lambda: hand_loop(Xt, 32, 10, fused=True, make=tiny),
    }
    times = {k: med(v) for k, v in alternate(contenders, ctx.repeats).items()}
    peer = times["PyOD AutoEncoder.fit"]
    out.settings["rows"], out.settings["features"] = X.shape
    out.tables.append(Table(["contender", "median s", "PyOD time / this"],
                            [[k, fmt(t), fmt(peer / t)] for k, t in times.items()]))
    out.derived["PyOD / hand-written loop (training only)"] = (
        f"{peer / times['hand-written loop, fused Adam (training only)']:.1f}")
    out.goals.append(Goal.compare("(tabular, ADBench satellite, PyOD defaults for batch and epochs) PyOD / aekit",
                                  peer / times["aekit AnomalyDetector.fit"], ">=", 10))
    out.data = times
    return out


SECTION = Section("tabular", "Peers on tabular data: PyOD AutoEncoder", run)
