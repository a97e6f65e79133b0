"""Quality metrics for reconstructions and anomaly scores.

Image metrics take arrays of shape (n, C, H, W) or (n, H, W) (or flat rows with ``image_shape``)
with values in ``[0, data_range]`` and return one number per image, so callers can average,
take medians, or compare inputs with outputs image by image. Ranking metrics take scores where
higher means more anomalous and labels where 1 marks an anomaly; they wrap scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from sklearn.metrics import average_precision_score, roc_auc_score
from torch.nn import functional as F


def _images(x, image_shape: Sequence[int] | None, name: str) -> torch.Tensor:
    arr = np.asarray(x, dtype=np.float64)
    if image_shape is not None:
        arr = arr.reshape(len(arr), *image_shape)
    if arr.ndim == 3:
        arr = arr[:, None]
    if arr.ndim != 4:
        raise ValueError(f"{name} must be images (n, C, H, W) or (n, H, W), or flat rows with image_shape; got {arr.shape}")
    return torch.from_numpy(arr)


def _pair(a, b, image_shape=None) -> tuple[torch.Tensor, torch.Tensor]:
    x, y = _images(a, image_shape, "a"), _images(b, image_shape, "b")
    if x.shape != y.shape:
        raise ValueError(f"a and b must have the same shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    return x, y


def mse(a, b) -> np.ndarray:
    """Mean squared error per sample (any shape (n, ...))."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    return ((a - b) ** 2).reshape(len(a), -1).mean(axis=1)


def psnr(a, b, data_range: float = 1.0) -> np.ndarray:
    """Peak signal-to-noise ratio in dB per sample: ``10 log10(range^2 / MSE)`` (inf when equal)."""
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(data_range**2 / mse(a, b))


def _gaussian_window(size: int, sigma: float, channels: int) -> torch.Tensor:
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(channels, 1, size, size).contiguous()


def ssim(a, b, data_range: float = 1.0, image_shape: Sequence[int] | None = None, win_size: int = 7) -> np.ndarray:
    """Structural similarity per image (Wang et al. 2004), mean over channels and valid windows.

    Gaussian-weighted local statistics (sigma 1.5, ``K1=0.01``, ``K2=0.03``) over ``win_size``
    x ``win_size`` windows, shrunk to fit small images. Equals 1 for identical images. The default
    window is 7, smaller than the paper's 11 so that 28x28 images keep most of their windows;
    ``win_size=11`` gives scikit-image's ``structural_similarity(gaussian_weights=True,
    sigma=1.5, use_sample_covariance=False)`` to float precision.
    """
    x, y = _pair(a, b, image_shape)
    c = x.shape[1]
    size = min(win_size, x.shape[2], x.shape[3])
    size -= (size + 1) % 2  # odd window
    w = _gaussian_window(size, 1.5, c)
    conv = lambda t: F.conv2d(t, w, groups=c)  # noqa: E731
    mu_x, mu_y = conv(x), conv(y)
    sxx = conv(x * x) - mu_x**2
    syy = conv(y * y) - mu_y**2
    sxy = conv(x * y) - mu_x * mu_y
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    s = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x**2 + mu_y**2 + c1) * (sxx + syy + c2))
    return s.flatten(1).mean(dim=1).numpy()


def _check_labels(y, scores) -> tuple[np.ndarray, np.ndarray]:
    y, scores = np.asarray(y), np.asarray(scores, dtype=np.float64)
    if y.shape != scores.shape or y.ndim != 1:
        raise ValueError(f"labels and scores must be 1-D of the same length, got {y.shape} and {scores.shape}")
    if set(np.unique(y)) - {0, 1}:
        raise ValueError("labels must be 0 (normal) or 1 (anomaly)")
    return y.astype(int), scores


def auroc(y, scores) -> float:
    """Area under the ROC curve (scikit-learn)."""
    return float(roc_auc_score(*_check_labels(y, scores)))


def auprc(y, scores) -> float:
    """Area under the precision-recall curve, as average precision (scikit-learn)."""
    return float(average_precision_score(*_check_labels(y, scores)))


def precision_at_n(y, scores, n: int | None = None) -> float:
    """Fraction of anomalies among the ``n`` highest scores (``n`` = number of anomalies by default)."""
    y, scores = _check_labels(y, scores)
    n = int(y.sum()) if n is None else n
    if n < 1:
        raise ValueError("precision_at_n needs n >= 1 (and at least one anomaly when n is not given)")
    top = np.argsort(-scores, kind="stable")[:n]
    return float(y[top].mean())
