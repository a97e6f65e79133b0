import json

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import check_param_validation

import aekit
from aekit.estimators import anomaly as anomaly_module
from aekit.models import blockwise
from aekit.models.ensemble import MemberEnsemble


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


@pytest.mark.slow
def test_defaults_rank_outliers_high_with_one_network_and_neighbours(monkeypatch):
    monkeypatch.setattr(blockwise, "INFERENCE_BLOCK", 128)  # score in blocks of 128 rows
    X, y = _data()
    det = aekit.AnomalyDetector(contamination=0.05, random_state=0).fit(X)
    assert isinstance(det.network_, MemberEnsemble) and det.network_.n_members == 8
    assert not hasattr(det, "estimators_") and det.neighbors_ is not None
    assert roc_auc_score(y, det.decision_scores_) > 0.95
    X_new, y_new = _data(seed=1)
    assert roc_auc_score(y_new, det.decision_function(X_new)) > 0.95
    assert det.threshold_ == pytest.approx(np.quantile(det.decision_scores_, 0.95))
    assert det.predict(X).mean() == pytest.approx(0.05, abs=0.01)
    np.testing.assert_allclose(det.score_samples(X_new), -det.decision_function(X_new))
    # scores do not depend on the rows scored together (padded row blocks, neighbours recomputed per row)
    scores = det.decision_function(X_new)
    np.testing.assert_array_equal(det.decision_function(X_new[::-1])[::-1], scores)
    np.testing.assert_array_equal(det.decision_function(X_new[7:8]), scores[7:8])
    contrib = det.feature_contributions(X_new)  # chunked like the scores
    np.testing.assert_allclose(contrib.sum(axis=1), scores, atol=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("score", ["reconstruction", "latent"])
def test_autoencoder_members_of_any_recipe(score):
    kind = dict(on_subspace=score == "latent")
    X, y = _data(**kind)
    det = aekit.AnomalyDetector("deep" if score == "latent" else "sparse", score=score, n_neighbors=0,
                                contamination=0.05, **FAST).fit(X)
    assert len(det.estimators_) == 1 and not hasattr(det, "network_")
    X_new, y_new = _data(seed=1, **kind)
    assert roc_auc_score(y_new, det.decision_function(X_new)) > 0.85


@pytest.mark.slow
def test_vae_scores_average_several_draws():
    X, y = _data()
    det = aekit.AnomalyDetector("vae", score="elbo", n_samples=8, n_neighbors=0, **FAST).fit(X)
    assert roc_auc_score(y, det.decision_scores_) > 0.85
    np.testing.assert_allclose(det.decision_function(X[:50]), det.decision_function(X[:50]))
    iw = aekit.AnomalyDetector("vae", score="iwae", n_samples=8, n_neighbors=0, **FAST).fit(X)
    assert roc_auc_score(y, iw.decision_scores_) > 0.85
    with pytest.raises(ValueError, match="no additive split"):
        det.feature_contributions(X[:3])


def test_each_member_learns_only_from_its_own_rows():
    rows = torch.zeros(2, 10, dtype=torch.bool)
    rows[0, :5] = True  # member 0: rows 0-4; member 1: rows 5-9
    rows[1, 5:] = True
    ens = MemberEnsemble(4, [6], 2, n_members=2, member_rows=rows).train()
    ens.loss(torch.randn(5, 4), torch.arange(5)).total.backward()
    assert ens.layers[0].weight.grad[0].abs().sum() > 0 and ens.layers[0].weight.grad[1].abs().sum() == 0


@pytest.mark.slow
def test_training_goes_through_fit_once_per_round(monkeypatch):
    calls = []
    fit = anomaly_module.fit_model

    def counting(model, data, config):
        calls.append((type(model).__name__, len(data[0]), config.epochs, model.member_rows.sum(dim=1).tolist()))
        return fit(model, data, config)

    monkeypatch.setattr(anomaly_module, "fit_model", counting)
    X, _ = _data(n=190, n_out=10)
    det = aekit.AnomalyDetector(contamination=0.1, n_estimators=3, random_state=0).fit(X)
    # robust=1: two rounds; the second leaves out the 10% of rows the first round scored highest
    assert [c[0] for c in calls] == ["MemberEnsemble"] * 2
    assert calls[0][3] == [100] * 3 and calls[1][3] == [90] * 3  # half the (kept) rows per member
    # epochs="auto": 200 steps in the trimming round, 400 in the final one, at 2 batches of 128 per epoch
    assert (calls[0][2], calls[1][2]) == (anomaly_module.default_epochs(200, 128, 200), 200) == (100, 200)
    assert det.network_.n_members == 3
    calls.clear()
    aekit.AnomalyDetector(robust=2, random_state=0).fit(X)
    assert len(calls) == 3
    with pytest.raises(ValueError, match="robust"):
        aekit.AnomalyDetector(robust="yes").fit(X)


def test_capacity_and_epochs_scale_with_the_data():
    assert anomaly_module.default_architecture(10) == ([16], 2)
    assert anomaly_module.default_architecture(166) == ([41], 8)
    assert anomaly_module.default_architecture(1555) == ([64], 8)  # wide tables stay fast
    assert anomaly_module.default_epochs(100, 64) == 200 and anomaly_module.default_epochs(10_000, 64) == 3


@pytest.mark.slow
def test_feature_weights_select_the_scored_features():
    X, _ = _data()
    w = np.zeros(X.shape[1])
    w[0] = 1.0
    det = aekit.AnomalyDetector(feature_weights=w, n_neighbors=0, **FAST).fit(X)
    contrib = det.feature_contributions(X[:20])
    assert np.ptp(contrib[:, 1:]) == 0  # the other features carry only the constant share
    with pytest.raises(ValueError, match="feature_weights"):
        aekit.AnomalyDetector(feature_weights=[1, 2]).fit(X)


@pytest.mark.slow
@pytest.mark.parametrize("combination", ["max", "mean", "median"])
def test_contributions_add_up_to_the_score_and_find_the_planted_column(combination):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 6))
    X[:, 3] = X[:, 0] + 0.1 * rng.normal(size=400)  # a correlated pair, so an autoencoder has structure to learn
    det = aekit.AnomalyDetector(combination=combination, random_state=0).fit(X)
    T = rng.normal(size=(12, 6))
    T[:, 3] = T[:, 0]
    for j in range(6):
        T[2 * j % 12, j] += 9.0  # rows 0, 2, ... carry one planted value each, in column j
    contrib = det.feature_contributions(T)
    np.testing.assert_allclose(contrib.sum(axis=1), det.decision_function(T), atol=1e-9)
    for j in range(6):
        assert np.argmax(contrib[2 * j % 12]) == j
    top = det.top_features(T[:1], n=2)
    assert top[0][0][0] == "x0" and len(top[0]) == 2


