import pytest
import torch

from aekit import create_model
from aekit.transforms.corruption import Compose, GaussianNoise, MaskingNoise, SaltAndPepper, make_corruption


def test_gaussian_noise_has_the_asked_std():
    x = torch.zeros(20000, 10)
    assert GaussianNoise(0.3)(x).std().item() == pytest.approx(0.3, rel=0.02)


def test_masking_and_salt_and_pepper_rates():
    x = torch.full((100000,), 0.5)
    assert (MaskingNoise(0.25)(x) == 0).float().mean().item() == pytest.approx(0.25, abs=0.01)
    sp = SaltAndPepper(0.2)(x)
    assert (sp == 0).float().mean().item() == pytest.approx(0.1, abs=0.01)
    assert (sp == 1).float().mean().item() == pytest.approx(0.1, abs=0.01)


def test_fresh_noise_each_call_and_only_in_training():
    model = create_model("deep", (6,), latent_dim=2, corruption={"name": "gaussian", "std": 1.0})
    x = torch.zeros(3, 6)
    model.train()
    assert not torch.equal(model(x).x_in, model(x).x_in)
    model.eval()
    assert torch.equal(model(x).x_in, x)


def test_specs_compose_and_errors():
    c = make_corruption([{"name": "masking", "p": 0.5}, "gaussian"])
    assert isinstance(c, Compose) and len(c.parts) == 2
    assert make_corruption(c.config()).config() == c.config()
    with pytest.raises(ValueError, match="corruption must be one of"):
        make_corruption("blur-ish")
    with pytest.raises(ValueError, match="probability"):
        MaskingNoise(1.5)
