"""Matplotlib figures saved as PNG: loss curves, reconstruction grids, latent scatters.

Figures are drawn with the non-interactive Agg backend (no display needed) and written
atomically. Every function returns the path it wrote.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: runs on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import numpy as np  # noqa: E402

from ..training.history import History  # noqa: E402
from .._files import replace_file  # noqa: E402

STYLE = {"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False}


def _save(fig, path: str | os.PathLike) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, bbox_inches="tight")
        replace_file(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def plot_loss_curves(history: History, path: str | os.PathLike, title: str = "Training loss") -> Path:
    """Train/validation curves of the total loss, and of each part when there are several."""
    parts = sorted({k.split("_", 1)[1] for k in history.metrics if k.startswith(("train_", "val_"))})
    parts = ["total"] + [p for p in parts if p != "total"] if len(parts) > 2 else ["total"]
    epochs = history["epoch"]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(parts), figsize=(4.2 * len(parts), 3.4), squeeze=False)
        for ax, part in zip(axes[0], parts):
            for split, style in (("train", "-"), ("val", "--")):
                key = f"{split}_{part}"
                if key in history.metrics:
                    ax.plot(epochs, history[key], style, label=split)
            if history.best_epoch is not None:
                ax.axvline(history.best_epoch, color="grey", lw=0.8, ls=":", label=f"best (epoch {history.best_epoch})")
            ax.set(title=part if len(parts) > 1 else title, xlabel="epoch", ylabel="loss per sample")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
            ax.legend(frameon=False)
        return _save(fig, path)


def _as_images(X: np.ndarray, image_shape: Sequence[int] | None) -> np.ndarray:
    """(n, H, W) or (n, H, W, 3) arrays for imshow."""
    X = np.asarray(X, dtype=np.float64)
    if image_shape is not None:
        X = X.reshape(len(X), *image_shape)
    if X.ndim == 2:  # flat vectors: show square images if possible, else a 1-row strip
        side = int(round(np.sqrt(X.shape[1])))
        X = X.reshape(len(X), side, side) if side * side == X.shape[1] else X[:, None, :]
    if X.ndim == 4:  # (n, C, H, W)
        X = X[:, 0] if X.shape[1] == 1 else np.moveaxis(X[:, :3], 1, -1)
    return X


def plot_reconstructions(
    rows: dict[str, np.ndarray], path: str | os.PathLike, image_shape: Sequence[int] | None = None, n: int = 10
) -> Path:
    """A grid with one row per entry of ``rows`` (e.g. input / corrupted / reconstruction).

    Vectors (``image_shape`` of one dimension, or no shape) are drawn as feature profiles
    instead: one panel per sample, each row of ``rows`` a line over the feature index.
    """
    if image_shape is None or len(tuple(image_shape)) == 1:
        return _plot_profiles(rows, path, n)
    images = {name: _as_images(values[:n], image_shape) for name, values in rows.items()}
    lo = min(float(im.min()) for im in images.values())
    hi = max(float(im.max()) for im in images.values())
    n = min(n, *(len(im) for im in images.values()))
    fig, axes = plt.subplots(len(images), n, figsize=(1.1 * n, 1.25 * len(images)), squeeze=False)
    for r, (name, ims) in enumerate(images.items()):
        for c in range(n):
            ax = axes[r, c]
            img = ims[c]
            if img.ndim == 3:
                ax.imshow(np.clip((img - lo) / max(hi - lo, 1e-12), 0, 1))
            else:
                aspect = "auto" if img.shape[0] < 4 else "equal"  # tabular rows are 1-pixel strips: stretch them
                ax.imshow(img, cmap="gray", vmin=lo, vmax=hi, aspect=aspect)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle("Reconstructions", fontsize=10)
    return _save(fig, path)


def _plot_profiles(rows: dict[str, np.ndarray], path: str | os.PathLike, n: int) -> Path:
    series = {name: np.asarray(values[:n], dtype=np.float64).reshape(min(n, len(values)), -1)
              for name, values in rows.items()}
    n = min(len(v) for v in series.values())
    ncol = min(n, 5)
    nrow = -(-n // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(2.4 * ncol, 1.8 * nrow), squeeze=False, sharey=True)
    styles = ["-", "--", ":", "-."]
    for i, ax in enumerate(axes.ravel()):
        if i >= n:
            ax.set_visible(False)
            continue
        for k, (name, values) in enumerate(series.items()):
            ax.plot(values[i], styles[k % len(styles)], lw=1.2, label=name)
        ax.set_title(f"sample {i}", fontsize=8)
        ax.tick_params(labelsize=7)
        if i // ncol == nrow - 1 or i + ncol >= n:
            ax.set_xlabel("feature", fontsize=8)
    axes[0, 0].legend(fontsize=7, loc="best")
    fig.suptitle("Reconstructions (feature profiles)", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def project_2d(codes: np.ndarray, method: str = "pca", seed: int = 0) -> tuple[np.ndarray, str]:
    """2-D coordinates of the codes: themselves when 2-D, else PCA or t-SNE."""
    codes = np.asarray(codes, dtype=np.float64)
    if codes.shape[1] == 1:
        return np.column_stack([codes[:, 0], np.zeros(len(codes))]), "code"
    if codes.shape[1] == 2:
        return codes, "code"
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(2, random_state=seed).fit_transform(codes), "PCA of code"
    if method == "tsne":
        from sklearn.manifold import TSNE

        return TSNE(2, init="pca", random_state=seed).fit_transform(codes), "t-SNE of code"
    raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}")


def plot_latent_scatter(
    codes: np.ndarray,
    path: str | os.PathLike,
    labels: np.ndarray | None = None,
    method: str = "pca",
    title: str = "Latent space",
) -> Path:
    """Scatter of the codes in 2-D (projected when wider), coloured by label when given."""
    xy, axis_name = project_2d(codes, method)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5.2, 4.4))
        if labels is None:
            ax.scatter(xy[:, 0], xy[:, 1], s=5, alpha=0.6)
        else:
            labels = np.asarray(labels)
            classes = np.unique(labels)
            cmap = plt.get_cmap("tab10" if len(classes) <= 10 else "tab20")
            for i, cls in enumerate(classes):
                pts = xy[labels == cls]
                ax.scatter(pts[:, 0], pts[:, 1], s=5, alpha=0.7, color=cmap(i % cmap.N), label=str(cls))
            ax.legend(title="label", markerscale=3, frameon=False, fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
        ax.set(title=title, xlabel=f"{axis_name} 1", ylabel=f"{axis_name} 2")
        return _save(fig, path)
