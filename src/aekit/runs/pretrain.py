"""The run folder of ``aekit pretrain``: the backbone and the pictures of its pretraining.

``pretrain_run`` fits an :class:`aekit.SelfSupervised` estimator and writes ``OUT/`` like
:func:`aekit.runs.train_run` does: ``model/`` (the backbone; :meth:`aekit.SelfSupervised.load`,
:func:`aekit.load` and ``aekit evaluate`` read the run folder itself), ``metrics.csv`` /
``metrics.json`` (the pretext loss by epoch), ``summary.json``, ``run.json``, ``arrays/`` (the
features of up to ``MAX_SCATTER_POINTS`` samples and their labels, for the feature map) and
``report.html`` with the loss curve and the feature map. ``aekit evaluate OUT DATA`` adds the
probe accuracies to it (:mod:`aekit.runs.evaluation`).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import numpy as np

from .._files import atomic_folder
from ..data import DataBundle
from .folders import MAX_SCATTER_POINTS, RUN_FORMAT, RUN_MARKER, finish_run, write_history, write_run_info

__all__ = ["pretrain_run"]


def _save_feature_arrays(folder, data: DataBundle, estimator) -> int:
    """``arrays/index.npy``, ``codes.npy`` (the backbone's features) and ``labels.npy`` for a
    fixed-seed shuffle of up to ``MAX_SCATTER_POINTS`` samples; returns the feature dimension."""
    arrays = folder / "arrays"
    arrays.mkdir(parents=True, exist_ok=True)
    keep = np.sort(np.random.default_rng(0).permutation(len(data.X))[:MAX_SCATTER_POINTS])
    features = estimator.transform(data.X[keep])
    np.save(arrays / "index.npy", keep)
    np.save(arrays / "codes.npy", np.asarray(features, dtype=np.float32))
    if data.y is not None and np.asarray(data.y).dtype != object:
        np.save(arrays / "labels.npy", np.asarray(data.y)[keep])
    return int(features.shape[1])


def pretrain_run(
    data: DataBundle,
    estimator,
    out: str | os.PathLike,
    *,
    fit_labels: np.ndarray | None = None,
    overwrite: bool = False,
    report: bool = True,
) -> dict[str, Any]:
    """Pretrain ``estimator`` (an :class:`aekit.SelfSupervised`) on ``data`` and write the run folder
    ``out``; return its summary.

    ``data.y``, when present, only colours the feature map; ``fit_labels`` are what the method
    itself is given (None for a self-supervised method; the labels for one that takes them).

    Examples
    --------
    >>> from aekit import SelfSupervised
    >>> from aekit.data import load_digits
    >>> pretrain_run(load_digits(), SelfSupervised("rotation", epochs=2), "runs/rotation")  # doctest: +SKIP
    """
    with atomic_folder(out, overwrite=overwrite, marker=RUN_MARKER, fmt=RUN_FORMAT, what="output") as tmp:
        start = time.perf_counter()
        if fit_labels is None:
            estimator.fit(data.X)
        else:
            estimator.fit(data.X, fit_labels)
        seconds = time.perf_counter() - start
        feature_dim = _save_feature_arrays(tmp, data, estimator)
        history = estimator.history_
        spec = getattr(estimator.backbone_, "spec", None) or {}
        summary = {
            "kind": "pretrain",
            "data": data.name,
            "n_samples": int(len(data.X)),
            "sample_shape": list(estimator.input_shape_),
            "method": estimator.method,
            "backbone": spec.get("name", type(estimator.backbone_).__name__),
            "feature_dim": feature_dim,
            "epochs_trained": len(history),
            "fit_seconds": round(seconds, 3),
            **{k: v for k, v in history.records[-1].items() if k.startswith("train_")},
        }
        write_history(tmp, history)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2))
        write_run_info(tmp, estimator.get_params())
        estimator.save(tmp / "model")
        finish_run(tmp, out, report=report)
    return summary
