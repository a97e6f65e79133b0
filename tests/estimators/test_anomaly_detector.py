import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

import aekit


def _data(seed=0, n=600, d=10, n_out=30, on_subspace=False):
    """Normal points near a 3-D linear subspace; outliers off it (or on it but far out)."""
    rng = np.random.default_rng(seed)
    basis = np.random.default_rng(123).normal(size=(3, d))
    normal = rng.normal(size=(n, 3)) @ basis + 0.05 * rng.normal(size=(n, d))
    if on_subspace:  # what a latent-density score is for: unusual codes, well reconstructed
        outliers = rng.normal(size=(n_out, 3)) * 5 @ basis
    else:  # what reconstruction error is for: off the data manifold
        outliers = rng.uniform(-4, 4, size=(n_out, d))
    X = np.vstack([normal, outliers])
    y = np.r_[np.zeros(n), np.ones(n_out)].astype(int)
    return X, y


FAST = dict(epochs=40, n_estimators=1, robust=False, device="cpu", random_state=0)


@pytest.mark.parametrize("score", ["reconstruction", "latent"])
def test_detector_ranks_outliers_high(score):
    kind = dict(on_subspace=score == "latent")
    X, y = _data(**kind)
    det = aekit.AnomalyDetector(score=score, contamination=0.05, **FAST).fit(X)
    assert roc_auc_score(y, det.decision_scores_) > 0.9
    X_new, y_new = _data(seed=1, **kind)
    assert roc_auc_score(y_new, det.decision_function(X_new)) > 0.85
    assert det.threshold_ == pytest.approx(np.quantile(det.decision_scores_, 0.95))
    assert det.predict(X).mean() == pytest.approx(0.05, abs=0.01)
    assert set(np.unique(det.predict(X_new))) <= {0, 1}
    proba = det.predict_proba(X_new)
    assert proba.shape == (len(X_new), 2) and np.allclose(proba.sum(1), 1)
    np.testing.assert_allclose(det.score_samples(X_new), -det.decision_function(X_new))


def test_vae_scores_average_several_draws():
    X, y = _data()
    det = aekit.AnomalyDetector("vae", score="elbo", n_samples=8, likelihood="gaussian", **FAST).fit(X)
    assert roc_auc_score(y, det.decision_scores_) > 0.85
    # deterministic given the seed: averaging several draws, not one random draw
    np.testing.assert_allclose(det.decision_function(X[:50]), det.decision_function(X[:50]))
    iw = aekit.AnomalyDetector("vae", score="iwae", n_samples=8, **FAST).fit(X)
    assert roc_auc_score(y, iw.decision_scores_) > 0.85


def test_ensemble_and_feature_weights():
    X, y = _data()
    det = aekit.AnomalyDetector(n_estimators=3, robust=False, epochs=20, device="cpu", random_state=0).fit(X)
    assert len(det.estimators_) == 3 and roc_auc_score(y, det.decision_scores_) > 0.9
    w = np.zeros(X.shape[1])
    w[0] = 1.0
    one = aekit.AnomalyDetector(feature_weights=w, **FAST).fit(X)
    est = one.estimators_[0]
    scaled = (X - est.offset_) / est.scale_
    recon = (est.reconstruct(X) - est.offset_) / est.scale_
    np.testing.assert_allclose(one.decision_scores_, (recon[:, 0] - scaled[:, 0]) ** 2, rtol=1e-5)


def test_sklearn_compatibility_and_errors():
    X, _ = _data(n=100, n_out=5)
    det = aekit.AnomalyDetector(epochs=2, device="cpu")
    assert clone(det).get_params() == det.get_params()
    with pytest.raises(ValueError, match="contamination"):
        aekit.AnomalyDetector(contamination=0.9).fit(X)
    with pytest.raises(ValueError, match="score must be one of"):
        aekit.AnomalyDetector(score="magic").fit(X)
    with pytest.raises(ValueError, match="feature_weights"):
        aekit.AnomalyDetector(feature_weights=[1, 2]).fit(X)
    with pytest.raises(ValueError, match="NaN"):
        aekit.AnomalyDetector().fit(np.full((5, 3), np.nan))
    fitted = aekit.AnomalyDetector(epochs=2, device="cpu", random_state=0).fit(X)
    with pytest.raises(ValueError, match="features"):
        fitted.decision_function(X[:, :3])


