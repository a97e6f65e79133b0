"""A training run as a folder: the model, its plots and its numbers.

``train_run`` is what ``aekit train`` and ``aekit demo`` do: fit an estimator on a data bundle
and write ``OUT/`` with ``model/`` (safetensors + JSON), ``loss.png``, ``reconstructions.png``,
``latent.png``, ``metrics.csv`` and ``metrics.json`` (per epoch), ``summary.json``, ``run.json``,
``arrays/`` (a subset of codes, labels, inputs, corrupted inputs and reconstructions, enough to
rebuild the pictures without the data) and ``report.html`` (:func:`aekit.viz.write_report`). The
folder is built aside and renamed into place, so a failed run leaves nothing half-written.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .._version import __version__
from .._files import atomic_folder, replace_file
from ..data import DataBundle
from ..estimators import Autoencoder

RUN_FORMAT = "aekit-run"
RUN_MARKER = "run.json"
MAX_SCATTER_POINTS = 5000
MAX_EXAMPLES = 300  # samples whose input and reconstruction are kept (the explorer's clickable points)


def folder_contents(folder: str | os.PathLike) -> str:
    """What a command wrote into ``folder``, for its "wrote ..." line: the report first, then
    sub-folders, then files (hidden temporary files left out)."""
    entries = [p for p in Path(folder).iterdir() if not p.name.startswith(".")]
    first = [p.name for p in entries if p.name == "report.html"]
    folders = sorted(p.name + "/" for p in entries if p.is_dir())
    files = sorted(p.name for p in entries if p.is_file() and p.name != "report.html")
    return ", ".join(first + folders + files)


def write_history(folder: Path, history) -> None:
    """``metrics.csv`` and ``metrics.json``: the per-epoch numbers of a training run."""
    _write_metrics_csv(history.records, folder / "metrics.csv")
    _write_metrics_json(history, folder / "metrics.json")


def write_run_info(folder: Path, params: dict[str, Any], **extra: Any) -> None:
    """``run.json``: the marker of a run folder, the aekit version and the parameters of the run."""
    info = {"format": RUN_FORMAT, "aekit_version": __version__, "params": params, **extra}
    (folder / RUN_MARKER).write_text(json.dumps(info, indent=2, default=str))


def _write_metrics_csv(records: list[dict[str, float]], path: Path) -> None:
    keys = list(dict.fromkeys(k for r in records for k in r))
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        writer.writerows(records)


def _write_metrics_json(history, path: Path) -> None:
    path.write_text(json.dumps(history.to_dict(), indent=2))


def _corrupted(estimator: Autoencoder, flat: np.ndarray) -> np.ndarray | None:
    """The training corruption applied to ``flat`` (in input units), or None without one.

    The corruption acts in the model's preprocessed space, so go there and back.
    """
    corruption = getattr(estimator.model_, "corruption", None)
    if corruption is None:
        return None
    scaled = (flat.astype(np.float64) - estimator.offset_) / estimator.scale_
    x = torch.from_numpy(scaled.astype(np.float32)).reshape(len(flat), *estimator.input_shape_)
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(0)  # the same noise each time the report is rebuilt
    try:
        with torch.no_grad():
            noisy = corruption.train()(x.to(next(estimator.model_.parameters()).device)).cpu().numpy()
    finally:
        torch.random.set_rng_state(generator_state)
    return noisy.reshape(len(flat), -1).astype(np.float64) * estimator.scale_ + estimator.offset_


def save_run_arrays(
    folder: Path, data: DataBundle, estimator: Autoencoder, codes: np.ndarray, recon: np.ndarray
) -> np.ndarray:
    """Write ``arrays/``: what the report and the explorer need, without the full data set.

    ``index.npy`` (rows of the data kept, shuffled), ``codes.npy`` and ``labels.npy`` for up to
    ``MAX_SCATTER_POINTS`` of them; ``inputs.npy``, ``reconstructions.npy`` and
    ``corrupted.npy`` (when the model corrupts its input) for the first ``MAX_EXAMPLES`` of
    those rows, in the sample shape. Returns the kept index.
    """
    arrays = folder / "arrays"
    arrays.mkdir(parents=True, exist_ok=True)
    keep = np.random.default_rng(0).permutation(len(codes))[:MAX_SCATTER_POINTS]
    np.save(arrays / "index.npy", keep)
    np.save(arrays / "codes.npy", np.asarray(codes[keep], dtype=np.float32))
    if data.y is not None and np.asarray(data.y).dtype != object:
        np.save(arrays / "labels.npy", np.asarray(data.y)[keep])
    shown = keep[:MAX_EXAMPLES]
    flat = data.flat()
    shape = data.sample_shape
    np.save(arrays / "inputs.npy", flat[shown].reshape(len(shown), *shape).astype(np.float32))
    np.save(arrays / "reconstructions.npy", np.asarray(recon[shown]).reshape(len(shown), *shape).astype(np.float32))
    noisy = _corrupted(estimator, flat[shown])
    if noisy is not None:
        np.save(arrays / "corrupted.npy", noisy.reshape(len(shown), *shape).astype(np.float32))
    return keep


def _write_run_contents(tmp: Path, data: DataBundle, estimator: Autoencoder, fit_seconds: float,
                        scatter_method: str, n_show: int, condition=None) -> dict[str, Any]:
    """Everything of a run folder but the model and the plots: arrays, metrics, summary and run.json
    (which tells the plots how many examples to show and how to project the codes)."""
    flat = data.flat()
    labels = {} if condition is None else {"condition": condition}  # a conditional model's labels
    recon = estimator.reconstruct(data.X, **labels)
    codes = estimator.transform(data.X, **labels)
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
    save_run_arrays(tmp, data, estimator, codes, recon)
    write_history(tmp, history)
    (tmp / "summary.json").write_text(json.dumps(summary, indent=2))
    write_run_info(tmp, estimator.get_params(), figures={"latent_method": scatter_method, "n_examples": n_show})
    return summary


def finish_run(folder: Path, out, *, estimator: Any = None, report: bool = True) -> None:
    """Draw a run folder's plots, each once: by the report when asked for, else (or when the report
    fails, which only warns: the model and plots matter more than the page) without it."""
    from ..viz.report import write_report, write_run_figures

    if report:
        try:
            write_report(folder, estimator=estimator)
            return
        except Exception as err:  # noqa: BLE001
            warnings.warn(f"the HTML report could not be built ({err}); run `aekit report {out}` to retry",
                          RuntimeWarning, stacklevel=3)
    write_run_figures(folder)


def write_scores_csv(path: Path, scores: np.ndarray, flags: np.ndarray, labels=None,
                     top_features: list[str] | None = None) -> None:
    """``index,score,anomaly[,label][,top_features]`` rows, written to a temporary file and renamed
    into place; ``top_features`` holds one text per row (empty for rows not flagged)."""
    fd, tmp = tempfile.mkstemp(suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["index", "score", "anomaly"] + (["label"] if labels is not None else [])
                            + (["top_features"] if top_features is not None else []))
            for i, (s, f) in enumerate(zip(scores, flags)):
                writer.writerow([i, f"{s:.8g}", int(f)] + ([labels[i]] if labels is not None else [])
                                + ([top_features[i]] if top_features is not None else []))
        replace_file(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def flagged_top_features(detector, X, flags: np.ndarray, n: int = 3) -> list[str] | None:
    """For each flagged row, its ``n`` features with the largest contributions to the score
    (``"name (contribution); ..."``; of these, only the ones that raised it), "" for the other rows; None when the detector's score has
    no per-feature split (:meth:`aekit.AnomalyDetector.feature_contributions`)."""
    rows = np.flatnonzero(flags)
    out = [""] * len(flags)
    if not len(rows) or not hasattr(detector, "top_features"):
        return out if hasattr(detector, "top_features") else None
    try:
        tops = detector.top_features(X[rows] if isinstance(X, np.ndarray) else [X[i] for i in rows], n)
    except (ValueError, TypeError):
        return None
    for i, top in zip(rows, tops):  # features that lowered the score are not reasons: left out (the first stays)
        out[i] = "; ".join(f"{name} ({value:.3g})" for k, (name, value) in enumerate(top) if k == 0 or value > 0)
    return out


def _write_detector_contents(tmp: Path, data: DataBundle, detector, fit_seconds: float) -> dict[str, Any]:
    """The run folder of a detector trained as one network: its loss curve, metrics and summary."""
    history = detector.history_
    summary = {"data": data.name, "n_samples": int(len(data.X)), "n_features": int(detector.n_features_in_),
               "recipe": detector.recipe, "n_estimators": int(detector.n_estimators),
               "neighbors": int(detector.n_neighbors), "epochs_trained": len(history),
               "fit_seconds": round(fit_seconds, 3)}
    write_history(tmp, history)
    write_run_info(tmp, detector.get_params())
    return summary


def detect_run(
    data: DataBundle,
    detector,
    out: str | os.PathLike,
    *,
    score_data: DataBundle | None = None,
    overwrite: bool = False,
    report: bool = True,
    fit_input=None,
    score_input=None,
    column_names: list[str] | None = None,
) -> tuple[dict[str, Any], np.ndarray]:
    """Fit an :class:`aekit.AnomalyDetector` on ``data`` and write a run folder ``out``.

    The folder holds the detector in ``model/`` (:meth:`~aekit.AnomalyDetector.load` reads it),
    its loss curve and metrics (for a detector of separate autoencoders, what :func:`train_run`
    writes for its first member), ``scores.csv`` for ``score_data`` (default: the training
    data) with the top features of each flagged row, and a report with the score histogram, the
    threshold, the flagged rows' top features and, when the scored data has 0/1 labels, ROC and
    precision-recall curves. ``fit_input`` / ``score_input`` replace ``data.flat()`` /
    ``score_data.flat()`` as what the detector sees, e.g. a table's raw cells, which the detector
    encodes itself (``column_names`` name them). Returns ``(summary, scores)``.
    """
    from ..viz.report import add_detector_results

    with atomic_folder(out, overwrite=overwrite, marker=RUN_MARKER, fmt=RUN_FORMAT, what="output") as tmp:
        start = time.perf_counter()
        X_fit = data.flat() if fit_input is None else fit_input
        detector.fit(X_fit, column_names=column_names)
        seconds = time.perf_counter() - start
        member = getattr(detector, "estimators_", [None])[0]
        if member is not None:
            summary = _write_run_contents(tmp, data, member, seconds, "pca", 10)
        else:
            summary = _write_detector_contents(tmp, data, detector, seconds)
        target = data if score_data is None else score_data
        X_scored = X_fit if score_data is None else (score_data.flat() if score_input is None else score_input)
        scores = detector.decision_scores_ if score_data is None else detector.decision_function(X_scored)
        flags = (scores > detector.threshold_).astype(int)
        top = flagged_top_features(detector, X_scored, flags)
        labels = None
        if target.y is not None and set(np.unique(target.y)) <= {0, 1} and len(np.unique(target.y)) == 2:
            labels = np.asarray(target.y).astype(int)
        summary.update({"detector_score": detector.score, "threshold": float(detector.threshold_),
                        "n_flagged": int(flags.sum()), "scored_data": target.name})
        if labels is not None:
            from ..evaluation.metrics import auprc, auroc

            summary.update({"auroc": auroc(labels, scores), "auprc": auprc(labels, scores)})
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2))
        detector.save(tmp / "model")
        write_scores_csv(tmp / "scores.csv", scores, flags, target.y, top)
        flagged = None if top is None else {int(i): top[i] for i in np.flatnonzero(flags)}
        add_detector_results(tmp, scores, threshold=detector.threshold_, labels=labels, top_features=flagged)
        finish_run(tmp, out, estimator=member, report=report)
    return summary, scores


def train_run(
    data: DataBundle,
    estimator: Autoencoder,
    out: str | os.PathLike,
    *,
    overwrite: bool = False,
    scatter_method: str = "pca",
    n_show: int = 10,
    report: bool = True,
    fit_params: dict[str, Any] | None = None,
    condition=None,
) -> dict[str, Any]:
    """Fit ``estimator`` on ``data`` and write the run folder ``out``; return the summary.

    ``condition`` (one class label per row of ``data``) trains a conditional model (see
    :meth:`aekit.Autoencoder.fit`); its codes and reconstructions use the same labels.

    With ``report=True`` the folder also gets ``report.html``; a report that fails to build
    only warns, since the trained model is worth keeping (rebuild it with ``aekit report``).
    ``n_show`` examples (one per class when the data has labels) go into the reconstruction grid
    and ``scatter_method`` ("pca" or "tsne") projects the latent map.
    """
    with atomic_folder(out, overwrite=overwrite, marker=RUN_MARKER, fmt=RUN_FORMAT, what="output") as tmp:
        start = time.perf_counter()
        labels = {} if condition is None else {"condition": condition}
        estimator.fit(data.X, **labels, **(fit_params or {}))  # fit_params: checkpoints/resume (aekit.runs.resume)
        summary = _write_run_contents(tmp, data, estimator, time.perf_counter() - start, scatter_method, n_show,
                                      condition)
        estimator.save(tmp / "model")
        finish_run(tmp, out, estimator=estimator, report=report)
    return summary
