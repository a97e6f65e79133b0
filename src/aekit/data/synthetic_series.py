"""Synthetic multivariate series with known anomalies, for tests, docs and benchmarks.

:func:`multi_sine` draws channels that are sums of harmonics of one period (so the series is
periodic, and "the value one period earlier" is a fair naive forecast) plus Gaussian noise.
:func:`inject_anomalies` then plants segments of known kinds and returns where they are.

Examples
--------
>>> series = multi_sine(1000, n_channels=3, period=50, seed=0)
>>> anomalous, kinds = inject_anomalies(series, ["spike", "level_shift"], per_kind=2, seed=0)
>>> anomalous.shape, sorted(kinds), int(kinds["spike"].sum())
((1000, 3), ['level_shift', 'spike'], 2)
"""

from __future__ import annotations

import numpy as np

from .windows import as_series

ANOMALY_KINDS = ("spike", "level_shift", "frequency", "noise", "flatline")


def multi_sine(n_steps: int, n_channels: int = 3, period: int = 50, n_harmonics: int = 3,
               noise: float = 0.05, seed: int | None = 0) -> np.ndarray:
    """A (n_steps, n_channels) series: per channel, harmonics 1..n_harmonics of ``period`` with
    random amplitudes and phases, plus Gaussian noise of standard deviation ``noise``."""
    for name, value in (("n_steps", n_steps), ("n_channels", n_channels), ("period", period), ("n_harmonics", n_harmonics)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if not isinstance(noise, (int, float)) or noise < 0:
        raise ValueError(f"noise must be a non-negative number, got {noise!r}")
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps)[:, None, None]  # (T, 1, 1)
    k = np.arange(1, n_harmonics + 1)[None, None, :]  # harmonics: every one repeats each `period` steps
    amp = rng.uniform(0.2, 1.0, size=(1, n_channels, n_harmonics)) / k
    phase = rng.uniform(0, 2 * np.pi, size=(1, n_channels, n_harmonics))
    clean = (amp * np.sin(2 * np.pi * k * t / period + phase)).sum(axis=2)
    return clean + noise * rng.standard_normal(clean.shape)


def inject_anomalies(series, kinds=ANOMALY_KINDS, per_kind: int = 3, length: int = 20, magnitude: float = 1.0,
                     seed: int | None = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Plant ``per_kind`` non-overlapping anomalies of each kind in a copy of ``series``.

    Parameters
    ----------
    series : array of shape (n_steps, n_channels)
    kinds : sequence of {"spike", "level_shift", "frequency", "noise", "flatline"}
        Spike: one step off by ``5 * magnitude`` channel standard deviations. Level shift: a
        segment offset by ``2 * magnitude`` standard deviations. Frequency: a segment whose signal
        runs at twice the speed. Noise: a segment with added noise of ``magnitude`` standard
        deviations. Flatline: a segment stuck at its first value.
    per_kind, length : int
        Anomalies per kind, and the length of the segment kinds.
    magnitude : float
        Scales spikes, shifts and noise bursts.
    seed : int or None

    Returns
    -------
    anomalous : ndarray of shape (n_steps, n_channels)
    where : dict of kind -> boolean array of shape (n_steps,)
        Steps each kind affected; one channel (drawn at random) is changed per anomaly.
    """
    x = as_series(series).copy()
    kinds = list(kinds)
    unknown = [k for k in kinds if k not in ANOMALY_KINDS]
    if unknown:
        raise ValueError(f"kinds must be among {ANOMALY_KINDS}, got {unknown}")
    n_steps, n_channels = x.shape
    gap = 2 * length  # clean steps between anomalies, so each one is judged on its own
    slots = n_steps // (length + gap)
    if len(kinds) * per_kind > slots:
        raise ValueError(f"{len(kinds) * per_kind} anomalies of length {length} do not fit in {n_steps} steps; "
                         "use a longer series, fewer or shorter anomalies")
    rng = np.random.default_rng(seed)
    std = x.std(axis=0)
    starts = np.sort(rng.choice(slots, size=len(kinds) * per_kind, replace=False)) * (length + gap) + gap // 2
    order = rng.permutation(np.repeat(kinds, per_kind))
    where = {k: np.zeros(n_steps, dtype=bool) for k in kinds}
    for start, kind in zip(starts, order):
        c = rng.integers(n_channels)
        seg = slice(start, start + (1 if kind == "spike" else length))
        if kind == "spike":
            x[seg, c] += rng.choice([-1, 1]) * 5 * magnitude * std[c]
        elif kind == "level_shift":
            x[seg, c] += rng.choice([-1, 1]) * 2 * magnitude * std[c]
        elif kind == "frequency":  # the segment's own values, replayed at double speed
            idx = np.minimum(start + 2 * np.arange(length), n_steps - 1)
            x[seg, c] = as_series(series)[idx, c]
        elif kind == "noise":
            x[seg, c] += magnitude * std[c] * rng.standard_normal(length)
        else:  # flatline
            x[seg, c] = x[start, c]
        where[kind][seg] = True
    return x, where
