"""The run folder of ``aekit detect-series --run-dir``: a sequence detector, its per-step scores
and a report that shows the scores along the series."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from .._files import atomic_folder
from ..data import DataBundle
from .folders import RUN_FORMAT, RUN_MARKER, _write_metrics_csv, finish_run, write_run_info, write_scores_csv

__all__ = ["series_run"]

#: Steps of the series kept for the report's plot (a longer series is plotted up to here).
MAX_PLOTTED_STEPS = 20_000


def series_run(
    series: DataBundle,
    detector,
    out: str | os.PathLike,
    *,
    n_train: int | None = None,
    params: dict[str, Any] | None = None,
    overwrite: bool = False,
    report: bool = True,
) -> tuple[dict[str, Any], np.ndarray]:
    """Fit ``detector`` (an :class:`aekit.TimeSeriesAnomalyDetector`) on the first ``n_train``
    steps of ``series`` (default: all), score every step, and write the run folder ``out``:
    the detector in ``model/``, ``scores.csv``, ``summary.json``, the members' losses in
    ``metrics.csv`` and a report with the series and its scores, the score histogram and, when
    ``series`` has 0/1 labels per step, ROC and precision-recall curves. Returns
    ``(summary, scores)``.
    """
    from ..evaluation.metrics import auprc, auroc
    from ..viz.report import add_detector_results

    X = series.flat()
    n_train = len(X) if n_train is None else int(n_train)
    with atomic_folder(out, overwrite=overwrite, marker=RUN_MARKER, fmt=RUN_FORMAT, what="--run-dir") as tmp:
        start = time.perf_counter()
        detector.fit(X[:n_train])
        seconds = time.perf_counter() - start
        scores = detector.decision_scores_ if n_train == len(X) else detector.decision_function(X)
        flags = (scores > detector.threshold_).astype(int)
        labels = None
        if series.y is not None and set(np.unique(series.y)) <= {0, 1} and len(np.unique(series.y)) == 2:
            labels = np.asarray(series.y).astype(int)
        history = detector.estimators_[0].history_
        summary = {
            "kind": "detect-series", "data": series.name, "recipe": detector.recipe, "window": detector.window,
            "n_steps": len(X), "n_train": n_train, "n_channels": X.shape[1], "fit_seconds": seconds,
            "epochs_trained": len(history), "train_total": history.records[-1]["train_total"],
            "threshold": float(detector.threshold_), "n_flagged": int(flags.sum()),
        }
        if labels is not None:
            summary.update({"auroc": auroc(labels, scores), "auprc": auprc(labels, scores)})
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2))
        write_run_info(tmp, params or detector.get_params())
        _write_metrics_csv(history.records, tmp / "metrics.csv")
        (tmp / "metrics.json").write_text(json.dumps(history.to_dict(), indent=2))
        detector.save(tmp / "model")
        write_scores_csv(tmp / "scores.csv", scores, flags, series.y)
        add_detector_results(tmp, scores, threshold=detector.threshold_, labels=labels)
        arrays = Path(tmp) / "arrays"
        arrays.mkdir(exist_ok=True)
        np.save(arrays / "series.npy", X[:MAX_PLOTTED_STEPS].astype(np.float32))
        finish_run(tmp, out, report=report)
    return summary, scores
