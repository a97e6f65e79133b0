"""The autoencoder composition, its latent layers and the recipe registry."""

from . import recipes as _recipes  # noqa: F401  (registers the built-in recipes)
from . import recipes_regularised as _recipes_regularised  # noqa: F401  (sparse, denoising, contractive, ...)
from . import recipes_restoration as _recipes_restoration  # noqa: F401  (denoise, inpaint, colorize, ...)
from . import recipes_sequence as _recipes_sequence  # noqa: F401  (lstm, gru, conv1d)
from .autoencoder import AutoencoderModel, ForwardResult, LossOutput
from .latents import DeterministicLatent, GaussianLatent, make_latent
from .latents import TopKLatent
from .recipes import build_autoencoder
from .recipes_sequence import build_sequence_autoencoder
from .registry import create_model, get_recipe, list_recipes, recipe_help, recipe_training_defaults, register_recipe

__all__ = [
    "AutoencoderModel",
    "DeterministicLatent",
    "ForwardResult",
    "GaussianLatent",
    "LossOutput",
    "build_autoencoder",
    "create_model",
    "get_recipe",
    "list_recipes",
    "make_latent",
    "recipe_help",
    "recipe_training_defaults",
    "register_recipe",
]
__all__ += ["TopKLatent"]
__all__ += ["build_sequence_autoencoder"]
