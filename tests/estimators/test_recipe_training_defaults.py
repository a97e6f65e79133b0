"""A recipe's own training defaults: used where the estimator's parameter is "auto", never over a
user's value; and the linear recipe reaching PCA's subspace with them."""

import numpy as np
import pytest
from scipy.linalg import subspace_angles
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

import aekit
from aekit.models import build_autoencoder, recipe_training_defaults, register_recipe
from aekit.models.registry import RECIPES


@pytest.fixture
def cautious_recipe():
    """A recipe registered with training defaults for the length of one test."""

    @register_recipe("test-cautious", training_defaults={"lr": 3e-4, "validation_split": 0.0, "early_stopping": None})
    def cautious(input_shape, latent_dim=2, **options):
        """A tiny MLP that wants a small step size."""
        return build_autoencoder(input_shape, latent_dim, hidden_dims=(4,), architecture="mlp", **options)

    yield "test-cautious"
    RECIPES.unregister("test-cautious")


def test_auto_parameters_take_the_recipes_defaults_and_a_given_value_wins(cautious_recipe):
    ae = aekit.Autoencoder(cautious_recipe, epochs=2, device="cpu", random_state=0)
    assert ae.get_params()["lr"] == "auto" and ae.get_params()["validation_split"] == "auto"
    assert ae.training_options() == {"batch_size": 128, "lr": 3e-4, "optimizer": "adam", "scheduler": None,
                                     "validation_split": 0.0, "early_stopping": None}
    ae.fit(np.random.default_rng(0).random((40, 5)))
    assert [r["lr"] for r in ae.history_.records] == [3e-4, 3e-4]
    assert "val_total" not in ae.history_.records[-1]  # the recipe's validation_split=0: no held-out rows

    mine = aekit.Autoencoder(cautious_recipe, epochs=2, lr=0.01, validation_split=0.25, device="cpu", random_state=0)
    mine.fit(np.random.default_rng(0).random((40, 5)))
    assert mine.history_.records[-1]["lr"] == 0.01 and "val_total" in mine.history_.records[-1]
    # clone keeps "auto" (it is the parameter), so a clone resolves it again with its own recipe
    assert clone(ae).get_params()["lr"] == "auto"
    assert clone(ae).set_params(recipe="deep").training_options()["lr"] == 1e-3


def test_the_linear_recipe_declares_full_batch_training_without_validation():
    defaults = recipe_training_defaults("linear")
    assert defaults["validation_split"] == 0.0 and defaults["early_stopping"] is None
    ae = aekit.Autoencoder("linear", 2, epochs=1, device="cpu").fit(np.random.default_rng(0).random((30, 4)))
    assert ae.history_.records[-1]["lr"] == pytest.approx(defaults["lr"])
    assert "val_total" not in ae.history_.records[-1]
    assert recipe_training_defaults("deep") == {}


def test_optimizer_given_as_a_dict_passes_its_options():
    ae = aekit.Autoencoder("deep", 2, hidden_dims=(3,), epochs=1, optimizer={"name": "sgd", "momentum": 0.5},
                           device="cpu", random_state=0)
    assert ae.training_options()["optimizer"] == {"name": "sgd", "momentum": 0.5}
    assert ae._train_config(0).optimizer_options == {"momentum": 0.5}
    with pytest.raises(ValueError, match="optimizer must be a name"):
        aekit.Autoencoder(optimizer={"betas": [0.9, 0.9]}, epochs=1).fit(np.random.rand(20, 3))


@pytest.mark.parametrize("defaults, message", [
    ({"epochs": 5}, r"may set \['batch_size'"),
    ({"lr": -1.0}, "lr must be a positive number"),
    ({"validation_split": 1.5}, r"validation_split must be in \[0, 1\)"),
    ({"optimizer": {"betas": [0.9, 0.9]}}, "optimizer must be a name"),
])
def test_register_recipe_rejects_bad_training_defaults(defaults, message):
    with pytest.raises(ValueError, match=message):
        register_recipe("test-bad-defaults", training_defaults=defaults)
    assert "test-bad-defaults" not in RECIPES


@pytest.mark.slow
@pytest.mark.parametrize("k", [3, 9, 13])  # 9 and 13: the smallest eigenvalue gaps of digits up to 16
def test_linear_recipe_with_default_training_reaches_pcas_subspace(k):
    """A user's ``Autoencoder("linear", k, epochs=300)``, every other option at its default, spans
    the principal subspace of PCA fitted on the same rows (RESULTS.md, "linear recipe")."""
    X = StandardScaler().fit_transform(load_digits().data)
    ae = aekit.Autoencoder("linear", k, epochs=300, device="cpu", random_state=0).fit(X)
    components = PCA(k).fit((X - ae.offset_) / ae.scale_).components_.T
    decoder = ae.model_.decoder[0].weight.detach().double().numpy()
    angle = np.degrees(subspace_angles(decoder, components)).max()
    assert angle < 1.0, f"k={k}: largest principal angle {angle:.3f} degrees"
