import math

import pytest
import torch
from torch.nn import functional as F

from aekit.objectives import Bernoulli, Categorical, Gaussian, make_likelihood


def test_gaussian_loss_is_half_sse_and_nll_adds_the_constant():
    params, x = torch.tensor([[0.0, 1.0, 2.0]]), torch.tensor([[1.0, 1.0, 0.0]])
    lik = Gaussian(sigma=2.0)
    assert lik.loss(params, x).item() == pytest.approx(0.5 * (1 + 0 + 4) / 4)
    expected_nll = -torch.distributions.Normal(params, 2.0).log_prob(x).sum().item()
    assert lik.nll(params, x).item() == pytest.approx(expected_nll, rel=1e-6)
    assert torch.equal(lik.mean(params), params)


def test_bernoulli_is_bce_on_logits_and_stable_at_extremes():
    logits = torch.tensor([[-200.0, 0.0, 200.0]])
    x = torch.tensor([[0.0, 1.0, 1.0]])
    lik = Bernoulli()
    assert lik.nll(logits, x).item() == pytest.approx(math.log(2), rel=1e-6)
    assert torch.isfinite(lik.nll(logits, 1 - x)).all()  # all wrong, still finite
    torch.testing.assert_close(lik.mean(torch.zeros(1, 3)), torch.full((1, 3), 0.5))


def test_categorical_matches_cross_entropy_and_mean_is_expected_level():
    torch.manual_seed(0)
    k, x = 4, torch.tensor([[0.0, 1 / 3, 1.0]])
    logits = torch.randn(1, k * 3)
    lik = Categorical(n_levels=k)
    expected = F.cross_entropy(logits.view(1, k, 3), torch.tensor([[0, 1, 3]]), reduction="sum")
    assert lik.nll(logits, x).item() == pytest.approx(expected.item(), rel=1e-6)
    peaked = torch.full((1, k, 3), -50.0)
    peaked[0, 2, :] = 50.0  # all mass on level 2 of 0..3
    torch.testing.assert_close(lik.mean(peaked.view(1, -1)), torch.full((1, 3), 2 / 3))


def test_image_shaped_parameters():
    lik = Categorical(n_levels=3)
    params = torch.randn(2, 3 * 2, 4, 4)  # (B, K*C, H, W) with C=2
    x = torch.rand(2, 2, 4, 4)
    assert lik.nll(params, x).shape == (2,)
    assert lik.mean(params).shape == (2, 2, 4, 4)


def test_make_likelihood_specs_and_errors():
    assert isinstance(make_likelihood("bernoulli"), Bernoulli)
    assert make_likelihood({"name": "gaussian", "sigma": 0.5}).sigma == 0.5
    assert make_likelihood({"name": "categorical", "n_levels": 8}).config() == {"name": "categorical", "n_levels": 8}
    with pytest.raises(ValueError, match="likelihood must be one of"):
        make_likelihood("poisson")
    with pytest.raises(ValueError, match="sigma must be positive"):
        Gaussian(sigma=0)
    with pytest.raises(ValueError, match="n_levels"):
        Categorical(n_levels=1)


@pytest.mark.parametrize("spec", ["gaussian", "bernoulli", "categorical",
                                  {"name": "gaussian_learned", "variance": "feature"},
                                  {"name": "gaussian_learned", "variance": "sample"}])
def test_element_loss_sums_to_the_per_sample_loss(spec):
    """Masks and inpainting weight element_loss; unweighted it must be the plain likelihood."""
    from aekit import create_model

    model = create_model("deep", (2, 3, 3), latent_dim=2, hidden_dims=[8], likelihood=spec)
    x = torch.rand(4, 2, 3, 3)
    params = model(x).params
    per_element = model.likelihood.element_loss(params, x)
    assert per_element.shape == x.shape
    torch.testing.assert_close(per_element.flatten(1).sum(1), model.likelihood.loss(params, x))


@pytest.mark.parametrize("name", ["gaussian", "bernoulli", "categorical", "gaussian_learned"])
def test_batch_loss_is_the_mean_of_the_per_sample_loss(name):
    from aekit.objectives.likelihoods import make_likelihood

    torch.manual_seed(0)
    lik = make_likelihood(name)
    if hasattr(lik, "build"):
        lik.build((5,))
    x = torch.rand(7, 5)
    params = torch.randn(7, lik.n_params * 5)
    assert lik.batch_loss(params, x).shape == ()
    torch.testing.assert_close(lik.batch_loss(params, x), lik.loss(params, x).mean(), rtol=1e-6, atol=1e-6)


def test_the_model_trains_on_the_batch_loss_and_scores_with_the_per_sample_one():
    from aekit import create_model

    torch.manual_seed(0)
    model = create_model("deep", (12,), latent_dim=2, hidden_dims=[8])
    x = torch.rand(9, 12)
    parts = model.loss(x).parts
    per_sample = model.sample_losses(x)["reconstruction"]
    assert per_sample.shape == (9,)
    torch.testing.assert_close(parts["reconstruction"], per_sample.mean(), rtol=1e-6, atol=1e-6)
