"""A training run as a folder: the model, its plots and its numbers.

``train_run`` is what ``aekit train`` and ``aekit demo`` do: fit an estimator on a data bundle
and write ``OUT/`` with ``model/`` (safetensors + JSON), ``loss.png``, ``reconstructions.png``,
``latent.png``, ``metrics.csv`` (per epoch), ``summary.json`` and ``run.json``. The folder is
built aside and renamed into place, so a failed run leaves nothing half-written.
"""

from __future__ import annotations

import csv
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from ._files import atomic_folder
from .data import DataBundle
from .estimators import Autoencoder
from .viz import plot_latent_scatter, plot_loss_curves, plot_reconstructions

RUN_FORMAT = "aekit-run"
RUN_MARKER = "run.json"
MAX_SCATTER_POINTS = 5000


def _write_metrics_csv(records: list[dict[str, float]], path: Path) -> None:
    keys = list(dict.fromkeys(k for r in records for k in r))
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        writer.writerows(records)


def train_run(
    data: DataBundle,
    estimator: Autoencoder,
    out: str | os.PathLike,
    *,
    overwrite: bool = False,
    scatter_method: str = "pca",
    n_show: int = 10,
) -> dict[str, Any]:
    """Fit ``estimator`` on ``data`` and write the run folder ``out``; return the summary."""
    with atomic_folder(out, overwrite=overwrite, marker=RUN_MARKER, fmt=RUN_FORMAT, what="output") as tmp:
        start = time.perf_counter()
        estimator.fit(data.X)
        fit_seconds = time.perf_counter() - start

        flat = data.flat()
        recon = estimator.reconstruct(data.X)
        codes = estimator.transform(data.X)
        history = estimator.history_
        last = history.records[-1]
        summary = {
            "data": data.name,
            "n_samples": int(len(data.X)),
            "sample_shape": list(data.sample_shape),
            "recipe": estimator.recipe,
            "latent_dim": int(estimator.latent_dim),
            "epochs_trained": len(history),
            "best_epoch": history.best_epoch,
            "fit_seconds": round(fit_seconds, 3),
            "reconstruction_mse": float(np.mean((recon - flat) ** 2)),
            **{k: v for k, v in last.items() if k.startswith(("train_", "val_"))},
        }

        estimator.save(tmp / "model")
        plot_loss_curves(history, tmp / "loss.png", title=f"{estimator.recipe} on {data.name}")
        plot_reconstructions(
            {"input": flat[:n_show], "reconstruction": recon[:n_show]}, tmp / "reconstructions.png", data.sample_shape
        )
        keep = np.random.default_rng(0).permutation(len(codes))[:MAX_SCATTER_POINTS]
        plot_latent_scatter(
            codes[keep], tmp / "latent.png", None if data.y is None else data.y[keep], method=scatter_method,
            title=f"Latent space ({data.name})",
        )
        _write_metrics_csv(history.records, tmp / "metrics.csv")
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2))
        run_info = {"format": RUN_FORMAT, "aekit_version": __version__, "params": estimator.get_params()}
        (tmp / RUN_MARKER).write_text(json.dumps(run_info, indent=2, default=str))
    return summary