def test_sklearn_compatibility_and_errors():
    X, _ = _data(n=100, n_out=5)
    det = aekit.AnomalyDetector(epochs=2, device="cpu")
    assert clone(det).get_params() == det.get_params()
    for bad, match in [(dict(contamination=0.9), "contamination"),
                       (dict(score="magic"), "'score' parameter of AnomalyDetector must be a str among"),
                       (dict(n_neighbors=-1), "n_neighbors"), (dict(epochs="many"), "epochs"),
                       (dict(combination="vote"), "combination"), (dict(max_samples=0), "max_samples")]:
        with pytest.raises(ValueError, match=match):
            aekit.AnomalyDetector(**bad).fit(X)
    fitted = aekit.AnomalyDetector(epochs=2, device="cpu", random_state=0).fit(X)
    with pytest.raises(ValueError, match="features"):
        fitted.decision_function(X[:, :3])


def test_missing_values_are_named_by_column_and_row_or_imputed():
    X, _ = _data(n=100, n_out=5)
    X[17, 4] = np.nan
    with pytest.raises(ValueError, match=r"column 'x4' \(index 4\) has a missing value at row 17"):
        aekit.AnomalyDetector(**FAST).fit(X)
    det = aekit.AnomalyDetector(missing="impute", **FAST).fit(X)
    assert np.isfinite(det.decision_function(X)).all()
    clean = aekit.AnomalyDetector(**FAST).fit(np.nan_to_num(X))
    with pytest.raises(ValueError, match="row 17"):
        clean.decision_function(X)


