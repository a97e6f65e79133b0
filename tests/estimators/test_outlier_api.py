"""OutlierPredictionMixin: PyOD's predict / predict_proba / predict_confidence / predict_rank.

The first tests need no PyOD; the ``test_matches_pyod_*`` ones compare numerically with PyOD itself
(skipped when PyOD is not installed: it is not a dependency of aekit).
"""

import doctest
import math

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError

import aekit.estimators.outlier_api as outlier_api
from aekit.estimators.outlier_api import OutlierPredictionMixin


class NormDetector(OutlierPredictionMixin, BaseEstimator):
    """Toy detector: score = distance to the training mean; threshold as PyOD sets it."""

    def __init__(self, contamination=0.1, set_labels=True):
        self.contamination = contamination
        self.set_labels = set_labels

    def decision_function(self, X):
        return np.linalg.norm(np.asarray(X, dtype=float) - self.center_, axis=1)

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=float)
        self.center_ = X.mean(axis=0)
        self.decision_scores_ = self.decision_function(X)
        q = 100 * (1 - self.contamination)
        self.threshold_ = float(np.percentile(self.decision_scores_, q))
        if self.set_labels:
            self.labels_ = (self.decision_scores_ > self.threshold_).astype(int)
        return self


class ScoreDetector(OutlierPredictionMixin):
    """No BaseEstimator, no fit: X *is* the score (one column), training scores given."""

    def __init__(self, train_scores, contamination=0.1):
        self.decision_scores_ = np.asarray(train_scores, dtype=float)
        self.contamination = contamination
        self.threshold_ = float(np.percentile(self.decision_scores_, 100 * (1 - contamination)))

    def decision_function(self, X):
        return np.asarray(X, dtype=float).reshape(-1)


def _data(seed=0, n=200, d=4):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d))


def _test_rows(seed=1, d=4):
    """Rows from the centre out to far outside the training data, in increasing score order."""
    direction = np.ones(d) / np.sqrt(d)
    return np.linspace(0, 8, 41)[:, None] * direction


# -- no PyOD needed --------------------------------------------------------------------------------
def test_predict_shapes_and_labels():
    X = _data()
    det = NormDetector(contamination=0.1).fit(X)
    labels = det.predict(X)
    assert labels.shape == (len(X),) and set(np.unique(labels)) <= {0, 1}
    np.testing.assert_array_equal(labels, det.labels_)
    np.testing.assert_array_equal(labels, (det.decision_function(X) > det.threshold_).astype(int))
    labels2, conf = det.predict(X, return_confidence=True)
    np.testing.assert_array_equal(labels2, labels)
    assert conf.shape == (len(X),)
    np.testing.assert_allclose(conf, det.predict_confidence(X))


@pytest.mark.parametrize("method", ["linear", "unify"])
def test_predict_proba_is_a_monotone_probability(method):
    X = _data()
    det = NormDetector().fit(X)
    T = _test_rows()
    proba = det.predict_proba(T, method=method)
    assert proba.shape == (len(T), 2)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.all(np.diff(det.decision_function(T)) > 0)  # rows in increasing score order
    assert np.all(np.diff(proba[:, 1]) >= 0)  # so P(outlier) never decreases
    assert proba[0, 1] < 0.5 and proba[-1, 1] == 1.0  # centre: inlier-ish; far out: clipped at 1
    proba2, conf = det.predict_proba(T, method=method, return_confidence=True)
    np.testing.assert_allclose(proba2, proba)
    np.testing.assert_allclose(conf, det.predict_confidence(T))


def test_predict_proba_formulas():
    train = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    det = ScoreDetector(train)
    s = np.array([0.0, 1.0, 5.5, 10.0, 20.0])
    np.testing.assert_allclose(det.predict_proba(s)[:, 1], [0, 0, 0.5, 1, 1])
    mu, sigma = train.mean(), train.std()
    expected = np.clip([math.erf((v - mu) / (sigma * math.sqrt(2))) for v in s], 0, 1)
    np.testing.assert_allclose(det.predict_proba(s, method="unify")[:, 1], expected)
    assert det.predict_proba(s, method="unify")[0, 1] == 0  # below the mean: clipped at 0


def test_predict_proba_constant_training_scores():
    det = ScoreDetector(np.full(10, 2.0))
    s = np.array([1.0, 2.0, 3.0])
    for method in ("linear", "unify"):
        proba = det.predict_proba(s, method=method)
        assert np.all(np.isfinite(proba))
        np.testing.assert_array_equal(proba[:, 1], [0, 0, 1])


