"""Feature scaling the estimators apply before training: an affine map stored as two arrays.

Kept as plain ``offset``/``scale`` arrays (not a fitted scikit-learn object) so that it is saved
with safetensors and loaded without unpickling.
"""

from __future__ import annotations

import numpy as np

PREPROCESSING = ("auto", "standard", "minmax", "center", "none")


def fit_affine(X: np.ndarray, method: str, unit_interval: bool) -> tuple[np.ndarray, np.ndarray, str]:
    """Return ``(offset, scale, resolved_method)`` so that ``(X - offset) / scale`` is the model input.

    ``"auto"``: data already in [0, 1] is left alone; otherwise ``"minmax"`` when the likelihood
    needs [0, 1] (Bernoulli, categorical) and ``"standard"`` when it does not.
    """
    if method not in PREPROCESSING:
        raise ValueError(f"preprocessing must be one of {PREPROCESSING}, got {method!r}")
    if method == "auto":
        in_unit = X.min() >= 0 and X.max() <= 1
        method = "none" if in_unit else ("minmax" if unit_interval else "standard")
    n = X.shape[1]
    offset, scale = np.zeros(n), np.ones(n)
    if method == "standard":
        offset, scale = X.mean(axis=0), X.std(axis=0)
    elif method == "minmax":
        offset, scale = X.min(axis=0), X.max(axis=0) - X.min(axis=0)
    elif method == "center":
        offset = X.mean(axis=0)
    # Constant features would divide by zero; leave them unscaled, like StandardScaler does.
    scale = np.where(scale > 1e-12 * np.maximum(1.0, np.abs(offset)), scale, 1.0)
    return offset.astype(np.float64), scale.astype(np.float64), method
