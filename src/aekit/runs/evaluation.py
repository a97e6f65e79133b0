"""Where ``aekit evaluate`` keeps its results: ``evaluation.json`` in a run folder, and its report.

One entry per protocol (linear, knn, ...): the accuracies, the sizes, the data and, when the
predictions are given, the confusion matrix. Evaluating again with the same protocol replaces
that protocol's entry, so the report's table holds one row per protocol. The folder is either the
pretraining run itself (``aekit evaluate RUN DATA``: the probe numbers join its report) or a new
evaluation folder (``--out DIR``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .._files import atomic_folder, is_aekit_folder, write_text
from ..viz.report import EVALUATION_FILE
from .folders import RUN_FORMAT, RUN_MARKER, write_run_info

__all__ = ["add_evaluation_results", "evaluation_folder", "is_run_folder", "record_evaluation",
           "refuse_existing_evaluation"]


def is_run_folder(folder: str | os.PathLike) -> bool:
    """A folder written by an aekit command that the report can be built from."""
    folder = Path(folder)
    return folder.is_dir() and (folder / "summary.json").is_file() and is_aekit_folder(folder, RUN_MARKER, RUN_FORMAT)


def _plain(value: Any) -> Any:
    """numpy scalars as JSON numbers; other values as they are."""
    return value.item() if isinstance(value, np.generic) else value


def add_evaluation_results(
    run_dir: str | os.PathLike,
    protocol: str,
    result: dict[str, Any],
    y_true: np.ndarray | None = None,
    y_pred: np.ndarray | None = None,
) -> Path:
    """Store one protocol's ``result`` (accuracies and sizes) in ``RUN_DIR/evaluation.json``,
    replacing an earlier result of the same protocol; with ``y_true`` and ``y_pred`` (the test
    labels and the predictions) also its confusion matrix. Returns the file's path.

    Examples
    --------
    >>> add_evaluation_results("runs/rotation", "linear", {"accuracy": 0.91}, y_test, predictions)  # doctest: +SKIP
    """
    folder = Path(run_dir)
    if not is_run_folder(folder):
        raise FileNotFoundError(f"run_dir {str(folder)!r} is not a run folder written by aekit (no run.json/summary.json)")
    if not isinstance(protocol, str) or not protocol:
        raise ValueError(f"protocol must be a non-empty name such as 'linear', got {protocol!r}")
    record = {str(k): _plain(v) for k, v in result.items() if k != "protocol"}
    if y_pred is not None:
        if y_true is None or len(y_true) != len(y_pred):
            raise ValueError("y_true and y_pred must both be given, one label per test sample")
        from sklearn.metrics import confusion_matrix

        classes = np.unique(np.concatenate([np.asarray(y_true), np.asarray(y_pred)]))
        record["classes"] = [_plain(c) for c in classes]
        record["confusion"] = confusion_matrix(y_true, y_pred, labels=classes).tolist()
    path = folder / EVALUATION_FILE
    results = json.loads(path.read_text()) if path.is_file() else {}
    results[protocol] = record
    write_text(path, json.dumps(results, indent=2))
    return path


def evaluation_folder(model: str | os.PathLike, out: str | os.PathLike | None, data: str,
                      params: dict[str, Any]) -> Path | None:
    """The run folder an evaluation of ``model`` on ``data`` is stored in.

    ``out`` given: that folder when it is already a run folder (results are added), else a new
    evaluation folder created there (``params``, the command's settings, go into its run.json).
    ``out`` None: ``model`` itself when it is a run folder (``aekit pretrain`` writes one), else
    None (a bare model folder gets no report).
    """
    if out is None:
        return Path(model) if is_run_folder(model) else None
    out = Path(out)
    if is_run_folder(out):
        return out
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"--out {str(out)!r} exists and is not a run folder; give a new folder, or a run "
                              "folder written by aekit to add this evaluation to")
    with atomic_folder(out, overwrite=False, marker=RUN_MARKER, fmt=RUN_FORMAT, what="--out") as tmp:
        summary = {"kind": "evaluate", "model": str(model), "data": data}
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2))
        write_run_info(tmp, params)
    return out


def refuse_existing_evaluation(model: str | os.PathLike, out: str | os.PathLike | None, protocol: str,
                               overwrite: bool) -> None:
    """Before measuring: an earlier result of ``protocol`` in the folder the evaluation would go to
    is replaced only with ``overwrite`` (``aekit evaluate --overwrite``)."""
    folder = Path(model) if out is None else Path(out)
    path = folder / EVALUATION_FILE
    if not overwrite and is_run_folder(folder) and path.is_file() and protocol in json.loads(path.read_text()):
        raise FileExistsError(f"{str(path)!r} already holds a {protocol!r} result; pass --overwrite to replace it")


def record_evaluation(model: str | os.PathLike, out: str | os.PathLike | None, result: dict[str, Any],
                      y_true: np.ndarray, y_pred: np.ndarray | None, params: dict[str, Any]) -> list[Path]:
    """What ``aekit evaluate`` does after measuring: store ``result`` (with its ``"protocol"`` and
    ``"data"``) and the confusion matrix in the folder :func:`evaluation_folder` picks, and rebuild
    that folder's report. Returns the paths written (none when there is no folder to write to)."""
    from ..viz.report import write_report

    folder = evaluation_folder(model, out, str(result.get("data", "data")), params)
    if folder is None:
        return []
    path = add_evaluation_results(folder, str(result["protocol"]), result, y_true, y_pred)
    return [path, write_report(folder)]