def _mixed_table(n=300, seed=0):
    rng = np.random.default_rng(seed)
    size = rng.normal(10, 1, size=n)
    kind = rng.choice(["bolt", "nut", "screw"], size=n)
    weight = np.where(kind == "bolt", 2.0, 1.0) * size + 0.1 * rng.normal(size=n)
    return np.column_stack([size.round(3), kind, weight.round(3)]).astype(object)


@pytest.mark.slow
def test_tables_with_text_columns_are_encoded_and_explained_per_column(tmp_path):
    table = _mixed_table()
    det = aekit.AnomalyDetector(random_state=0).fit(table, column_names=["size", "kind", "weight"])
    assert det.n_features_in_ == 3 and det.encoder_.get_feature_names_out().tolist() == [
        "size", "kind=bolt", "kind=nut", "kind=screw", "weight"]
    new = _mixed_table(6, seed=1)
    new[0, 1] = "rivet"  # unseen category: an all-zero one-hot block
    scores = det.decision_function(new)
    assert scores[0] > np.quantile(det.decision_scores_, 0.99)
    contrib = det.feature_contributions(new)
    assert contrib.shape == (6, 3) and np.argmax(contrib[0]) == 1  # the one-hot block adds up into 'kind'
    np.testing.assert_allclose(contrib.sum(axis=1), scores, atol=1e-9)
    assert det.top_features(new[:1], n=1)[0][0][0] == "kind"
    det.save(tmp_path / "det")
    again = aekit.AnomalyDetector.load(tmp_path / "det")
    np.testing.assert_array_equal(again.decision_function(new), scores)
    with pytest.raises(ValueError, match="'rivet'"):
        aekit.AnomalyDetector(unseen="error", random_state=0, epochs=2).fit(table).decision_function(new)


@pytest.mark.parametrize("options", [
    dict(),  # the defaults: one batched network and the neighbour component
    dict(feature_weights=np.linspace(0.5, 1.5, 10), combination="mean", n_neighbors=0),
    dict(recipe="sparse", n_estimators=2, max_samples=0.5, combination="median"),
    dict(score="latent", n_estimators=1),
    dict(recipe="vae", score="elbo", n_samples=4, n_estimators=1),
])
def test_save_load_gives_identical_scores(tmp_path, options):
    from aekit.io import ModelFolderError

    X, _ = _data(n=200, n_out=10)
    det = aekit.AnomalyDetector(contamination=0.05, epochs=3, device="cpu", random_state=0, **options).fit(X)
    det.save(tmp_path / "det")
    again = aekit.AnomalyDetector.load(tmp_path / "det")
    np.testing.assert_array_equal(again.decision_function(X), det.decision_function(X))
    np.testing.assert_array_equal(again.decision_scores_, det.decision_scores_)
    assert again.threshold_ == det.threshold_ and again.get_params() == det.get_params() | {
        "feature_weights": again.feature_weights}
    np.testing.assert_array_equal(again.predict(X), det.predict(X))
    with pytest.raises(FileExistsError):
        det.save(tmp_path / "det")
    aekit.Autoencoder(epochs=1).fit(X).save(tmp_path / "ae")
    with pytest.raises(ModelFolderError, match="not a AnomalyDetector"):
        aekit.AnomalyDetector.load(tmp_path / "ae")


def test_folders_of_the_old_layout_fail_naming_their_version(tmp_path):
    from aekit.io import ModelFolderError

    X, _ = _data(n=100, n_out=5)
    aekit.AnomalyDetector(epochs=2, random_state=0).fit(X).save(tmp_path / "det")
    config = json.loads((tmp_path / "det" / "config.json").read_text())
    del config["detector_format"]  # what aekit 0.1.0 wrote: no format, one autoencoder per member
    config["aekit_version"] = "0.1.0"
    (tmp_path / "det" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFolderError, match="written by aekit 0.1.0 in an older detector layout.*fit the detector again"):
        aekit.AnomalyDetector.load(tmp_path / "det")