@pytest.mark.parametrize("bad", ["Linear", "softmax", None, ""])
def test_predict_proba_bad_method(bad):
    det = NormDetector().fit(_data())
    with pytest.raises(ValueError, match=r"method.*'linear'.*'unify'"):
        det.predict_proba(_data(n=5), method=bad)


def test_confidence_in_unit_interval_and_high_far_from_threshold():
    X = _data(n=300)
    det = NormDetector(contamination=0.1).fit(X)
    direction = np.ones(X.shape[1]) / np.sqrt(X.shape[1])
    distances = np.sort(np.r_[np.linspace(0, 8, 41), det.threshold_, det.threshold_ * 1.001])
    T = det.center_ + distances[:, None] * direction  # scores == distances, one at threshold_
    scores = det.decision_function(T)
    conf = det.predict_confidence(T)
    assert conf.shape == (len(T),)
    assert np.all((conf >= 0) & (conf <= 1))
    near = np.argmin(np.abs(scores - det.threshold_))
    assert abs(scores[near] - det.threshold_) < 1e-9
    # far below (the centre) and far above the threshold: sure; at the threshold: unsure
    assert conf[0] > 0.999 and conf[-1] > 0.999
    assert conf[near] < 0.8
    assert conf[near] < conf[0] and conf[near] < conf[-1]
    # predicted outliers: more confident the higher the score; inliers: the lower the score
    out = scores > det.threshold_
    assert np.all(np.diff(conf[out]) >= -1e-12)
    assert np.all(np.diff(conf[~out]) <= 1e-12)


def test_confidence_matches_the_exceed_formula():
    """Independent re-derivation: explicit binomial sum with math.comb (n small)."""
    rng = np.random.default_rng(3)
    train = rng.normal(size=37)
    for contamination in (0.05, 0.1, 0.3):
        det = ScoreDetector(train, contamination=contamination)
        s = np.r_[np.sort(train)[::5], -5.0, 5.0, det.threshold_]
        n = len(train)
        k = int(n * contamination)
        expected = []
        for v in s:
            p = (1 + np.sum(train <= v)) / (2 + n)
            p_out = sum(
                math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(n - k + 1, n + 1)
            )
            expected.append(p_out if v > det.threshold_ else 1 - p_out)
        np.testing.assert_allclose(det.predict_confidence(s), expected, rtol=1e-9, atol=1e-12)


def test_predict_rank():
    det = ScoreDetector([3.0, 1.0, 2.0, 2.0, 5.0])
    s = np.array([0.0, 1.0, 2.0, 2.5, 5.0, 9.0])
    np.testing.assert_array_equal(det.predict_rank(s), [0, 0, 1, 3, 4, 5])
    np.testing.assert_allclose(det.predict_rank(s, normalized=True), [0, 0, 0.2, 0.6, 0.8, 1.0])
    # normalised ranks do not depend on the rest of the batch
    np.testing.assert_allclose(det.predict_rank(s[:2], normalized=True), [0, 0])


def test_fit_predict_uses_labels_or_predict():
    X = _data()
    with_labels = NormDetector()
    np.testing.assert_array_equal(with_labels.fit_predict(X), with_labels.labels_)
    without = NormDetector(set_labels=False)
    labels = without.fit_predict(X)
    assert not hasattr(without, "labels_")
    expected = (without.decision_scores_ > without.threshold_).astype(int)
    np.testing.assert_array_equal(labels, expected)
    np.testing.assert_array_equal(labels, with_labels.labels_)
    assert labels.mean() == pytest.approx(0.1, abs=0.01)


def test_not_fitted_errors():
    det = NormDetector()
    T = _data(n=3)
    for call in (det.predict, det.predict_proba, det.predict_confidence, det.predict_rank):
        with pytest.raises(NotFittedError):
            call(T)

    class Bare(OutlierPredictionMixin):  # not a BaseEstimator: same error
        def decision_function(self, X):
            return np.zeros(len(X))

    with pytest.raises(NotFittedError):
        Bare().predict(T)


def test_works_without_base_estimator_and_with_lists():
    det = ScoreDetector(np.arange(100.0), contamination=0.05)
    assert det.predict([1.0, 99.0]).tolist() == [0, 1]
    assert det.predict_proba([1.0, 99.0]).shape == (2, 2)


