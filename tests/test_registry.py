"""The one Registry class, every part family on it, and the CLI reading it."""

import pytest
from click.testing import CliRunner

import aekit
from aekit.cli import main
from aekit.cli.types import RegistryChoice
from aekit.registry import Registry, registries

FAMILIES = ["recipe", "likelihood", "latent", "regulariser", "corruption", "augmentation", "method", "backbone"]


class Part:
    """A part for the tests."""

    name = "part"

    def __init__(self, size=1):
        self.size = size


def test_register_get_names_build_and_errors():
    reg = Registry("part", base=Part)
    reg.register(Part)  # by its name attribute
    reg.register("other")(lambda size=2: Part(size))
    assert reg.names() == ["other", "part"] and "part" in reg and len(reg) == 2
    assert reg.build("part").size == 1 and reg.build({"name": "part", "size": 3}).size == 3
    instance = Part(5)
    assert reg.build(instance) is instance
    assert reg.build("other", size=7).size == 7  # defaults fill what the spec leaves out
    assert reg.help("part") == "A part for the tests."
    with pytest.raises(ValueError, match=r"part must be one of \['other', 'part'\] \(or a dict with 'name'\), got 'nope'"):
        reg.get("nope")
    with pytest.raises(ValueError, match="got 3"):
        reg.build(3)
    with pytest.raises(ValueError, match="already registered"):
        reg.register(Part)
    with reg.temporary("extra", Part):
        assert "extra" in reg.names()
    assert "extra" not in reg
    reg.unregister("other")
    assert reg.names() == ["part"]


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_is_one_registry_and_listed(family):
    reg = registries()[family]
    assert isinstance(reg, Registry) and reg.kind in (family, "method") and len(reg) >= 3
    lister = {"recipe": aekit.list_recipes, "method": aekit.list_methods}.get(family) or getattr(aekit, f"list_{family}s")
    assert lister() == reg.names()
    with pytest.raises(ValueError, match=f"{reg.kind} must be one of"):
        reg.get("no-such-part")


def _option_types():
    """(command, option name, RegistryChoice) for every registry-backed option of the CLI."""
    found = []
    for name, command in main.commands.items():
        for param in command.params:
            if isinstance(param.type, RegistryChoice):
                found.append((name, param.name, param.type))
    return found


def test_cli_options_come_from_the_registries_and_accept_every_name():
    found = _option_types()
    families = {t.family for _, _, t in found}
    assert {"recipe", "likelihood", "corruption", "method", "backbone"} <= families
    assert {("train", "recipe"), ("train", "corruption"), ("detect", "recipe"), ("pretrain", "method")} <= {
        (c, p) for c, p, _ in found}
    for command, option, choice in found:
        for name in registries()[choice.family].names():
            assert choice.convert(name, None, None) == name, (command, option, name)
        help_text = CliRunner().invoke(main, [command, "--help"], terminal_width=400).output
        assert all(n in help_text for n in registries()[choice.family].names()), (command, option)


def test_cli_rejects_unknown_names_and_takes_json_specs():
    corruption = RegistryChoice("corruption", allow_json=True)
    assert corruption.convert('{"name": "masking", "p": 0.3}', None, None) == {"name": "masking", "p": 0.3}
    result = CliRunner().invoke(main, ["train", "digits", "--out", "o", "--corruption", "blur"])
    assert result.exit_code == 2 and "corruption must be one of" in result.output and "watermark" in result.output


@pytest.mark.slow
def test_a_recipe_registered_by_a_user_trains_from_the_cli(tmp_path):
    from aekit.models.registry import RECIPES

    def tiny(input_shape, latent_dim=2, **options):
        """A tiny user recipe."""
        return aekit.build_autoencoder(input_shape, latent_dim, architecture="mlp", hidden_dims=(8,), **options)

    with RECIPES.temporary("user-tiny", tiny):
        result = CliRunner().invoke(main, ["train", "digits", "--recipe", "user-tiny", "--epochs", "1",
                                           "--out", str(tmp_path / "run"), "--quiet"])
        assert result.exit_code == 0, result.output
        assert "user-tiny" in CliRunner().invoke(main, ["recipes"]).output
