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
    assert again.threshold_ == det.threshold_ and again.get_params().keys() == det.get_params().keys()
    np.testing.assert_array_equal(again.predict(X), det.predict(X))
    with pytest.raises(FileExistsError):
        det.save(tmp_path / "det")
    det.estimators_[0].save(tmp_path / "ae")
    with pytest.raises(ModelFolderError, match="not a AnomalyDetector"):
        aekit.AnomalyDetector.load(tmp_path / "ae")


def test_robust_training_refits_without_the_most_anomalous_rows(monkeypatch):
    sizes = []
    fit = aekit.Autoencoder.fit

    def counting_fit(self, X, *args, **kwargs):
        sizes.append(len(X))
        return fit(self, X, *args, **kwargs)

    monkeypatch.setattr(aekit.Autoencoder, "fit", counting_fit)
    X, y = _data(n=190, n_out=10)
    det = aekit.AnomalyDetector(contamination=0.1, n_estimators=2, robust=True, epochs=30, device="cpu",
                                random_state=0).fit(X)
    assert sizes == [200, 200, 180, 180]  # two members, then the same two without the top 10%
    assert det.decision_scores_.shape == (200,) and abs(det.labels_.sum() - 20) <= 1
    assert roc_auc_score(y, det.decision_scores_) > 0.8
    with pytest.raises(ValueError, match="robust"):
        aekit.AnomalyDetector(robust="yes").fit(X)
