"""A conditional VAE through the estimator API: fit(X, condition=labels), sample(n, condition=...),
the classes kept through save/load, and the errors for conditions that do not fit."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import aekit
from aekit.estimators import Autoencoder, VariationalAutoencoder

NAMES = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])


@pytest.fixture(scope="module")
def cvae(digits_flat):
    X, y = digits_flat
    est = VariationalAutoencoder(latent_dim=4, hidden_dims=(64,), likelihood="bernoulli", epochs=25, batch_size=64,
                                 lr=3e-3, validation_split=0.0, device="cpu", random_state=0)
    return est.fit(X[:1000].astype(np.float64), condition=NAMES[y[:1000]])


@pytest.mark.slow
def test_samples_follow_the_condition(cvae, digits_flat):
    X, y = digits_flat
    judge = LogisticRegression(max_iter=2000).fit(X[1000:], y[1000:])  # a classifier of real digits, unseen rows
    assert cvae.condition_classes_.tolist() == sorted(NAMES.tolist())
    hits = []
    for digit in (0, 1, 3, 7):
        samples = cvae.sample(40, random_state=0, condition=NAMES[digit])
        hits.append(np.mean(judge.predict(samples) == digit))
    # chance is 0.1; the label alone has to steer the decoder to the right digit
    assert min(hits) > 0.6, hits
    same_noise = [cvae.sample(5, random_state=1, condition=c) for c in ("zero", "one")]
    assert np.abs(same_noise[0] - same_noise[1]).mean() > 0.05


@pytest.mark.slow
def test_every_inference_method_takes_the_condition(cvae, digits_flat):
    X, y = digits_flat
    rows, labels = X[1000:1010].astype(np.float64), NAMES[y[1000:1010]]
    assert cvae.transform(rows, condition=labels).shape == (10, 4)
    recon = cvae.reconstruct(rows, condition=labels)
    assert recon.shape == (10, 64) and np.mean((recon - rows) ** 2) < 0.1
    right, wrong = cvae.score_samples(rows, condition=labels), cvae.score_samples(rows, condition="zero")
    assert np.mean(right) > np.mean(wrong)  # the true label explains the image better than "zero" for all
    assert cvae.inverse_transform(np.zeros((3, 4)), condition=["one", "two", "one"]).shape == (3, 64)


@pytest.mark.slow
def test_save_load_keeps_the_classes(cvae, digits_flat, tmp_path):
    X, y = digits_flat
    loaded = aekit.load(cvae.save(tmp_path / "cvae"))
    assert loaded.condition_classes_.tolist() == cvae.condition_classes_.tolist()
    np.testing.assert_allclose(loaded.sample(4, random_state=0, condition="six"),
                               cvae.sample(4, random_state=0, condition="six"), atol=1e-6)
    assert "conditions" in aekit.describe(loaded)
    ints = VariationalAutoencoder(latent_dim=2, hidden_dims=(8,), epochs=1, device="cpu", random_state=0)
    ints.fit(X[:100], condition=y[:100])
    again = aekit.load(ints.save(tmp_path / "ints"))
    assert again.condition_classes_.dtype.kind == "i" and again.condition_classes_.tolist() == list(range(10))
    assert again.sample(2, condition="3").shape == (2, 64)  # "3" names the class 3


@pytest.mark.slow
def test_condition_errors_say_what_to_pass(cvae, digits_flat):
    X, y = digits_flat
    with pytest.raises(ValueError, match="is conditional .*pass condition=.*eight, five"):
        cvae.transform(X[:5])
    with pytest.raises(ValueError, match="unknown condition class 'ten'.*eight, five, four"):
        cvae.sample(2, condition="ten")
    with pytest.raises(ValueError, match="condition has 3 labels but there are 5 rows"):
        cvae.transform(X[:5], condition=["one", "two", "one"])
    plain = Autoencoder(latent_dim=2, hidden_dims=(8,), epochs=1, device="cpu", random_state=0).fit(X[:50])
    with pytest.raises(ValueError, match="fitted without one"):
        plain.transform(X[:5], condition=[0, 1, 2, 3, 4])
    with pytest.raises(ValueError, match="condition has 10 labels but X has 50 rows"):
        Autoencoder(epochs=1).fit(X[:50], condition=y[:10])
    with pytest.raises(ValueError, match="n_conditions is inferred from the labels"):
        VariationalAutoencoder(epochs=1, recipe_options={"n_conditions": 10}).fit(X[:50])


def test_a_refit_without_labels_is_unconditional(digits_flat):
    X, y = digits_flat
    est = Autoencoder(latent_dim=2, hidden_dims=(8,), epochs=1, device="cpu", random_state=0)
    est.fit(X[:60], condition=y[:60])
    assert len(est.condition_classes_) == 10 and est.model_.n_conditions == 10
    est.fit(X[:60])
    assert not hasattr(est, "condition_classes_") and est.model_.n_conditions == 0
    assert est.transform(X[:3]).shape == (3, 2)
