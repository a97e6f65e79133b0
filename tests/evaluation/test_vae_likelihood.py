"""ELBO and importance-weighted bounds: hand computations, Monte-Carlo checks, monotonicity in k."""

import math

import pytest
import torch

from aekit import TrainConfig, create_model, fit
from aekit.evaluation import elbo, iwae_bound
from aekit.models import GaussianLatent


def test_analytic_kl_matches_monte_carlo():
    g = torch.Generator().manual_seed(0)
    mu = torch.tensor([[0.5, -1.0, 0.2], [1.5, 0.0, -0.3]])
    logvar = torch.tensor([[-0.5, 0.3, 0.0], [-1.0, 0.8, -0.2]])
    analytic = GaussianLatent.kl_per_dim(mu, logvar).sum(1)
    n = 400_000
    eps = torch.randn(n, *mu.shape, generator=g, dtype=torch.float64)
    z = mu + torch.exp(0.5 * logvar) * eps
    log_q = (-0.5 * (eps**2 + logvar + math.log(2 * math.pi))).sum(-1)
    log_p = (-0.5 * (z**2 + math.log(2 * math.pi))).sum(-1)
    monte_carlo = (log_q - log_p).mean(0)
    assert torch.allclose(monte_carlo.float(), analytic, atol=1e-2)
    assert analytic.min() > 0.5  # not a trivially zero KL


@pytest.fixture(scope="module")
def trained_vae(digits_flat):
    X, _ = digits_flat
    torch.manual_seed(0)
    model = create_model("vae", (64,), latent_dim=4, hidden_dims=[64], likelihood="bernoulli")
    fit(model, torch.from_numpy(X[:1400]), TrainConfig(epochs=15, batch_size=64, lr=3e-3, progress=False,
                                                      early_stopping=None))
    return model.eval(), torch.from_numpy(X[1400:1700])


@pytest.mark.slow
def test_iwae_bound_is_non_decreasing_in_k_on_test_data(trained_vae):
    model, x_test = trained_vae
    bounds = [iwae_bound(model, x_test, k=k, seed=1).mean().item() for k in (1, 10, 100)]
    assert bounds[0] < bounds[1] < bounds[2], bounds
    assert bounds[2] - bounds[0] > 0.1  # a real gap, not noise
    assert bounds[2] < 0  # a log-probability of binary-ish data


def test_untrained_k1_bound_equals_elbo_within_monte_carlo_error(digits_flat):
    torch.manual_seed(3)
    model = create_model("vae", (64,), latent_dim=4, hidden_dims=[32], likelihood="bernoulli").eval()
    x = torch.from_numpy(digits_flat[0][:500])
    one = iwae_bound(model, x, k=1, seed=5)
    ref = elbo(model, x, n_samples=20, seed=6)
    diff = one - ref
    standard_error = diff.std() / math.sqrt(len(diff))
    assert abs(diff.mean()) < 4 * standard_error + 1e-3
    # The ELBO is minus the training loss when beta = 1 and the likelihood is exact (Bernoulli).
    model.train()
    torch.manual_seed(0)
    losses = torch.stack([model.loss(x).parts["total"] for _ in range(20)]).mean()
    assert ref.mean().item() == pytest.approx(-losses.item(), abs=0.2)


@pytest.mark.slow
def test_chunking_does_not_change_the_estimate(trained_vae):
    model, x = trained_vae
    whole = iwae_bound(model, x[:20], k=64, chunk_size=20 * 64, seed=2)
    chunked = iwae_bound(model, x[:20], k=64, chunk_size=7 * 20, seed=2)  # chunks of 7 samples
    torch.testing.assert_close(whole, chunked, rtol=0, atol=1e-4)


@pytest.mark.slow
def test_shared_noise_makes_scores_independent_of_batching(trained_vae):
    model, x = trained_vae
    a = iwae_bound(model, x[:30], k=20, batch_size=30, shared_noise=True)
    b = iwae_bound(model, x[:30], k=20, batch_size=7, shared_noise=True)
    torch.testing.assert_close(a, b, rtol=0, atol=1e-5)
    c = elbo(model, x[:30], n_samples=3, batch_size=4, shared_noise=True)
    torch.testing.assert_close(c[:4], elbo(model, x[:4], n_samples=3, shared_noise=True), rtol=0, atol=1e-5)


def test_estimates_need_a_probabilistic_encoder_and_good_arguments():
    deterministic = create_model("deep", (6,), latent_dim=2)
    with pytest.raises(ValueError, match="probabilistic encoder"):
        iwae_bound(deterministic, torch.rand(3, 6), k=2)
    vae = create_model("vae", (6,), latent_dim=2)
    with pytest.raises(ValueError, match="k must be a positive int"):
        iwae_bound(vae, torch.rand(3, 6), k=0)
    with pytest.raises(ValueError, match=r"x must have shape \(n, 6\)"):
        elbo(vae, torch.rand(3, 5))
