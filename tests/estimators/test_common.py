"""scikit-learn's estimator checks over every aekit estimator that takes numeric arrays, and the
common behaviour of the text estimators (which take documents, not arrays)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

import aekit
from aekit.estimators import ESTIMATORS

TINY = dict(epochs=2, device="cpu", random_state=0)
# The `score` parameter (a string: "reconstruction", "elbo", ...) hides scikit-learn's score() method.
SHADOWED_SCORE = {name: "the `score` parameter (a string) hides sklearn's score() method" for name in (
    "check_fit_score_takes_y", "check_n_features_in_after_fitting", "check_pipeline_consistency")}
# A series is one sample of ordered steps, not a set of independent rows.
SERIES = {
    "check_methods_sample_order_invariance": "rows are time steps: reordering them changes the windows",
    "check_methods_subset_invariance": "a step's score depends on the windows around it",
    "check_fit2d_1sample": "one time step is shorter than any window (the error says so)",
    "check_fit1d": "a 1-D array is a one-channel series, accepted by design",
    "check_fit2d_predict1d": "a 1-D array is a one-channel series, accepted by design",
}

NUMERIC = [
    aekit.Autoencoder(latent_dim=2, hidden_dims=(8,), batch_size=32, **TINY),
    aekit.VariationalAutoencoder(latent_dim=2, hidden_dims=(8,), n_importance=4, batch_size=32, **TINY),
    aekit.AnomalyDetector(**TINY),
    aekit.TimeSeriesAnomalyDetector(window=3, **TINY),
    aekit.SelfSupervised("masked_features", epochs=1, random_state=0),
    aekit.PretrainedClassifier(hidden_dims=(16,), latent_dim=8, pretrain_epochs=1, finetune_epochs=25, lr=2e-2,
                               validation_split=0, early_stopping=None, device="cpu", random_state=0),
]
EXPECTED_FAILURES = {"AnomalyDetector": SHADOWED_SCORE, "TimeSeriesAnomalyDetector": {**SHADOWED_SCORE, **SERIES}}


def test_every_numeric_estimator_is_checked():
    text = {"Word2Vec", "MaskedTokenModel"}
    assert {type(e).__name__ for e in NUMERIC} == set(ESTIMATORS.names()) - text


# The classifier's checks fit it (pretraining plus 25 fine-tuning epochs) dozens of times: about 2 s
# together, so they run in the slow tier; the other estimators' checks stay in the fast one.
SLOW_TO_CHECK = ("PretrainedClassifier",)


def _expected_failures(est):
    return EXPECTED_FAILURES.get(type(est).__name__, {})


@parametrize_with_checks([e for e in NUMERIC if type(e).__name__ not in SLOW_TO_CHECK],
                         expected_failed_checks=_expected_failures)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.slow
@parametrize_with_checks([e for e in NUMERIC if type(e).__name__ in SLOW_TO_CHECK],
                         expected_failed_checks=_expected_failures)
def test_sklearn_estimator_checks_slow_tier(estimator, check):
    check(estimator)


DOCS = [["the cat sat on the mat", "the dog sat on the log"] * 20, ["a cat and a dog", "the mat and the log"] * 20]


@pytest.mark.parametrize("cls, params", [
    (aekit.Word2Vec, dict(dim=8, epochs=1, min_count=1, random_state=0, device="cpu")),
    (aekit.MaskedTokenModel, dict(dim=8, epochs=1, min_count=1, random_state=0, device="cpu")),
], ids=["Word2Vec", "MaskedTokenModel"])
def test_text_estimators_clone_params_save_load_and_refit(cls, params, tmp_path):
    est = cls(**params)
    assert clone(est).get_params() == est.get_params()
    est.set_params(epochs=2)
    assert est.get_params()["epochs"] == 2
    docs = [d for part in DOCS for d in part]
    est.fit(docs)
    est.save(tmp_path / "m")
    again = aekit.load(tmp_path / "m")
    assert type(again) is cls and again.get_params() == est.get_params()
    first = {k: v.detach().clone() for k, v in est.model_.state_dict().items()}
    for key, value in again.model_.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), first[key].numpy())
    est.fit(docs)  # refitting starts afresh with the same seed: the same weights
    for key, value in est.model_.state_dict().items():
        np.testing.assert_allclose(value.numpy(), first[key].numpy(), rtol=1e-5, atol=1e-6)
