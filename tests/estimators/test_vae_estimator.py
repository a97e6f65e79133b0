"""The scikit-learn VariationalAutoencoder: check_estimator, posterior means, samples, scores, CLI."""

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image
from sklearn.utils.estimator_checks import check_estimator

from aekit.cli import main
from aekit.estimators import VariationalAutoencoder

FAST = dict(epochs=3, batch_size=32, device="cpu", random_state=0)


@pytest.mark.slow
def test_check_estimator_passes_every_check():
    est = VariationalAutoencoder(latent_dim=2, hidden_dims=(8,), n_importance=4, **FAST)
    results = check_estimator(est, on_fail=None)
    failed = [(r["check_name"], r["exception"]) for r in results if r["status"] == "failed"]
    assert not failed
    assert len(results) > 40


@pytest.fixture(scope="module")
def fitted(digits_flat, tmp_path_factory):
    X = digits_flat[0][:800].astype(np.float64)
    est = VariationalAutoencoder(latent_dim=2, hidden_dims=(32,), likelihood="bernoulli", epochs=10,
                                 n_importance=50, batch_size=64, lr=3e-3, device="cpu", random_state=0).fit(X)
    path = tmp_path_factory.mktemp("vae") / "model"
    est.save(path)
    return est, X, path


def test_transform_is_the_posterior_mean_and_sample_stays_in_range(fitted):
    est, X, _ = fitted
    h = est.model_.encoder(torch.from_numpy(X[:5].astype(np.float32)))
    np.testing.assert_allclose(est.transform(X[:5]), h[:, :2].detach().numpy(), rtol=1e-5, atol=1e-6)
    samples = est.sample(7, random_state=0)
    assert samples.shape == (7, 64) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_array_equal(samples, est.sample(7, random_state=0))


def test_iwae_scores_bound_elbo_scores_from_above_and_survive_save_load(fitted):
    est, X, path = fitted
    elbo = est.score_samples(X[:100])
    iwae = est.set_params(score_method="iwae").score_samples(X[:100])
    est.set_params(score_method="elbo")
    assert elbo.shape == (100,) and np.all(elbo < 0)
    assert iwae.mean() > elbo.mean()
    loaded = VariationalAutoencoder.load(path)
    np.testing.assert_allclose(loaded.score_samples(X[:100]), elbo, rtol=1e-5)
    with pytest.raises(ValueError, match="'score_method' parameter of VariationalAutoencoder must be a str among"):
        VariationalAutoencoder(score_method="exact").fit(X[:50])


def test_gaussian_scores_are_in_input_units(digits_flat):
    X = digits_flat[0][:200].astype(np.float64)
    X = X[:, X.std(0) > 0]  # constant columns are not rescaled by the standardisation
    est = VariationalAutoencoder(latent_dim=2, hidden_dims=(8,), preprocessing="standard", **FAST).fit(X)
    ref = VariationalAutoencoder(latent_dim=2, hidden_dims=(8,), preprocessing="standard", **FAST).fit(X * 10)
    # Same data ten times larger: the same model in scaled units, density lower by d * log(10).
    expected = est.score_samples(X) - X.shape[1] * np.log(10)
    np.testing.assert_allclose(ref.score_samples(X * 10), expected, rtol=1e-4)


def test_cli_generate_and_interpolate(fitted, tmp_path, digits_flat):
    _, X, path = fitted
    runner = CliRunner()
    result = runner.invoke(main, ["generate", str(path), "--out", str(tmp_path / "s.png"), "-n", "6"])
    assert result.exit_code == 0, result.output
    assert "wrote 6 samples" in result.output and Image.open(tmp_path / "s.png").size[0] > 0
    result = runner.invoke(main, ["generate", str(path), "--manifold", "4", "--out", str(tmp_path / "m.npy")])
    assert result.exit_code == 0, result.output
    assert np.load(tmp_path / "m.npy").shape == (16, 64)
    result = runner.invoke(main, ["interpolate", str(path), "digits", "--start", "0", "--end", "5", "--steps", "4",
                                  "--out", str(tmp_path / "i.npy")])
    assert result.exit_code == 0, result.output
    steps = np.load(tmp_path / "i.npy")
    assert steps.shape == (4, 64) and not np.allclose(steps[0], steps[-1])
    args = ["interpolate", str(path), "digits", "--end", "99999", "--out", str(tmp_path / "j.npy")]
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and "out of range" in result.output
