"""Exact NLL in nats for every likelihood, and the learned-variance Gaussian."""

import pytest
import torch
from torch import distributions as D

from aekit import TrainConfig, create_model, fit
from aekit.objectives import Bernoulli, Categorical, Gaussian, GaussianLearnedVariance, make_likelihood


def test_every_nll_is_the_exact_log_probability():
    torch.manual_seed(0)
    x = torch.rand(4, 5)
    mu = torch.randn(4, 5)
    assert torch.allclose(Gaussian(0.7).nll(mu, x), -D.Normal(mu, 0.7).log_prob(x).sum(1), atol=1e-5)
    xb = x.round()
    assert torch.allclose(Bernoulli().nll(mu, xb), -D.Bernoulli(logits=mu).log_prob(xb).sum(1), atol=1e-5)
    cat = Categorical(4)
    logits = torch.randn(4, 4 * 5)
    levels = cat.targets(x)
    ref = -D.Categorical(logits=logits.view(4, 4, 5).movedim(1, -1)).log_prob(levels).sum(1)
    assert torch.allclose(cat.nll(logits, x), ref, atol=1e-5)


@pytest.mark.parametrize("variance", ["feature", "sample", "shared"])
def test_learned_variance_nll_matches_normal_log_prob(variance):
    torch.manual_seed(0)
    lik = GaussianLearnedVariance(variance)
    lik.build((5,))
    x = torch.randn(3, 5)
    params = torch.randn(3, 5 * lik.n_params)
    if lik.logvar is not None:
        with torch.no_grad():
            lik.logvar.copy_(torch.randn(lik.logvar.shape))
        mu, logvar = params, lik.logvar.expand(3, 5)
    else:
        mu, logvar = params[:, :5], params[:, 5:]
    ref = -D.Normal(mu, torch.exp(0.5 * logvar)).log_prob(x).sum(1)
    assert torch.allclose(lik.nll(params, x), ref, atol=1e-5)
    assert torch.allclose(lik.mean(params), mu)


@pytest.mark.slow
def test_learned_variance_is_learned_and_saved(tmp_path):
    from aekit import load_model, save_model

    torch.manual_seed(0)
    x = torch.randn(256, 6) * torch.tensor([0.1, 0.1, 0.1, 2.0, 2.0, 2.0])
    model = create_model("deep", (6,), latent_dim=1, hidden_dims=[16], likelihood={"name": "gaussian_learned"})
    fit(model, x, TrainConfig(epochs=60, lr=3e-2, batch_size=64, progress=False, early_stopping=None))
    var = model.likelihood.logvar.exp().detach()
    # The 1-D code explains one feature; elsewhere the variance is the data's own: 0.1^2 and 2^2.
    assert torch.all((var[:3] > 0.005) & (var[:3] < 0.02))
    assert torch.all((var[4:] > 2.5) & (var[4:] < 6.0))
    save_model(model, tmp_path / "m")
    torch.testing.assert_close(load_model(tmp_path / "m").likelihood.logvar, model.likelihood.logvar)


def test_learned_variance_is_clamped_and_validated():
    lik = make_likelihood({"name": "gaussian_learned", "variance": "sample", "min_logvar": -2.0})
    params = torch.cat([torch.zeros(1, 3), torch.full((1, 3), -50.0)], dim=1)
    assert torch.isfinite(lik.nll(params, torch.ones(1, 3))).all()
    assert lik.nll(params, torch.zeros(1, 3)).item() == pytest.approx(3 * 0.5 * (-2.0 + 1.8378771), rel=1e-5)
    with pytest.raises(ValueError, match="variance must be one of"):
        GaussianLearnedVariance("pixel")
