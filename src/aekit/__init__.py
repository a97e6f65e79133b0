"""aekit: autoencoders and self-supervised representation learning.

The pieces: :mod:`aekit.nn` (blocks sized from the input shape), :mod:`aekit.objectives`
(likelihoods and regularisers), :mod:`aekit.corruption`, :mod:`aekit.models` (the composition and
its recipes), :mod:`aekit.training` (the loop), :mod:`aekit.io` (safe persistence),
:mod:`aekit.data` (loaders), and the scikit-learn estimators.
"""

__version__ = "0.1.0"

from .models import (  # noqa: E402
    AutoencoderModel,
    build_autoencoder,
    create_model,
    list_recipes,
    register_recipe,
)
from .training import TrainConfig, fit  # noqa: E402
from .io import load_model, save_model  # noqa: E402
from .estimators import Autoencoder  # noqa: E402

__all__ = [
    "Autoencoder",
    "AutoencoderModel",
    "TrainConfig",
    "__version__",
    "build_autoencoder",
    "create_model",
    "fit",
    "list_recipes",
    "load_model",
    "register_recipe",
    "save_model",
]
