"""Windowing: exact round trips, full coverage of the series, scaling fitted on training steps only."""

import numpy as np
import pytest

from aekit.data.synthetic_series import ANOMALY_KINDS, inject_anomalies, multi_sine
from aekit.data.windows import SeriesScaler, make_windows, split_windows, window_starts, windows_to_steps


@pytest.mark.parametrize("n_steps, window, stride", [(100, 10, 1), (100, 10, 3), (101, 100, 7), (50, 50, 5)])
def test_windows_round_trip_and_cover_every_step(n_steps, window, stride):
    series = np.random.default_rng(0).normal(size=(n_steps, 3))
    W = make_windows(series, window, stride)
    starts = window_starts(n_steps, window, stride)
    assert W.shape == (len(starts), window, 3)
    assert starts[0] == 0 and starts[-1] == n_steps - window  # the tail is covered too
    for w, start in zip(W, starts):
        np.testing.assert_array_equal(w, series[start:start + window])
    np.testing.assert_allclose(windows_to_steps(W, n_steps, window, stride), series)


def test_window_scores_are_averaged_over_the_windows_covering_each_step():
    # windows [0..3], [2..5], [4..7] over 8 steps, scores 1, 2, 4
    steps = windows_to_steps(np.array([1.0, 2.0, 4.0]), 8, 4, 2)
    np.testing.assert_allclose(steps, [1, 1, 1.5, 1.5, 3, 3, 4, 4])
    per_step = windows_to_steps(np.arange(12.0).reshape(3, 4), 8, 4, 2)
    np.testing.assert_allclose(per_step, [0, 1, (2 + 4) / 2, (3 + 5) / 2, (6 + 8) / 2, (7 + 9) / 2, 10, 11])


def test_split_fits_the_scaling_on_the_training_part_only():
    series = np.r_[np.zeros(50), 100 + np.arange(50.0)]  # the test half lives far from the training half
    series[:50] += np.random.default_rng(0).normal(size=50)
    parts = split_windows(series, window=10, stride=5, train_fraction=0.5)
    assert parts.split == 50
    np.testing.assert_allclose(parts.scaler.offset_, [series[:50].mean()])
    np.testing.assert_allclose(parts.scaler.scale_, [series[:50].std()])
    assert parts.test.min() > 10  # a scaling fitted on all steps would have centred the test part
    assert parts.train.shape == (9, 10, 1) and parts.test.shape == (9, 10, 1)


def test_scaler_methods_and_constant_channels():
    X = np.c_[np.arange(5.0), np.full(5, 3.0)]
    np.testing.assert_allclose(SeriesScaler("minmax").fit_transform(X)[:, 0], [0, 0.25, 0.5, 0.75, 1])
    scaled = SeriesScaler("standard").fit_transform(X)
    np.testing.assert_allclose(scaled[:, 1], 0)  # constant: centred, not divided by zero
    s = SeriesScaler().fit(X)
    np.testing.assert_allclose(s.inverse_transform(s.transform(X)), X)


def test_window_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"window \(20\) must not exceed the series length \(10 steps\)"):
        make_windows(np.zeros(10), 20)
    with pytest.raises(ValueError, match="stride must be a positive int"):
        make_windows(np.zeros(10), 5, stride=0)
    with pytest.raises(ValueError, match="series contains NaN"):
        make_windows(np.array([1.0, np.nan, 2.0]), 2)
    with pytest.raises(ValueError, match=r"shape \(n_steps,\) or \(n_steps, n_channels\)"):
        make_windows(np.zeros((4, 2, 2)), 2)
    with pytest.raises(ValueError, match="one entry per window"):
        windows_to_steps(np.zeros(5), 10, 4, 2)
    with pytest.raises(ValueError, match="train_fraction must be in"):
        split_windows(np.zeros(100), 10, train_fraction=1.0)
    with pytest.raises(ValueError, match="each part needs at least window=10"):
        split_windows(np.zeros(100), 10, train_fraction=0.95)
    with pytest.raises(ValueError, match="scaling must be one of"):
        SeriesScaler("robust").fit(np.zeros(10))
    with pytest.raises(ValueError, match="channels but the scaler was fitted on 1"):
        SeriesScaler().fit(np.zeros(10)).transform(np.zeros((3, 2)))


def test_synthetic_series_is_periodic_and_anomalies_land_where_reported():
    clean = multi_sine(600, n_channels=2, period=30, noise=0.0, seed=3)
    np.testing.assert_allclose(clean[30:], clean[:-30], atol=1e-9)
    bad, where = inject_anomalies(clean, per_kind=1, length=10, seed=3)
    changed = np.any(np.abs(bad - clean) > 1e-12, axis=1)
    flagged = np.any(list(where.values()), axis=0)
    assert set(where) == set(ANOMALY_KINDS)
    assert not changed[~flagged].any() and where["spike"].sum() == 1
    with pytest.raises(ValueError, match="do not fit"):
        inject_anomalies(clean, per_kind=50)
