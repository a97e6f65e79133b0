"""aekit: autoencoders and self-supervised representation learning.

The pieces: :mod:`aekit.nn` (blocks sized from the input shape), :mod:`aekit.objectives`
(likelihoods and regularisers), :mod:`aekit.transforms`, :mod:`aekit.models` (the composition and
its recipes), :mod:`aekit.training` (the loop), :mod:`aekit.io` (safe persistence),
:mod:`aekit.data` (loaders), and the scikit-learn estimators.
"""

from ._version import __version__

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

from .estimators import SelfSupervised, describe, load  # noqa: E402  (load: any model folder, by what wrote it)

__all__ += ["SelfSupervised", "describe", "load"]

# The registries of named parts (one Registry class), and their names.
from .registry import (  # noqa: E402
    Registry,
    list_augmentations,
    list_backbones,
    list_corruptions,
    list_latents,
    list_likelihoods,
    list_regularisers,
    registries,
)
from .ssl.base import list_methods  # noqa: E402

__all__ += ["Registry", "list_augmentations", "list_backbones", "list_corruptions", "list_latents",
            "list_likelihoods", "list_methods", "list_regularisers", "registries"]

# Regularised and stacked autoencoders (issue #3).
from .models.finetune import SupervisedModel  # noqa: E402
from .models.geometry import encoder_jacobian, manifold_tangents, score_field  # noqa: E402
from .models.stacked import greedy_pretrain  # noqa: E402
from .estimators.pretrained import PretrainedClassifier  # noqa: E402
from .training.recirculation import train_recirculation  # noqa: E402

__all__ += ["PretrainedClassifier", "SupervisedModel", "encoder_jacobian", "greedy_pretrain", "manifold_tangents",
            "score_field", "train_recirculation"]
from .estimators import AnomalyDetector  # noqa: E402
from .data.table_encoding import TableEncoder  # noqa: E402  (text columns and missing cells of real tables)

__all__ += ["AnomalyDetector", "TableEncoder"]

# Probabilistic autoencoders (issue #4).
from .estimators import VariationalAutoencoder  # noqa: E402
from .training.schedules import KLWarmup  # noqa: E402

__all__ += ["KLWarmup", "VariationalAutoencoder"]

# Sequences and time series (issue #10, part A).
from .estimators import TimeSeriesAnomalyDetector  # noqa: E402
from .models.recipes_sequence import build_sequence_autoencoder  # noqa: E402
from .data.windows import SeriesScaler, make_windows, split_windows, windows_to_steps  # noqa: E402

__all__ += ["SeriesScaler", "TimeSeriesAnomalyDetector", "build_sequence_autoencoder", "make_windows",
            "split_windows", "windows_to_steps"]

# Self-supervised learning on text (issue #10 part B).
from .estimators import MaskedTokenModel, Word2Vec  # noqa: E402

__all__ += ["MaskedTokenModel", "Word2Vec"]

# Named training configurations measured by benchmarks/speed.py (issue #8).
from .runs.presets import list_presets, preset  # noqa: E402

__all__ += ["list_presets", "preset"]
