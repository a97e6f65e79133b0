"""Feature scaling the estimators apply before training: an affine map stored as two arrays.

Kept as plain ``offset``/``scale`` arrays (not a fitted scikit-learn object) so that it is saved
with safetensors and loaded without unpickling.
"""

from __future__ import annotations

import math

import numpy as np
import torch

PREPROCESSING = ("auto", "standard", "minmax", "center", "none")


# Bytes of X per block of value_range (512 KB, within a core's L2 cache), so that a block's maximum
# reads it from the cache where its minimum left it.
_RANGE_BLOCK_BYTES = 1 << 19
# Values from which value_range uses torch's threads when it has several (smaller arrays: the blocks).
_PARALLEL_RANGE_MIN = 1 << 20


def value_range(X: np.ndarray) -> tuple[float, float]:
    """``(X.min(), X.max())`` in one pass over memory: the array's smallest and largest values, NaN
    when it holds a NaN (so both are finite exactly when every value is).

    ``X.min()`` then ``X.max()`` read a large array from memory twice; here each 512 KB block is
    read from memory once and again from the cache: 3.4-3.5 ms (blocks of 0.4-1.6 MB) instead of
    8.3 ms on 20,000 x 784 float32 (one thread), where it is the whole array's validation (see ``Autoencoder.fit``).
    """
    flat = X.reshape(-1) if X.flags.c_contiguous else None
    if flat is None or flat.size == 0:
        return float(X.min()), float(X.max())
    if (torch.get_num_threads() > 1 and flat.dtype in (np.float32, np.float64) and flat.size >= _PARALLEL_RANGE_MIN
            and flat.flags.writeable):  # torch warns about sharing a read-only array
        # torch's aminmax reads the array once on all of torch's threads (NaN propagates to both):
        # 2.0 ms against 3.2 ms here with two threads; with one it is slower (7.2 ms) than the blocks
        low, high = torch.aminmax(torch.from_numpy(flat))
        return float(low), float(high)
    step = max(1, _RANGE_BLOCK_BYTES // flat.itemsize)
    low, high = np.inf, -np.inf
    for start in range(0, flat.size, step):
        block = flat[start : start + step]
        block_low, block_high = float(block.min()), float(block.max())
        if math.isnan(block_low):  # numpy's min propagates NaN; Python's min() would drop it
            return block_low, block_low
        low, high = min(low, block_low), max(high, block_high)
    return low, high


def fit_affine(X: np.ndarray, method: str, unit_interval: bool,
               extremes: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """Return ``(offset, scale, resolved_method)`` so that ``(X - offset) / scale`` is the model input.

    ``"auto"``: data already in [0, 1] is left alone; otherwise ``"minmax"`` when the likelihood
    needs [0, 1] (Bernoulli, categorical) and ``"standard"`` when it does not. ``extremes``:
    ``value_range(X)`` when the caller has it already (not read again).
    """
    if method == "auto":
        low, high = value_range(X) if extremes is None else extremes
    if method == "none" or (method == "auto" and 0 <= low and high <= 1):
        # Nothing to scale, decided from the whole array's extremes (one pass, 3-4 ms on 20,000 x
        # 784 float32; NaN fails the test) instead of per-feature ones (22 ms), a fixed cost of
        # every fit on images. The same result as through affine_from_stats.
        return np.zeros(X.shape[1]), np.ones(X.shape[1]), "none"
    stats = {"min": X.min(axis=0).astype(np.float64), "max": X.max(axis=0).astype(np.float64)}
    if method in ("standard", "center") or (method == "auto" and not _in_unit(stats) and not unit_interval):
        # Only when needed (data in [0, 1] needs neither), accumulated in float64 without a float64 copy of X.
        stats["mean"] = X.mean(axis=0, dtype=np.float64)
        stats["std"] = X.std(axis=0, dtype=np.float64)
    return affine_from_stats(stats, method, unit_interval)


def _in_unit(stats: dict[str, np.ndarray]) -> bool:
    return bool(stats["min"].min() >= 0 and stats["max"].max() <= 1)


def affine_from_stats(stats: dict[str, np.ndarray], method: str, unit_interval: bool) -> tuple[np.ndarray, np.ndarray, str]:
    """:func:`fit_affine` from per-feature ``min``/``max``/``mean``/``std`` (e.g. of a data stream)."""
    if method not in PREPROCESSING:
        raise ValueError(f"preprocessing must be one of {PREPROCESSING}, got {method!r}")
    if method == "auto":
        method = "none" if _in_unit(stats) else ("minmax" if unit_interval else "standard")
    n = len(stats["min"])
    offset, scale = np.zeros(n), np.ones(n)
    if method == "standard":
        offset, scale = stats["mean"], stats["std"]
    elif method == "minmax":
        offset, scale = stats["min"], stats["max"] - stats["min"]
    elif method == "center":
        offset = stats["mean"]
    # Constant features would divide by zero; leave them unscaled, like StandardScaler does.
    scale = np.where(scale > 1e-12 * np.maximum(1.0, np.abs(offset)), scale, 1.0)
    return offset.astype(np.float64), scale.astype(np.float64), method
