"""The pretrained-encoder classifier: scikit-learn contract and accuracy on digits."""

import numpy as np
import pytest
import torch
from sklearn.utils.estimator_checks import check_estimator

from aekit.estimators.pretrained import PretrainedClassifier

FAST = dict(hidden_dims=(16,), latent_dim=8, pretrain_epochs=1, finetune_epochs=25, lr=2e-2, validation_split=0,
            early_stopping=None, device="cpu", random_state=0)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.mark.slow
def test_check_estimator_passes_every_check():
    results = check_estimator(PretrainedClassifier(**FAST), on_fail=None)
    failed = [(r["check_name"], r["exception"]) for r in results if r["status"] == "failed"]
    assert not failed
    assert len(results) > 40


@pytest.mark.slow
def test_pretrained_classifier_on_digits(digits_flat):
    X, y = digits_flat
    clf = PretrainedClassifier(hidden_dims=(64,), latent_dim=32, pretrain_epochs=10, finetune_epochs=40, lr=3e-3,
                               device="cpu", random_state=0)
    clf.fit(X[:300], y[:300], X_unlabeled=X[300:1400])
    proba = clf.predict_proba(X[1400:])
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-9)
    assert clf.score(X[1400:], y[1400:]) > 0.85
    assert len(clf.history_["pretraining"]) == 3  # two greedy layers + end-to-end autoencoder
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    assert set(PretrainedClassifier(**FAST).fit(X[:200], names[y[:200]]).predict(X[:20])) <= set(names)


def test_pretrained_classifier_save_load(digits_flat, tmp_path):
    from aekit.io import ModelFolderError

    X, y = digits_flat
    names = np.array(list("abcdefghij"))
    clf = PretrainedClassifier(**FAST).fit(X[:200], names[y[:200]])
    clf.save(tmp_path / "clf")
    again = PretrainedClassifier.load(tmp_path / "clf")
    np.testing.assert_array_equal(again.predict_proba(X[200:260]), clf.predict_proba(X[200:260]))
    np.testing.assert_array_equal(again.predict(X[200:260]), clf.predict(X[200:260]))
    with pytest.raises(FileExistsError):
        clf.save(tmp_path / "clf")
    import aekit

    aekit.Autoencoder(epochs=1, latent_dim=2, device="cpu").fit(X[:50]).save(tmp_path / "ae")
    with pytest.raises(ModelFolderError, match="not a PretrainedClassifier"):
        PretrainedClassifier.load(tmp_path / "ae")


def test_pretrained_classifier_errors(digits_flat):
    X, y = digits_flat
    with pytest.raises(ValueError, match="'pretraining' parameter of PretrainedClassifier must be a str among"):
        PretrainedClassifier(pretraining="magic").fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="X_unlabeled"):
        PretrainedClassifier(**FAST).fit(X[:20], y[:20], X_unlabeled=X[:5, :10])
    with pytest.raises(ValueError, match="1 class"):
        PretrainedClassifier(**FAST).fit(X[:20], np.zeros(20))
