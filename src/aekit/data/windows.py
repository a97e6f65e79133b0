"""Sliding windows over long (multivariate) series, and back to per-step values.

A series has shape ``(n_steps, n_channels)`` (a 1-D series is one channel). Windows of
``window`` steps start every ``stride`` steps; one more window is aligned to the series end when
the stride does not reach it, so every step is covered. :func:`windows_to_steps` averages
per-window values (a score per window, or a value per window step) over the windows that cover
each step, which inverts :func:`make_windows` exactly.

Scaling is fitted on the training part only (:class:`SeriesScaler`, :func:`split_windows`), so
nothing about the test part leaks into the model's input.

Examples
--------
>>> import numpy as np
>>> series = np.arange(10.0)
>>> W = make_windows(series, window=4, stride=3)
>>> W[:, :, 0]
array([[0., 1., 2., 3.],
       [3., 4., 5., 6.],
       [6., 7., 8., 9.]])
>>> windows_to_steps(W, n_steps=10, window=4, stride=3)[:, 0]
array([0., 1., 2., 3., 4., 5., 6., 7., 8., 9.])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scaling import affine_from_stats

SCALINGS = ("standard", "minmax", "none")


def _positive_int(value, name: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def as_series(series, name: str = "series") -> np.ndarray:
    """A finite float64 array of shape (n_steps, n_channels); 1-D input is one channel."""
    try:
        arr = np.asarray(series, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers of shape (n_steps,) or (n_steps, n_channels)") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must have shape (n_steps,) or (n_steps, n_channels) with both > 0, got {arr.shape}")
    if not np.isfinite(arr).all():
        bad = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise ValueError(f"{name} contains NaN or infinite values (first at step {bad}); fill or drop them first")
    return arr


def window_starts(n_steps: int, window: int, stride: int = 1) -> np.ndarray:
    """Start index of every window; the last window ends at the last step.

    Examples
    --------
    >>> window_starts(10, 4, 4)
    array([0, 4, 6])
    """
    n_steps, window, stride = _positive_int(n_steps, "n_steps"), _positive_int(window, "window"), _positive_int(stride, "stride")
    if window > n_steps:
        raise ValueError(f"window ({window}) must not exceed the series length ({n_steps} steps)")
    starts = np.arange(0, n_steps - window + 1, stride)
    if starts[-1] != n_steps - window:  # cover the tail the stride would skip
        starts = np.append(starts, n_steps - window)
    return starts


def make_windows(series, window: int, stride: int = 1) -> np.ndarray:
    """Windows of shape (n_windows, window, n_channels) over ``series``."""
    arr = as_series(series)
    starts = window_starts(len(arr), window, stride)
    return arr[starts[:, None] + np.arange(window)[None, :]]


def windows_to_steps(values, n_steps: int, window: int, stride: int = 1) -> np.ndarray:
    """Average per-window values over the windows covering each step.

    Parameters
    ----------
    values : array of shape (n_windows,) or (n_windows, window, ...)
        One value per window (spread over its steps), or one per window step.
    n_steps, window, stride : int
        The windowing that produced the windows (see :func:`make_windows`).

    Returns
    -------
    ndarray of shape (n_steps,) or (n_steps, ...)
    """
    starts = window_starts(n_steps, window, stride)
    vals = np.asarray(values, dtype=np.float64)
    if vals.ndim == 0 or len(vals) != len(starts):
        raise ValueError(
            f"values must hold one entry per window ({len(starts)} windows of {window} steps with stride "
            f"{stride} over {n_steps} steps), got shape {vals.shape}"
        )
    if vals.ndim == 1:
        vals = np.repeat(vals[:, None], window, axis=1)
    if vals.shape[1] != window:
        raise ValueError(f"values must have shape (n_windows,) or (n_windows, {window}, ...), got {vals.shape}")
    total = np.zeros((n_steps, *vals.shape[2:]))
    count = np.zeros(n_steps)
    index = starts[:, None] + np.arange(window)[None, :]  # (n_windows, window)
    np.add.at(total, index.ravel(), vals.reshape(-1, *vals.shape[2:]))
    np.add.at(count, index.ravel(), 1.0)
    return total / count.reshape(-1, *[1] * (total.ndim - 1))


class SeriesScaler:
    """Per-channel affine scaling fitted on a training series: ``(series - offset_) / scale_``.

    Parameters
    ----------
    method : {"standard", "minmax", "none"}
        Zero mean and unit variance, [0, 1] on the training range, or no scaling. Constant
        channels are left unscaled rather than divided by zero.

    Examples
    --------
    >>> s = SeriesScaler().fit([[0.0], [2.0]])
    >>> s.transform([[4.0]])
    array([[3.]])
    """

    def __init__(self, method: str = "standard") -> None:
        self.method = method

    def fit(self, series) -> "SeriesScaler":

        if self.method not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, got {self.method!r}")
        arr = as_series(series)
        stats = {"min": arr.min(0), "max": arr.max(0), "mean": arr.mean(0), "std": arr.std(0)}
        self.offset_, self.scale_, _ = affine_from_stats(stats, self.method, unit_interval=False)
        self.n_channels_ = arr.shape[1]
        return self

    def _check(self, series) -> np.ndarray:
        if not hasattr(self, "offset_"):
            raise RuntimeError("SeriesScaler is not fitted; call fit(training_series) first")
        arr = as_series(series)
        if arr.shape[1] != self.n_channels_:
            raise ValueError(f"series has {arr.shape[1]} channels but the scaler was fitted on {self.n_channels_}")
        return arr

    def transform(self, series) -> np.ndarray:
        return (self._check(series) - self.offset_) / self.scale_

    def inverse_transform(self, series) -> np.ndarray:
        return self._check(series) * self.scale_ + self.offset_

    def fit_transform(self, series) -> np.ndarray:
        return self.fit(series).transform(series)


@dataclass
class WindowSplit:
    """Windows of a series split in time, scaled with statistics of the training part only."""

    train: np.ndarray  # (n_train_windows, window, n_channels)
    test: np.ndarray  # (n_test_windows, window, n_channels)
    split: int  # first step of the test part
    scaler: SeriesScaler


def split_windows(series, window: int, stride: int = 1, train_fraction: float = 0.5,
                  scaling: str = "standard") -> WindowSplit:
    """Split ``series`` at ``train_fraction`` of its steps, fit ``scaling`` on the first part,
    and window both parts (no window straddles the split).

    Examples
    --------
    >>> import numpy as np
    >>> parts = split_windows(np.sin(np.arange(200) / 5), window=20, stride=10)
    >>> parts.train.shape, parts.test.shape, parts.split
    ((9, 20, 1), (9, 20, 1), 100)
    """
    arr = as_series(series)
    if not isinstance(train_fraction, (int, float)) or not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction!r}")
    split = int(round(len(arr) * train_fraction))
    if min(split, len(arr) - split) < window:
        raise ValueError(
            f"train_fraction={train_fraction} splits {len(arr)} steps into {split} and {len(arr) - split}; "
            f"each part needs at least window={window} steps"
        )
    scaler = SeriesScaler(scaling).fit(arr[:split])
    scaled = scaler.transform(arr)
    return WindowSplit(make_windows(scaled[:split], window, stride), make_windows(scaled[split:], window, stride),
                       split, scaler)
