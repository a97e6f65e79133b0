"""Pictures of what a regularised autoencoder learned: a DAE's score field and CAE tangents."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .plots import STYLE, _save, plt


def plot_score_field(
    model, data: np.ndarray, path: str | os.PathLike, grid: int = 21, margin: float = 0.5, title: str | None = None
) -> Path:
    """Quiver plot of ``r(x) - x`` on a grid over 2-D ``data``, with the data points underneath.

    The arrows of a denoising autoencoder point back to the data: its estimate of the score.

    Examples
    --------
    >>> import tempfile
    >>> from aekit import create_model
    >>> angles = np.linspace(0, 2 * np.pi, 50)
    >>> points_on_a_circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    >>> model = create_model("denoising", (2,), latent_dim=8)  # train it on the points first
    >>> plot_score_field(model, points_on_a_circle, Path(tempfile.mkdtemp()) / "field.png").name
    'field.png'
    """
    from ..models.geometry import score_field

    data = np.asarray(data, dtype=np.float64)
    if data.ndim != 2 or data.shape[1] != 2:
        raise ValueError(f"data must have shape (n, 2), got {data.shape}")
    if not isinstance(grid, int) or grid < 2:
        raise ValueError(f"grid must be an int >= 2, got {grid!r}")
    lo, hi = data.min(0) - margin, data.max(0) + margin
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid))
    points = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
    field = score_field(model, points)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5, 5))
        ax.scatter(data[:, 0], data[:, 1], s=3, c="0.6", label="data")
        ax.quiver(points[:, 0], points[:, 1], field[:, 0], field[:, 1], color="C0", angles="xy",
                  scale_units="xy", scale=1, width=0.004)
        ax.set_aspect("equal")
        ax.set_title(title or "reconstruction residual r(x) - x")
    return _save(fig, path)


def plot_tangents(
    x: np.ndarray, tangents: np.ndarray, image_shape: tuple[int, ...], path: str | os.PathLike,
    singular_values: np.ndarray | None = None,
) -> Path:
    """One row per sample: the image, then its tangent directions (from :func:`manifold_tangents`).

    Tangents are shown with a symmetric colour map (red +, blue -), each scaled to its own range.
    """
    x, tangents = np.asarray(x), np.asarray(tangents)
    n, k = tangents.shape[:2]
    h, w = image_shape[-2:]
    with plt.rc_context({**STYLE, "axes.grid": False}):
        fig, axes = plt.subplots(n, k + 1, figsize=(1.3 * (k + 1), 1.3 * n), squeeze=False)
        for i in range(n):
            axes[i, 0].imshow(x[i].reshape(h, w), cmap="gray")
            for j in range(k):
                t = tangents[i, j].reshape(h, w)
                lim = np.abs(t).max() or 1.0
                axes[i, j + 1].imshow(t, cmap="RdBu_r", vmin=-lim, vmax=lim)
                if singular_values is not None:
                    axes[i, j + 1].set_title(f"s={singular_values[i, j]:.2g}", fontsize=7)
        for ax in axes.ravel():
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0, 0].set_title("input", fontsize=7)
    return _save(fig, path)
