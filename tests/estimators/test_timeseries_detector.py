"""TimeSeriesAnomalyDetector: AnomalyDetector's API per time step; injected spikes are flagged."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from aekit import TimeSeriesAnomalyDetector
from aekit.data.synthetic_series import inject_anomalies, multi_sine
from aekit.evaluation.metrics import auroc

FAST = dict(window=24, stride=2, epochs=15, lr=3e-3, latent_dim=6, random_state=0, device="cpu")


@pytest.fixture(scope="module")
def spiky():
    series = multi_sine(1600, n_channels=3, period=20, noise=0.05, seed=2)
    train, test = series[:800], series[800:]
    bad, where = inject_anomalies(test, ["spike"], per_kind=4, length=10, seed=2)
    det = TimeSeriesAnomalyDetector(**FAST, recipe_options={"channels": [16, 32]}).fit(train)
    return det, train, bad, where["spike"]


@pytest.mark.slow
def test_detector_api_is_per_time_step(spiky):
    det, train, bad, spikes = spiky
    n = len(bad)
    assert det.decision_scores_.shape == (len(train),) and det.labels_.shape == (len(train),)
    assert det.decision_function(bad).shape == (n,)
    assert set(np.unique(det.predict(bad))) <= {0, 1}
    proba = det.predict_proba(bad)
    assert proba.shape == (n, 2) and np.allclose(proba.sum(axis=1), 1)
    np.testing.assert_allclose(det.score_samples(bad), -det.decision_function(bad))
    assert abs(det.labels_.mean() - det.contamination) < 0.01  # threshold_ is the training quantile
    assert det.window_scores(bad).shape == (len(range(0, n - 24 + 1, 2)),)
    assert det.n_features_in_ == 3


@pytest.mark.slow
def test_injected_spikes_are_flagged(spiky):
    det, _, bad, spikes = spiky
    scores = det.decision_function(bad)
    assert auroc(spikes.astype(int), scores) > 0.99  # measured 1.0
    assert det.predict(bad)[spikes].all()  # every spike step is above threshold_
    # each spike step outranks every clean step farther than a window from any spike
    far = np.convolve(spikes, np.ones(2 * 24 + 1), mode="same") == 0
    assert scores[spikes].min() > scores[far].max()


def test_lstm_detector_univariate_and_ensemble_and_save_load(tmp_path):
    series = multi_sine(500, n_channels=1, period=20, seed=4)[:, 0]  # 1-D input: one channel
    det = TimeSeriesAnomalyDetector("lstm", window=20, stride=4, epochs=2, n_estimators=2, hidden_dims=[8],
                                    recipe_options={"feedback": False}, random_state=0, device="cpu").fit(series)
    assert det.decision_scores_.shape == (500,) and len(det.estimators_) == 2
    det.save(tmp_path / "det")
    loaded = TimeSeriesAnomalyDetector.load(tmp_path / "det")
    np.testing.assert_allclose(loaded.decision_function(series), det.decision_function(series))
    assert loaded.threshold_ == det.threshold_


def test_bad_input_gets_clear_errors():
    series = multi_sine(100, n_channels=2, period=10, seed=0)
    with pytest.raises(ValueError, match="X has 100 time steps but window=200"):
        TimeSeriesAnomalyDetector(window=200).fit(series)
    with pytest.raises(ValueError, match=r"'stride' parameter of TimeSeriesAnomalyDetector must be an int in the range \[1, inf\)"):
        TimeSeriesAnomalyDetector(window=10, stride=0).fit(series)
    with pytest.raises(ValueError, match="'scaling' parameter of TimeSeriesAnomalyDetector must be a str among"):
        TimeSeriesAnomalyDetector(window=10, scaling="robust").fit(series)
    with pytest.raises(ValueError, match="feature_weights must be 2 non-negative"):
        TimeSeriesAnomalyDetector(window=10, feature_weights=[1.0]).fit(series)
    det = TimeSeriesAnomalyDetector(window=10, stride=5, epochs=1, random_state=0, device="cpu").fit(series)
    with pytest.raises(ValueError, match="features"):
        det.decision_function(series[:, :1])
    with pytest.raises(ValueError, match="NaN"):
        det.decision_function(np.where(np.arange(100)[:, None] == 5, np.nan, series))


def test_parameter_constraints_are_the_detectors_for_the_parameters_it_takes():
    det = TimeSeriesAnomalyDetector(window=3)
    assert set(det._parameter_constraints) == set(det.get_params())
    series = multi_sine(50, n_channels=2, period=10, seed=0)
    for name in det.get_params():
        with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of TimeSeriesAnomalyDetector"):
            TimeSeriesAnomalyDetector(window=3).set_params(**{name: object()}).fit(series)
