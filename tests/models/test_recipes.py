"""Common tests: every registered recipe, new ones included, without new test code."""

import pytest
import torch

from aekit import TrainConfig, create_model, fit, list_recipes, load_model, save_model
from aekit.models import build_autoencoder, register_recipe

IMAGE = (1, 8, 8)


def _shape_for(name):
    return IMAGE  # every recipe must take images; MLP recipes flatten them


# the convolutional recipes (restoration ones included) and the VAE take 0.2-1.6 s each to train
# here: the slow tier; the MLP and recurrent recipes keep the common test in the fast tier
SLOW_TO_TRAIN = {"colorize", "conv", "conv1d", "denoise", "denoising", "dewatermark", "inpaint", "superres", "vae"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_TO_TRAIN else n
                                  for n in list_recipes()])
def test_recipe_trains_encodes_decodes(name, digits_images):
    X = torch.from_numpy(digits_images[0][:400])
    torch.manual_seed(0)
    model = create_model(name, _shape_for(name))
    before = model.loss(X).total.item()
    history = fit(model, X, TrainConfig(epochs=8, batch_size=64, lr=3e-3, progress=False, early_stopping=None))
    after = history["train_total"][-1]
    assert after < before, f"{name}: loss did not decrease ({before} -> {after})"
    model.eval()
    code = model.encode(X[:5])
    assert code.shape == (5, model.latent_dim)
    if model.input_skip:  # restoration recipes: the output is the input plus a decoded correction
        with pytest.raises(ValueError, match="input_skip"):
            model.decode(code)
    else:
        assert model.decode(code).shape == (5, *IMAGE)
    assert model.reconstruct(X[:5]).shape == (5, *IMAGE)


@pytest.mark.parametrize("name", list_recipes())
def test_recipe_save_load_identical(name, tmp_path):
    model = create_model(name, _shape_for(name), latent_dim=3).eval()
    save_model(model, tmp_path / name)
    loaded = load_model(tmp_path / name)
    x = torch.rand(7, *IMAGE)
    torch.testing.assert_close(loaded.encode(x), model.encode(x), rtol=0, atol=0)
    torch.testing.assert_close(loaded.reconstruct(x), model.reconstruct(x), rtol=0, atol=0)


def test_register_recipe_is_one_function_and_rejects_duplicates():
    @register_recipe("test-tiny")
    def tiny(input_shape, latent_dim=2, **options):
        """A tiny MLP."""
        return build_autoencoder(input_shape, latent_dim, hidden_dims=(4,), architecture="mlp", **options)

    assert "test-tiny" in list_recipes()
    model = create_model("test-tiny", (5,), likelihood="bernoulli")
    # the recipe's own default (latent_dim) is recorded beside the given option
    assert model.spec == {"recipe": "test-tiny", "input_shape": [5], "options": {"latent_dim": 2, "likelihood": "bernoulli"}}
    with pytest.raises(ValueError, match="already registered"):
        register_recipe("test-tiny")(tiny)


def test_create_model_errors():
    with pytest.raises(ValueError, match="recipe must be one of"):
        create_model("nope", (4,))
    with pytest.raises(TypeError, match="unexpected keyword"):
        create_model("deep", (4,), colour="red")
    with pytest.raises(TypeError, match="JSON"):
        create_model("deep", (4,), likelihood=object())
    with pytest.raises(ValueError, match="tied=True"):
        create_model("deep", (4,), tied=True)


def test_overcomplete_and_likelihood_options_combine():
    model = create_model("deep", (6,), latent_dim=20, likelihood={"name": "categorical", "n_levels": 5})
    out = model(torch.rand(3, 6))
    assert out.code.shape == (3, 20) and out.params.shape == (3, 30)


def test_vae_reports_kl_and_samples_only_in_training():
    model = create_model("vae", (6,), latent_dim=2, beta=4.0)
    x = torch.rand(5, 6)
    parts = model.loss(x).parts
    assert set(parts) == {"reconstruction", "kl", "total"}
    model.eval()
    assert torch.equal(model(x).z, model(x).z)
    mu, logvar = model.latent.split(model.encoder(x))
    kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1).mean()
    model.train()
    assert model.loss(x).parts["kl"].item() == pytest.approx(4.0 * kl.item(), rel=1e-5)