@pytest.mark.slow
def test_partial_fit_follows_a_drifting_stream_without_keeping_rows(monkeypatch):
    monkeypatch.setattr(anomaly_module, "SCORE_MEMORY", 500)
    rng = np.random.default_rng(0)
    det = aekit.AnomalyDetector(n_neighbors=0, random_state=0)
    det.partial_fit(rng.normal(size=(400, 5)))  # unfitted: the first call is fit
    assert len(det.decision_scores_) == 400
    drifted = rng.normal(size=(300, 5)) + 4.0
    before = det.decision_function(drifted).mean()
    assert det.predict(drifted).mean() > 0.9  # a new regime: flagged wholesale at first
    weights = det.network_.layers[0].weight.detach().clone()
    for _ in range(3):
        det.partial_fit(rng.normal(size=(200, 5)) + 4.0)
    assert not torch.equal(weights, det.network_.layers[0].weight)  # the members went on training
    assert len(det.decision_scores_) == 500  # the last 500 rows' scores: a bounded memory
    assert det.decision_function(drifted).mean() < before - 1.0  # the new regime became normal
    assert det.predict(drifted).mean() <= det.contamination  # ... and no longer once learned
    sizes = [v.size for v in vars(det).values() if isinstance(v, np.ndarray)]
    assert max(sizes) <= 500 * 9  # the score memory (rows x members + 1) is the largest array: no rows kept
    with pytest.raises(ValueError, match="epochs"):
        det.partial_fit(drifted, epochs=0)


def test_partial_fit_with_neighbours_keeps_a_bounded_reservoir():
    rng = np.random.default_rng(0)
    det = aekit.AnomalyDetector(random_state=0, epochs=2).fit(rng.normal(size=(300, 4)))
    det.neighbors_.max_reference = 400
    det.partial_fit(rng.normal(size=(250, 4)), epochs=1)
    assert len(det.neighbors_.reference_) == 400 and det.neighbors_.n_seen_ == 550


@pytest.mark.slow
def test_wide_tables_get_a_principal_component_front_end():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3)) @ rng.normal(size=(3, 40)) + 0.1 * rng.normal(size=(300, 40))
    det = aekit.AnomalyDetector(random_state=0, epochs=5).fit(X)
    assert det.network_.front.n_components == 32 and det.network_.layers[0].weight.shape[1] == 32
    T = X[:5].copy()
    T[0, 7] += 5.0  # off the principal subspace: the residual still counts, feature by feature
    contrib = det.feature_contributions(T)
    np.testing.assert_allclose(contrib.sum(axis=1), det.decision_function(T), atol=1e-9)
    assert np.argmax(contrib[0]) == 7
    narrow = aekit.AnomalyDetector(random_state=0, epochs=5).fit(X[:, :32])
    assert narrow.network_.front is None
    assert aekit.AnomalyDetector(input_pca=None, epochs=1).fit(X).network_.front is None
    with pytest.raises(ValueError, match="input_pca"):
        aekit.AnomalyDetector(input_pca=41).fit(X)


@pytest.mark.slow
def test_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator

    shadowed = "the `score` parameter (a string, kept for compatibility with aekit 0.1 code) hides sklearn's score() method"
    check_estimator(aekit.AnomalyDetector(epochs=2, random_state=0), expected_failed_checks={
        name: shadowed for name in ("check_fit_score_takes_y", "check_n_features_in_after_fitting",
                                    "check_pipeline_consistency")})


def test_parameter_constraints_cover_every_parameter_and_reject_bad_values():
    # every __init__ parameter has a constraint; a bad type or value fails fit, partial_fit and
    # fit_predict with scikit-learn's InvalidParameterError, naming the parameter
    check_param_validation("AnomalyDetector", aekit.AnomalyDetector(epochs=2, device="cpu"))
    X = np.random.default_rng(0).normal(size=(40, 3))
    for bad in [dict(max_samples=1), dict(max_samples=1.5), dict(robust=-1), dict(input_pca=0), dict(missing="drop")]:
        with pytest.raises(ValueError, match=f"'{next(iter(bad))}' parameter of AnomalyDetector"):
            aekit.AnomalyDetector(**bad).fit(X)
