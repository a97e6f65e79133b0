"""Named recipes: ``create_model("deep", input_shape, latent_dim=16)``.

A recipe is a function ``(input_shape, **options) -> AutoencoderModel`` registered under a name.
``create_model`` records the name and options on the model (``model.spec``) so that
:mod:`aekit.io` can rebuild it from JSON without pickling anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from ..nn.shapes import as_shape
from ..registry import Registry, accepted_options
from .autoencoder import AutoencoderModel

Recipe = Callable[..., AutoencoderModel]
RECIPES: Registry[Recipe] = Registry("recipe", spec_hint="")


def register_recipe(name: str) -> Callable[[Recipe], Recipe]:
    """Decorator that registers a recipe under ``name``.

    Examples
    --------
    >>> @register_recipe("my-wide")  # doctest: +SKIP
    ... def my_wide(input_shape, latent_dim=128, **options):
    ...     return build_autoencoder(input_shape, latent_dim, hidden_dims=(1024,), **options)
    """
    return RECIPES.register(name)


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
    model.spec = {"recipe": name, "input_shape": list(shape), "options": spec_options}
    return model
