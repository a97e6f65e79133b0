"""More PNG figures for the report: image grids, anomaly-score histograms, scores along a series,
ROC/PR, probe bars, confusion matrices.

They share the style of :mod:`aekit.viz.plots` (titles, labelled axes, light grid) and write
their PNG atomically, returning the path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .plots import STYLE, _as_images, _save, plt


def plot_image_grid(
    images: np.ndarray,
    path: str | os.PathLike,
    image_shape: Sequence[int] | None = None,
    ncols: int | None = None,
    title: str = "",
    row_labels: Sequence[str] | None = None,
) -> Path:
    """Images laid out in rows of ``ncols`` (e.g. prior samples, interpolations, a manifold).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> p = plot_image_grid(np.random.rand(6, 8, 8), os.path.join(tempfile.mkdtemp(), "g.png"), ncols=3)
    >>> p.stat().st_size > 0
    True
    """
    ims = _as_images(np.asarray(images), image_shape)
    n = len(ims)
    if n == 0:
        raise ValueError("images must hold at least one image")
    ncols = int(ncols or min(n, 10))
    nrows = -(-n // ncols)
    lo, hi = float(ims.min()), float(ims.max())
    height = 0.9 * nrows + 0.5
    fig, axes = plt.subplots(nrows, ncols, figsize=(0.9 * ncols + 0.6, height), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= n:
            ax.axis("off")
            continue
        img = ims[i]
        if img.ndim == 3:
            ax.imshow(np.clip((img - lo) / max(hi - lo, 1e-12), 0, 1))
        else:
            aspect = "auto" if img.shape[0] < 4 else "equal"  # tabular rows are 1-pixel strips: stretch them
            ax.imshow(img, cmap="gray", vmin=lo, vmax=hi, aspect=aspect)
    if row_labels is not None:
        for r, label in enumerate(row_labels[:nrows]):
            axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    # a fixed margin for the title: the default fraction leaves inches of white above tall grids
    fig.subplots_adjust(wspace=0.05, hspace=0.05, top=1 - 0.45 / height, bottom=0.2 / height)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def plot_score_histogram(
    scores: np.ndarray,
    path: str | os.PathLike,
    threshold: float | None = None,
    labels: np.ndarray | None = None,
    title: str = "Anomaly scores",
) -> Path:
    """Histogram of anomaly scores (higher = more anomalous), split by label, with the threshold."""
    scores = np.asarray(scores, dtype=np.float64).ravel()
    bins = np.histogram_bin_edges(scores[np.isfinite(scores)], bins=40)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.0, 3.6))
        if labels is None:
            ax.hist(scores, bins=bins, color="tab:blue", alpha=0.8, label="all samples")
        else:
            labels = np.asarray(labels).ravel()
            ax.hist(scores[labels == 0], bins=bins, color="tab:blue", alpha=0.6, label="normal (label 0)")
            ax.hist(scores[labels != 0], bins=bins, color="tab:red", alpha=0.6, label="anomaly (label 1)")
        if threshold is not None:
            flagged = float(np.mean(scores > threshold))
            ax.axvline(threshold, color="black", ls="--", lw=1.2, label=f"threshold {threshold:.4g} ({flagged:.1%} flagged)")
        ax.set(title=title, xlabel="anomaly score (higher = more anomalous)", ylabel="samples")
        ax.legend(frameon=False, fontsize=8)
        return _save(fig, path)


def plot_series_scores(
    series: np.ndarray,
    scores: np.ndarray,
    path: str | os.PathLike,
    threshold: float | None = None,
    labels: np.ndarray | None = None,
    n_train: int | None = None,
) -> Path:
    """A series (first channel) above its per-step anomaly scores, with the threshold, the flagged
    steps, the labelled anomalous steps (shaded) and the end of the training part.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> x = np.sin(np.arange(200) / 8.0)[:, None]
    >>> p = plot_series_scores(x, np.abs(x[:, 0]), os.path.join(tempfile.mkdtemp(), "s.png"), threshold=0.9)
    >>> p.stat().st_size > 0
    True
    """
    series = np.asarray(series, dtype=np.float64).reshape(len(series), -1)
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if len(scores) != len(series):
        raise ValueError(f"scores has {len(scores)} steps and series {len(series)}; give one score per step")
    steps = np.arange(len(series))
    with plt.rc_context(STYLE):
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(8.0, 4.6), sharex=True)
        top.plot(steps, series[:, 0], color="tab:blue", lw=0.8)
        top.set(title="Series" + (" (first channel)" if series.shape[1] > 1 else ""), ylabel="value")
        bottom.plot(steps, scores, color="tab:purple", lw=0.8, label="score")
        bottom.set(title="Anomaly score per step", xlabel="step", ylabel="score")
        for ax in (top, bottom):
            if labels is not None:
                marked = np.asarray(labels).ravel() != 0
                ax.fill_between(steps, 0, 1, where=marked, color="tab:red", alpha=0.15,
                                transform=ax.get_xaxis_transform(), label="labelled anomaly" if ax is bottom else None)
            if n_train is not None and n_train < len(series):
                ax.axvline(n_train, color="gray", ls=":", lw=1, label="end of training part" if ax is bottom else None)
        if threshold is not None:
            flagged = scores > threshold
            bottom.axhline(threshold, color="black", ls="--", lw=1, label=f"threshold ({int(flagged.sum())} flagged)")
            top.scatter(steps[flagged], series[flagged, 0], s=8, color="tab:red", zorder=3)
        bottom.legend(frameon=False, fontsize=8, loc="upper left")
        return _save(fig, path)


def plot_roc_pr(scores: np.ndarray, labels: np.ndarray, path: str | os.PathLike) -> tuple[Path, dict[str, float]]:
    """ROC and precision-recall curves side by side; returns the path and AUROC / average precision."""
    from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

    scores = np.asarray(scores, dtype=np.float64).ravel()
    labels = (np.asarray(labels).ravel() != 0).astype(int)
    if labels.min() == labels.max():
        raise ValueError("labels must contain both normal (0) and anomalous (1) samples for ROC/PR curves")
    fpr, tpr, _ = roc_curve(labels, scores)
    precision, recall, _ = precision_recall_curve(labels, scores)
    metrics = {"auroc": float(roc_auc_score(labels, scores)), "average_precision": float(average_precision_score(labels, scores))}
    with plt.rc_context(STYLE):
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8.4, 3.8))
        ax1.plot(fpr, tpr, color="tab:blue", label=f"AUROC {metrics['auroc']:.3f}")
        ax1.plot([0, 1], [0, 1], color="grey", ls=":", lw=0.8, label="chance")
        ax1.set(title="ROC curve", xlabel="false positive rate", ylabel="true positive rate", xlim=(0, 1), ylim=(0, 1.01))
        ax2.plot(recall, precision, color="tab:red", label=f"AP {metrics['average_precision']:.3f}")
        ax2.axhline(labels.mean(), color="grey", ls=":", lw=0.8, label=f"prevalence {labels.mean():.3f}")
        ax2.set(title="Precision-recall curve", xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.01))
        for ax in (ax1, ax2):
            ax.legend(frameon=False, fontsize=8, loc="lower right" if ax is ax1 else "upper right")
        return _save(fig, path), metrics


def plot_probe_accuracies(accuracies: Mapping[str, float], path: str | os.PathLike, title: str = "Probe accuracy") -> Path:
    """Horizontal bars, one per probe (e.g. linear / kNN on frozen features, raw-pixel baseline)."""
    if not accuracies:
        raise ValueError("accuracies must name at least one probe")
    names = list(accuracies)
    values = [float(accuracies[n]) for n in names]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.0, 0.45 * len(names) + 1.2))
        bars = ax.barh(names, values, color=plt.get_cmap("tab10")(np.arange(len(names)) % 10))
        for bar, v in zip(bars, values):
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {v:.3f}", va="center", fontsize=8)
        ax.set(title=title, xlabel="accuracy", xlim=(0, max(1.0, max(values) * 1.1)))
        ax.invert_yaxis()
        return _save(fig, path)


def plot_confusion_matrix(
    confusion: np.ndarray, classes: Sequence[str], path: str | os.PathLike, title: str = "Confusion matrix"
) -> Path:
    """Rows = true class, columns = predicted class, each row as a fraction of its samples (so the
    diagonal is the per-class accuracy); counts are written in the cells for up to 20 classes."""
    confusion = np.asarray(confusion, dtype=np.float64)
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1] or confusion.shape[0] != len(classes):
        raise ValueError(f"confusion must be a square matrix with one row per class ({len(classes)}), "
                         f"got shape {confusion.shape}")
    rates = confusion / np.maximum(confusion.sum(1, keepdims=True), 1)
    n = len(classes)
    side = min(2.0 + 0.45 * n, 12.0)
    with plt.rc_context({**STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=(side + 1.0, side))
        image = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
        if n <= 20:
            for i in range(n):
                for j in range(n):
                    if confusion[i, j]:
                        ax.text(j, i, f"{int(confusion[i, j])}", ha="center", va="center", fontsize=7,
                                color="white" if rates[i, j] > 0.5 else "black")
        ticks = np.arange(n) if n <= 30 else np.linspace(0, n - 1, 30).round().astype(int)
        ax.set_xticks(ticks, [str(classes[t]) for t in ticks], fontsize=8, rotation=90 if n > 10 else 0)
        ax.set_yticks(ticks, [str(classes[t]) for t in ticks], fontsize=8)
        ax.set(title=title, xlabel="predicted class", ylabel="true class")
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="fraction of the true class")
        return _save(fig, path)