def test_sklearn_clone_keeps_working():
    det = clone(NormDetector(contamination=0.2)).fit(_data())
    assert det.predict(_data(n=10)).shape == (10,)


def test_docstring_examples_run():
    result = doctest.testmod(outlier_api, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_mixin_on_the_autoencoder_detector():
    import aekit

    assert issubclass(aekit.AnomalyDetector, OutlierPredictionMixin)
    X = _data(n=120, d=5).astype(np.float32)
    det = aekit.AnomalyDetector(contamination=0.1, epochs=3, n_estimators=1, robust=False, device="cpu",
                                random_state=0).fit(X)
    T = np.vstack([X[:5], X[:5] + 20])
    labels, conf = det.predict(T, return_confidence=True)
    np.testing.assert_array_equal(labels, (det.decision_function(T) > det.threshold_).astype(int))
    assert labels[5:].tolist() == [1] * 5
    assert np.all((conf >= 0) & (conf <= 1))
    for method in ("linear", "unify"):
        proba = det.predict_proba(T, method=method)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(det.fit_predict(X), det.labels_)


# -- numerical agreement with PyOD -----------------------------------------------------------------
class WrappedPyOD(OutlierPredictionMixin, BaseEstimator):
    """Our mixin over a fitted PyOD detector's scores, threshold and contamination."""

    def __init__(self, pyod_detector=None):
        self.pyod_detector = pyod_detector

    def fit(self, X=None, y=None):
        d = self.pyod_detector
        self.decision_scores_ = np.asarray(d.decision_scores_)
        self.threshold_ = d.threshold_
        self.contamination = d.contamination
        return self

    def decision_function(self, X):
        return self.pyod_detector.decision_function(X)


def _pyod_detectors():
    pytest.importorskip("pyod")
    from pyod.models.knn import KNN
    from pyod.models.pca import PCA

    return {"knn": KNN, "pca": PCA}


@pytest.mark.parametrize("name", ["knn", "pca"])
@pytest.mark.parametrize("contamination", [0.05, 0.1, 0.29, 0.5])
@pytest.mark.parametrize("n", [40, 150])
def test_matches_pyod(name, contamination, n):
    Model = _pyod_detectors()[name]
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, 5))
    ref = Model(contamination=contamination).fit(X)
    ours = WrappedPyOD(ref).fit()
    # training rows (scores tie the training scores), fresh rows, and rows far outside
    T = np.vstack([X, rng.normal(size=(60, 5)), 6 * rng.normal(size=(20, 5)), X.mean(axis=0)[None]])

    for method in ("linear", "unify"):
        np.testing.assert_allclose(
            ours.predict_proba(T, method=method), ref.predict_proba(T, method=method),
            rtol=1e-10, atol=1e-12,
        )
        p_ours, c_ours = ours.predict_proba(T, method=method, return_confidence=True)
        p_ref, c_ref = ref.predict_proba(T, method=method, return_confidence=True)
        np.testing.assert_allclose(p_ours, p_ref, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(c_ours, c_ref, rtol=1e-9, atol=1e-12)

    conf = ours.predict_confidence(T)
    np.testing.assert_allclose(conf, ref.predict_confidence(T), rtol=1e-9, atol=1e-12)

    labels, conf2 = ours.predict(T, return_confidence=True)
    labels_ref, conf_ref = ref.predict(T, return_confidence=True)
    np.testing.assert_array_equal(labels, labels_ref)
    np.testing.assert_allclose(conf2, conf_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(ours.predict(T), ref.predict(T))
    # (not ref.labels_: KNN scores a training row without itself as neighbour, so PyOD's own
    # predict(X) differs from labels_ there)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))

    np.testing.assert_array_equal(ours.predict_rank(T), ref._predict_rank(T))


def test_matches_pyod_confidence_is_not_trivial():
    """The comparison above must cover confidences away from 1, not only saturated ones."""
    KNN = _pyod_detectors()["knn"]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    ref = KNN(contamination=0.1).fit(X)
    conf = WrappedPyOD(ref).fit().predict_confidence(X)
    assert np.sum(conf < 0.99) >= 5 and conf.min() < 0.8
    np.testing.assert_allclose(conf, ref.predict_confidence(X), rtol=1e-9, atol=1e-12)
