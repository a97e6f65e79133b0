"""StreamingAnomalyDetector: NAB's rules (no look-ahead, nothing from labels) and what it detects."""

import numpy as np
import pytest

from aekit.estimators.streaming import StreamingAnomalyDetector


def _stream(n=900, seed=0):
    rng = np.random.default_rng(seed)
    return np.sin(np.arange(n) / 8.0) + 0.05 * rng.normal(size=n)


@pytest.mark.slow  # ~0.3 s: two streams of 900 and 600 rows, row by row
def test_scores_of_the_first_rows_do_not_depend_on_later_rows_bitwise():
    x = _stream()
    x[700] += 2.0
    full = StreamingAnomalyDetector().score_stream(x, probation=200)
    prefix = StreamingAnomalyDetector().score_stream(x[:600], probation=200)
    assert np.array_equal(full[:600], prefix)  # bitwise, not approximately
    # rows fed in pieces score as rows fed at once
    det = StreamingAnomalyDetector().fit(x[:200])
    pieces = np.concatenate([det.update(x[200:201]), det.update(x[201:450]), det.update(x[450:])])
    assert np.array_equal(pieces, full[200:]) and det.n_seen_ == 900


def test_the_probation_scores_zero_and_labels_are_not_used():
    x = _stream(400)
    labels = np.zeros(200)
    labels[50:60] = 1
    a = StreamingAnomalyDetector().fit(x[:200], labels).update(x[200:])
    b = StreamingAnomalyDetector().fit(x[:200]).update(x[200:])
    assert np.array_equal(a, b)
    scores = StreamingAnomalyDetector().score_stream(x, probation=200)
    assert np.all(scores[:200] == 0.0) and np.array_equal(scores[200:], b)


def test_a_spike_scores_one_on_its_own_row_and_later_alarms_are_suppressed():
    x = _stream(700)
    x[500] += 3.0  # beyond the range seen so far
    det = StreamingAnomalyDetector(suppress=0.5)
    scores = det.score_stream(x, probation=200)
    assert scores[500] == 1.0 and det.suppress_rows_ == 100
    assert np.all(scores[501:601] == 0.0)  # suppressed: NAB charges repeated alarms as false positives
    assert scores[200:500].max() < det.alarm_level  # the clean stream raises no alarm


def test_a_change_of_shape_within_the_range_is_detected_by_the_window_distance():
    x = _stream(900, seed=1)
    x[600:640] = 0.0  # a flat stretch: inside the range, but unlike any past window
    scores = StreamingAnomalyDetector().score_stream(x, probation=200)
    first = int(np.flatnonzero(scores >= 0.3)[0])
    assert 600 <= first < 640 and scores[200:600].max() < 0.3


def test_multichannel_streams_and_partial_fit():
    x = np.c_[_stream(300), _stream(300, seed=2)]
    det = StreamingAnomalyDetector().partial_fit(x[:100])  # the first call is fit
    assert det.n_probation_ == 100 and det.n_features_in_ == 2
    det.partial_fit(x[100:])
    assert det.n_seen_ == 300


@pytest.mark.parametrize("call, message", [
    (lambda: StreamingAnomalyDetector().update(np.zeros(5)), "call fit"),
    (lambda: StreamingAnomalyDetector().fit(np.zeros(15)), "window=10 needs at least 20"),
    (lambda: StreamingAnomalyDetector().score_stream(np.zeros(50), probation=60), "probation=60 exceeds the 50 rows"),
    (lambda: StreamingAnomalyDetector().fit(np.zeros((40, 2))).update(np.zeros((3, 1))), "1 channels but the detector"),
    (lambda: StreamingAnomalyDetector(scorer="pca").fit(np.zeros(40)), "'scorer' parameter"),
    (lambda: StreamingAnomalyDetector().fit([1.0] * 30 + [float("nan")] * 10), "NaN"),
])
def test_bad_input_is_refused_with_a_clear_message(call, message):
    with pytest.raises((ValueError, RuntimeError), match=message):
        call()


@pytest.mark.slow  # trains a small window autoencoder twice, row-by-row scoring (a few seconds)
def test_the_autoencoder_scorer_learns_online_and_never_looks_ahead():
    x = _stream(300)
    x[250:270] = np.where(np.arange(20) % 2, 0.9, -0.9)  # within the range, unlike any past window
    full = StreamingAnomalyDetector(scorer="autoencoder", refit_every=60).score_stream(x, probation=100)
    prefix = StreamingAnomalyDetector(scorer="autoencoder", refit_every=60).score_stream(x[:230], probation=100)
    assert np.array_equal(full[:230], prefix)  # across two online updates (rows 160 and 220)
    assert full[250:270].max() > full[100:240].max()
