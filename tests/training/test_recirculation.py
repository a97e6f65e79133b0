"""Recirculation (Hinton & McClelland 1988) learns without gradients."""

import pytest
import torch

from aekit import create_model
from aekit.models import build_autoencoder
from aekit.training.recirculation import train_recirculation


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_recirculation_reduces_reconstruction_error_on_digits(digits_flat):
    X = torch.from_numpy(digits_flat[0][:1000])
    model = build_autoencoder((64,), 24, hidden_dims=(), architecture="mlp", code_activation="sigmoid",
                              likelihood="bernoulli")
    start = (model.eval().reconstruct(X) - X).pow(2).mean().item()
    hist = train_recirculation(model, X, epochs=15, lr=0.5)
    end = (model.reconstruct(X) - X).pow(2).mean().item()
    assert hist["train_mse"][-1] == pytest.approx(end, rel=1e-5)
    assert end < 0.5 * start, (start, end)
    assert all(p.grad is None for p in model.parameters())  # no backpropagation involved


def test_recirculation_rejects_deep_models():
    with pytest.raises(ValueError, match="single-hidden-layer"):
        train_recirculation(create_model("deep", (8,)), torch.rand(4, 8))
    with pytest.raises(ValueError, match="lam"):
        train_recirculation(create_model("sparse-kl", (8,)), torch.rand(4, 8), lam=1.0)
