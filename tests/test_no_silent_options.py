"""No option is silently ignored: over every registered recipe, SSL method and backbone, an option
the part does not take is an error that names the ones it does, and an option a recipe accepts
changes the network it builds (or is refused for that network)."""

import pytest
from click.testing import CliRunner

from aekit.cli import main
from aekit.models import create_model, list_recipes
from aekit.models.registry import get_recipe, recipe_options
from aekit.ssl import create_method
from aekit.ssl.backbones import BACKBONES, make_backbone
from aekit.ssl.base import METHODS, method_options

SEQUENCE_RECIPES = {"conv1d", "lstm", "gru"}
IMAGE_RECIPES = {"conv", "denoise", "inpaint", "colorize", "superres", "dewatermark"}
#: Non-default values of the options that shape a network; each must change it or be refused.
STRUCTURAL = {"hidden_dims": [7], "channels": [4, 6], "kernel_size": 3, "dropout": 0.5, "bidirectional": True,
              "batch_norm": True, "activation": "tanh", "code_activation": "softplus"}


def _shape(recipe: str) -> tuple[int, ...]:
    if recipe in SEQUENCE_RECIPES:
        return (16, 3)
    if recipe in IMAGE_RECIPES:
        return (3, 8, 8)
    return (64,)


def _signature(model) -> tuple:
    return repr(model), tuple((k, tuple(v.shape)) for k, v in model.state_dict().items())


@pytest.mark.parametrize("recipe", list_recipes())
def test_an_unknown_recipe_option_names_the_valid_ones(recipe):
    with pytest.raises((TypeError, ValueError)) as info:
        create_model(recipe, _shape(recipe), latent_dim=4, not_an_option=1)
    message = str(info.value)
    assert "not_an_option" in message and "its options are" in message
    assert "latent_dim" in message  # the valid options are listed, the builder's too


@pytest.mark.parametrize("recipe", list_recipes())
def test_every_structural_option_changes_the_network_or_is_refused(recipe):
    shape = _shape(recipe)
    default = _signature(create_model(recipe, shape, latent_dim=4))
    accepted = recipe_options(get_recipe(recipe), TypeError("build_autoencoder() got an unexpected keyword argument"))
    accepted += recipe_options(get_recipe(recipe),
                               TypeError("build_sequence_autoencoder() got an unexpected keyword argument"))
    for name, value in STRUCTURAL.items():
        if name not in accepted:
            continue
        try:
            model = create_model(recipe, shape, latent_dim=4, **{name: value})
        except (TypeError, ValueError) as err:
            assert name in str(err) or "hidden" in str(err), (recipe, name, err)  # the refusal names the option
            continue
        assert _signature(model) != default, f"recipe {recipe!r} accepted {name}={value!r} and ignored it"


@pytest.mark.parametrize("method", METHODS.names())
def test_an_unknown_method_option_names_the_valid_ones(method):
    valid = method_options(method)
    assert "backbone" in valid
    with pytest.raises(ValueError, match="not_an_option") as info:
        create_method(method, (3, 16, 16), not_an_option=1)
    assert f"its options are {valid}" in str(info.value)


@pytest.mark.parametrize("backbone", BACKBONES.names())
def test_an_unknown_backbone_option_names_the_valid_ones(backbone):
    with pytest.raises(ValueError, match="not_an_option") as info:
        make_backbone((3, 16, 16), backbone, {"not_an_option": 1})
    assert "its options are [" in str(info.value)


def test_linear_and_single_layer_recipes_refuse_hidden_layer_options():
    for recipe in ("linear", "sparse", "contractive"):
        for option in ({"dropout": 0.2}, {"batch_norm": True}, {"activation": "tanh"}):
            with pytest.raises(ValueError, match="hidden layers"):
                create_model(recipe, (64,), latent_dim=4, **option)
    create_model("sparse", (64,), latent_dim=4, hidden_dims=[32], dropout=0.2)  # fine with a hidden layer


def test_recurrent_recipes_refuse_an_activation():
    with pytest.raises(ValueError, match="activation is an option of the conv1d recipe"):
        create_model("lstm", (16, 3), latent_dim=4, activation="tanh")


@pytest.mark.parametrize(("command", "extra"), [
    (["train", "digits", "--recipe", "linear", "--epochs", "1"], "its options are"),
    (["pretrain", "digits", "--method", "rotation", "--epochs", "1"], "its options are"),
])
def test_the_cli_lists_the_real_options(tmp_path, command, extra):
    result = CliRunner().invoke(main, [*command, "--out", str(tmp_path / "o"), "--option", "not_an_option=1"])
    assert result.exit_code == 2 and "not_an_option" in result.output and extra in result.output, result.output
    assert not (tmp_path / "o").exists()