@pytest.mark.parametrize("options", [
    dict(score="reconstruction", n_estimators=2, feature_weights=np.linspace(0.5, 1.5, 10)),
    dict(n_estimators=3, robust=2, max_samples=0.5, combination="median"),
    dict(n_estimators=3),  # the default: max of the members' scaled scores
    dict(score="latent"),
    dict(recipe="vae", score="elbo", n_samples=4),
])
def test_save_load_gives_identical_scores(tmp_path, options):
    from aekit.io import ModelFolderError

    X, _ = _data(n=200, n_out=10)
    det = aekit.AnomalyDetector(contamination=0.05, epochs=3, device="cpu", random_state=0,
                                **{"n_estimators": 1, **options}).fit(X)
    det.save(tmp_path / "det")
    again = aekit.AnomalyDetector.load(tmp_path / "det")
    np.testing.assert_array_equal(again.decision_function(X), det.decision_function(X))
    np.testing.assert_array_equal(again.decision_scores_, det.decision_scores_)
    assert again.threshold_ == det.threshold_ and again.get_params() == det.get_params() | {
        "feature_weights": again.feature_weights}
    np.testing.assert_array_equal(again.score_spread_, det.score_spread_)
    np.testing.assert_array_equal(again.predict(X), det.predict(X))
    with pytest.raises(FileExistsError):
        det.save(tmp_path / "det")
    det.estimators_[0].save(tmp_path / "ae")
    with pytest.raises(ModelFolderError, match="not a AnomalyDetector"):
        aekit.AnomalyDetector.load(tmp_path / "ae")


def _count_fits(monkeypatch):
    sizes = []
    fit = aekit.Autoencoder.fit

    def counting_fit(self, X, *args, **kwargs):
        sizes.append(len(X))
        return fit(self, X, *args, **kwargs)

    monkeypatch.setattr(aekit.Autoencoder, "fit", counting_fit)
    return sizes


def test_robust_training_refits_without_the_most_anomalous_rows(monkeypatch):
    sizes = _count_fits(monkeypatch)
    X, y = _data(n=190, n_out=10)
    det = aekit.AnomalyDetector(contamination=0.1, n_estimators=2, max_samples=1.0, robust=True, epochs=30,
                                device="cpu", random_state=0).fit(X)
    assert sizes == [200, 200, 180, 180]  # two members, then the same two without the top 10%
    assert det.decision_scores_.shape == (200,) and abs(det.labels_.sum() - 20) <= 1
    assert roc_auc_score(y, det.decision_scores_) > 0.8
    sizes.clear()
    aekit.AnomalyDetector(contamination=0.1, n_estimators=1, robust=2, epochs=5, device="cpu", random_state=0).fit(X)
    assert sizes == [200, 180, 180]  # two rounds of trimming, each from all 200 rows
    with pytest.raises(ValueError, match="robust"):
        aekit.AnomalyDetector(robust="yes").fit(X)
    with pytest.raises(ValueError, match="robust"):
        aekit.AnomalyDetector(robust=-1).fit(X)


def test_defaults_subsample_rows_per_member_and_take_the_max(monkeypatch):
    sizes = _count_fits(monkeypatch)
    X, y = _data(n=190, n_out=10)
    det = aekit.AnomalyDetector(epochs=5, device="cpu", random_state=0)
    assert (det.n_estimators, det.max_samples, det.combination, det.robust) == (10, "auto", "max", 2)
    det.fit(X)
    # "auto": half the rows per member; two trimming rounds, each dropping 10% of the 200 rows
    assert sizes == [100] * 10 + [90] * 20
    assert len(det.estimators_) == 10
    # members see different rows: their training scores are not the same ranking
    raw = [det._raw_scores(i, X) for i in range(10)]
    assert not np.allclose(raw[0], raw[1])
    # each member is put on one scale by the median and IQR of its training scores, then the max
    q1, med, q3 = np.quantile(raw, [0.25, 0.5, 0.75], axis=1)
    np.testing.assert_allclose(det.score_center_, med)
    np.testing.assert_allclose(det.score_spread_, q3 - q1)
    scaled = (np.array(raw) - med[:, None]) / (q3 - q1)[:, None]
    np.testing.assert_allclose(det.decision_scores_, scaled.max(axis=0))
    mean = aekit.AnomalyDetector(combination="mean", n_estimators=3, robust=False, epochs=5, device="cpu",
                                 random_state=0).fit(X)
    raw = [mean._raw_scores(i, X[:20]) for i in range(3)]
    expected = np.mean([(r - c) / s for r, c, s in zip(raw, mean.score_center_, mean.score_spread_)], axis=0)
    np.testing.assert_allclose(mean.decision_function(X[:20]), expected)
    sizes.clear()  # one network: "auto" trains it on every row; ints and fractions are row counts
    aekit.AnomalyDetector(n_estimators=1, robust=False, epochs=2, device="cpu", random_state=0).fit(X)
    aekit.AnomalyDetector(n_estimators=2, max_samples=50, robust=False, epochs=2, device="cpu").fit(X)
    aekit.AnomalyDetector(n_estimators=1, max_samples=0.25, robust=False, epochs=2, device="cpu").fit(X)
    assert sizes == [200, 50, 50, 50]


@pytest.mark.parametrize("bad", [dict(max_samples=0.0), dict(max_samples=1.5), dict(max_samples=1),
                                 dict(max_samples="half"), dict(max_samples=True), dict(combination="sum"),
                                 dict(n_estimators=0)])
def test_ensemble_options_are_validated(bad):
    X, _ = _data(n=50, n_out=5)
    name = next(iter(bad))
    with pytest.raises(ValueError, match=name):
        aekit.AnomalyDetector(epochs=1, device="cpu", **bad).fit(X)
