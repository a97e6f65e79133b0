"""Named recipes: ``create_model("deep", input_shape, latent_dim=16)``.

A recipe is a function ``(input_shape, **options) -> AutoencoderModel`` registered under a name.
``create_model`` records the name and options on the model (``model.spec``) so that
:mod:`aekit.io` can rebuild it from JSON without pickling anything.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from ..nn.shapes import as_shape
from ..registry import Registry, accepted_options, json_defaults
from ..training.config import TrainConfig, optimizer_spec
from .autoencoder import AutoencoderModel

Recipe = Callable[..., AutoencoderModel]
RECIPES: Registry[Recipe] = Registry("recipe", spec_hint="")

#: The training options a recipe may choose defaults for. The estimator's parameters of these
#: names default to "auto": the recipe's value, else :class:`aekit.TrainConfig`'s.
RECIPE_TRAINING_OPTIONS = ("batch_size", "lr", "optimizer", "scheduler", "validation_split", "early_stopping")


def register_recipe(name: str, *, training_defaults: Mapping[str, Any] | None = None) -> Callable[[Recipe], Recipe]:
    """Decorator that registers a recipe under ``name``.

    ``training_defaults`` are the recipe's own values of some of :data:`RECIPE_TRAINING_OPTIONS`
    (e.g. ``{"validation_split": 0.0}``), for a model that trains best otherwise than the
    shared defaults. :class:`aekit.Autoencoder` uses them for the parameters a user left at
    "auto"; a value the user gives always wins.

    Examples
    --------
    >>> @register_recipe("my-wide", training_defaults={"lr": 3e-4})  # doctest: +SKIP
    ... def my_wide(input_shape, latent_dim=128, **options):
    ...     return build_autoencoder(input_shape, latent_dim, hidden_dims=(1024,), **options)
    """
    defaults = _checked_training_defaults(name, training_defaults or {})

    def add(recipe: Recipe) -> Recipe:
        RECIPES.register(name, recipe)
        if defaults:  # kept on the function, so that the defaults leave the registry with it
            recipe.training_defaults = MappingProxyType(defaults)
        return recipe

    return add


def _checked_training_defaults(name: str, defaults: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(defaults, Mapping):
        raise TypeError(f"training_defaults of recipe {name!r} must be a dict, got {type(defaults).__name__}")
    unknown = sorted(set(defaults) - set(RECIPE_TRAINING_OPTIONS))
    if unknown:
        raise ValueError(f"training_defaults of recipe {name!r} may set {list(RECIPE_TRAINING_OPTIONS)}, "
                         f"not {unknown}")
    try:  # the config's own checks, each naming its option
        config = {k: v for k, v in defaults.items() if k != "optimizer"}
        if "optimizer" in defaults:
            config["optimizer"], config["optimizer_options"] = optimizer_spec(defaults["optimizer"])
        TrainConfig(**config)
    except ValueError as err:
        raise ValueError(f"training_defaults of recipe {name!r}: {err}") from None
    return dict(defaults)


def recipe_training_defaults(name: str) -> dict[str, Any]:
    """The training options recipe ``name`` chooses for itself (empty for most recipes).

    Examples
    --------
    >>> recipe_training_defaults("deep")
    {}
    """
    return dict(getattr(get_recipe(name), "training_defaults", {}))


def list_recipes() -> list[str]:
    """Names of all registered recipes."""
    return RECIPES.names()


def recipe_help(name: str) -> str:
    """First paragraph of a recipe's docstring."""
    return RECIPES.help(name)


def get_recipe(name: str) -> Recipe:
    return RECIPES.get(name)


def _jsonable(options: dict[str, Any]) -> dict[str, Any]:
    """Tuples become lists (as JSON would make them); anything not JSON-able is an error."""
    try:
        return json.loads(json.dumps(options))
    except TypeError as err:
        raise TypeError(
            f"recipe options must be JSON-serialisable (numbers, strings, lists, dicts) so the model "
            f"can be saved: {err}. Build an AutoencoderModel directly to use module instances."
        ) from None


def recipe_options(recipe: Recipe, err: TypeError | None = None) -> list[str]:
    """The options a recipe takes: its own, and, when it passes ``**options`` on to a builder
    (``build_autoencoder``, ``build_sequence_autoencoder``, ...), the builder's. ``err`` is the
    TypeError the builder raised, which names it."""
    return accepted_options(recipe, err)


def create_model(name: str, input_shape: int | Sequence[int], **options: Any) -> AutoencoderModel:
    """Build the autoencoder that recipe ``name`` describes for data of ``input_shape``.

    Examples
    --------
    >>> model = create_model("deep", (64,), latent_dim=8)
    >>> model.latent_dim
    8
    """
    recipe = get_recipe(name)
    shape = as_shape(input_shape)
    spec_options = _jsonable(options)
    try:
        model = recipe(shape, **options)
    except TypeError as err:
        raise TypeError(f"recipe {name!r}: {err}; its options are {recipe_options(recipe, err)}") from None
    model.spec = {"recipe": name, "input_shape": list(shape), "options": {**pinned_defaults(recipe), **spec_options}}
    return model


def pinned_defaults(recipe: Recipe) -> dict[str, Any]:
    """The defaults of the recipe's own keyword options, as JSON, recorded in every model's spec
    so that a saved model rebuilds as it was trained even after a recipe's default changes.

    Only the recipe's own signature is read: options it passes on through ``**options`` keep
    the builder's default, which a recipe may replace in its body (``linear`` sets
    ``hidden_dims=()``), so recording the builder's value could rebuild another network.

    Examples
    --------
    >>> pinned_defaults(get_recipe("deep"))
    {'latent_dim': 32, 'hidden_dims': [256, 128]}
    """
    options = list(inspect.signature(recipe).parameters.values())[1:]  # the first is the input shape
    return json_defaults({p.name: p.default for p in options if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)})
