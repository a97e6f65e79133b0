"""The report side of an ``aekit restore`` run folder.

``aekit restore`` writes ``model/`` and ``metrics.json`` (its PSNR/SSIM record, the folder's
marker); :func:`write_restoration_run` adds what the report needs: ``summary.json``,
``run.json``, ``metrics.csv`` (the loss by epoch; the history itself is in ``model/history.json``),
``arrays/`` (held-out clean, corrupted and restored images and their labels) and
``report.html``, whose reconstruction grid (``restoration.png``) shows corrupted / restored / clean
images, one per class where the data has labels.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .folders import MAX_EXAMPLES, _write_metrics_csv, finish_run, write_run_info

__all__ = ["write_restoration_run"]


def write_restoration_run(
    folder: Path,
    out: str | os.PathLike,
    *,
    record: dict[str, Any],
    history,
    clean: np.ndarray,
    corrupted: np.ndarray,
    restored: np.ndarray,
    labels: np.ndarray | None,
    params: dict[str, Any],
    report: bool = True,
) -> None:
    """Write the summary, arrays, per-epoch metrics and report of a restore run into ``folder``
    (the temporary folder that becomes ``out``). ``record`` is the run's metrics.json; ``clean``,
    ``corrupted`` and ``restored`` are the held-out images the metrics were measured on."""
    arrays = folder / "arrays"
    arrays.mkdir(parents=True, exist_ok=True)
    n = min(len(clean), MAX_EXAMPLES)
    for name, images in (("inputs", clean), ("corrupted", corrupted), ("reconstructions", restored)):
        # clipped as the metrics were: the images live in [0, 1]
        np.save(arrays / f"{name}.npy", np.clip(np.asarray(images[:n], dtype=np.float32), 0, 1))
    if labels is not None and np.asarray(labels).dtype != object:
        np.save(arrays / "labels.npy", np.asarray(labels)[:n])
    summary = {
        "kind": "restore",
        "task": record["task"],
        "data": record["data"],
        "n_train": record["n_train"],
        "n_test": record["n_test"],
        "sample_shape": list(np.asarray(clean).shape[1:]),
        "epochs_trained": len(history),
        **{k: v for k, v in record.items() if k.startswith(("psnr_", "ssim_", "mse_"))},
        "train_total": history.records[-1]["train_total"],
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    _write_metrics_csv(history.records, folder / "metrics.csv")
    write_run_info(folder, params)
    finish_run(folder, out, report=report)
