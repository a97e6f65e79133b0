"""KL sparsity and the contractive penalty: values vs hand computation and finite differences."""

import math

import pytest
import torch

from aekit import TrainConfig, create_model, fit
from aekit.models.geometry import encoder_jacobian
from aekit.objectives import (
    Contractive,
    KLSparsity,
    jacobian_frobenius_exact,
    jacobian_frobenius_hutchinson,
    kl_bernoulli,
    make_regulariser,
)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # Tiny models: one thread avoids thread thrashing on a shared, busy CPU.
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _cfg(epochs, lr=1e-2):
    return TrainConfig(epochs=epochs, batch_size=100, lr=lr, progress=False, early_stopping=None, validation_split=0)


def _finite_difference_frobenius(model, x, eps=1e-6):
    d = x.shape[1]
    with torch.no_grad():
        cols = [(model.encode(x + eps * e) - model.encode(x - eps * e)) / (2 * eps) for e in torch.eye(d, dtype=x.dtype)]
    return torch.stack(cols, dim=2).pow(2).sum(dim=(1, 2))


def test_kl_bernoulli_matches_hand_computation():
    rho, q = 0.05, 0.2
    expected = rho * math.log(rho / q) + (1 - rho) * math.log((1 - rho) / (1 - q))
    assert kl_bernoulli(rho, torch.tensor(q)).item() == pytest.approx(expected, rel=1e-6)
    assert kl_bernoulli(rho, torch.tensor(rho)).item() == pytest.approx(0.0, abs=1e-7)


def test_kl_sparsity_penalty_and_smoothing():
    model = create_model("sparse-kl", (4,), latent_dim=3, rho=0.1, weight=2.0, smoothing=0.5)
    reg = model.regularisers[0]
    code = torch.tensor([[0.2, 0.4, 0.0], [0.4, 0.0, 0.6]])
    first = reg.mean_activation(code)  # no history yet: the batch mean
    torch.testing.assert_close(first, torch.tensor([0.3, 0.2, 0.3]))
    second = reg.mean_activation(torch.zeros(2, 3) + 0.1)  # 0.5 * running + 0.5 * batch
    torch.testing.assert_close(second, torch.tensor([0.2, 0.15, 0.2]))
    result = model(torch.rand(5, 4))
    plain = KLSparsity(weight=2.0, rho=0.1)
    expected = 2.0 * kl_bernoulli(0.1, result.code.mean(0)).sum()
    assert plain(result, model).item() == pytest.approx(expected.item(), rel=1e-6)


def test_kl_sparsity_rejects_codes_outside_unit_interval():
    model = create_model("deep", (4,), latent_dim=3, regularisers=[{"name": "kl_sparsity"}])
    with torch.no_grad():
        model.encoder[-2].bias.fill_(-5.0)  # linear code, certainly negative
    with pytest.raises(ValueError, match="sigmoid"):
        model.loss(torch.rand(5, 4))
    with pytest.raises(ValueError, match="rho"):
        make_regulariser({"name": "kl_sparsity", "rho": 1.5})


@pytest.mark.slow
def test_sparse_kl_mean_activation_reaches_rho(digits_flat):
    """Must show: mean hidden activation within 0.02 of rho on the training data."""
    X = torch.from_numpy(digits_flat[0][:1000])
    model = create_model("sparse-kl", (64,), latent_dim=32, rho=0.05)
    fit(model, X, _cfg(20))
    mean_act = model.eval().encode(X).mean().item()
    assert abs(mean_act - 0.05) < 0.02, mean_act
    untrained = create_model("sparse-kl", (64,), latent_dim=32).eval().encode(X).mean().item()
    assert abs(untrained - 0.05) > 0.2  # the penalty, not the initialisation, put it there


@pytest.mark.parametrize("options, method", [({}, "closed_form"), ({"hidden_dims": [16], "activation": "tanh"}, "exact")])
def test_contractive_penalty_equals_finite_differences(options, method):
    """Must show: the penalty equals a finite-difference estimate to 1e-4 relative."""
    model = create_model("contractive", (20,), latent_dim=6, weight=0.5, **options).double()
    reg = model.regularisers[0]
    assert reg.resolve(model) == method
    x = torch.rand(5, 20, dtype=torch.float64)
    fd = _finite_difference_frobenius(model, x)
    per_sample = reg.per_sample(x, model)
    torch.testing.assert_close(per_sample, fd, rtol=1e-4, atol=0)
    torch.testing.assert_close(jacobian_frobenius_exact(model, x), fd, rtol=1e-4, atol=0)
    model.train()
    assert model.loss(x).parts["contractive"].item() == pytest.approx(0.5 * fd.mean().item(), rel=1e-4)


def test_contractive_penalty_gradient_reaches_the_weights():
    for method in ("closed_form", "exact", "hutchinson"):
        model = create_model("contractive", (10,), latent_dim=4, method=method)
        model.loss(torch.rand(3, 10)).parts["contractive"].backward()
        assert model.encoder[1].weight.grad.abs().sum() > 0, method


def test_hutchinson_is_unbiased_within_five_percent():
    """Must show: the penalty averaged over 100 Hutchinson draws is within 5% of the exact one."""
    torch.manual_seed(0)
    model = create_model("contractive", (30,), latent_dim=12, hidden_dims=[24]).double()
    x = torch.rand(8, 30, dtype=torch.float64)
    exact = jacobian_frobenius_exact(model, x).mean()  # the batch penalty
    draws = torch.stack([jacobian_frobenius_hutchinson(model, x) for _ in range(100)])
    assert abs(draws.mean().item() - exact.item()) / exact.item() < 0.05
    single = (draws.mean(1) - exact).abs() / exact  # one draw alone is noticeably noisier
    assert single.mean().item() > abs(draws.mean().item() - exact.item()) / exact.item()
    assert draws.std(0).min().item() > 0  # it is random: single draws differ


def test_auto_method_and_errors():
    assert Contractive().resolve(create_model("contractive", (10,), latent_dim=4)) == "closed_form"
    assert Contractive().resolve(create_model("deep", (10,), latent_dim=4)) == "exact"
    assert Contractive(max_exact=10).resolve(create_model("deep", (10,), latent_dim=4)) == "hutchinson"
    with pytest.raises(ValueError, match="method"):
        Contractive(method="fast")
    reg = Contractive(method="closed_form")
    with pytest.raises(ValueError, match="single sigmoid"):
        reg.per_sample(torch.rand(2, 10), create_model("deep", (10,), latent_dim=4))


@pytest.mark.slow
def test_cae_has_smaller_jacobian_than_plain_ae_on_test_data(digits_flat):
    """Must show: a CAE has a smaller encoder Jacobian norm on held-out data than a plain AE."""
    X = torch.from_numpy(digits_flat[0])
    train, test = X[:1000], X[1400:]
    norms = {}
    for weight in (0.5, 0.0):
        torch.manual_seed(0)
        model = create_model("contractive", (64,), latent_dim=32, weight=weight)
        fit(model, train, _cfg(12))
        norms[weight] = encoder_jacobian(model, test).pow(2).sum(dim=(1, 2)).mean().item()
    assert norms[0.5] < 0.5 * norms[0.0], norms
