"""aekit: autoencoders and self-supervised representation learning.

The public names, by concept (docs/architecture.md shows where each lives):

- **estimators** (scikit-learn API): ``Autoencoder``, ``VariationalAutoencoder``,
  ``AnomalyDetector``, ``TimeSeriesAnomalyDetector``, ``SelfSupervised``, ``PretrainedClassifier``,
  ``Word2Vec``, ``MaskedTokenModel``; ``load`` reads any model folder, ``describe`` summarises it;
- **models** (PyTorch): ``AutoencoderModel``, ``create_model``, ``build_autoencoder``,
  ``build_sequence_autoencoder``, ``SupervisedModel``, ``greedy_pretrain``, geometry tools;
- **parts and registries**: ``Registry``, ``registries``, ``register_recipe``, ``register_backbone`` and the ``list_*``
  functions of every family;
- **training**: ``fit``, ``TrainConfig``, ``KLWarmup``, ``train_recirculation``, ``preset``;
- **data**: ``TableEncoder``, series windows (``make_windows``, ``SeriesScaler``, ...);
- **saving**: ``save_model``, ``load_model`` (bare models; estimators have ``save``/``load``);
  ``export`` writes an encoder, decoder or whole autoencoder as ONNX or a ``torch.export`` program.
"""

from . import _numerics  # noqa: F401  (first: MKL's reproducible mode, before any matrix product)
from ._version import __version__

# -- estimators (scikit-learn API) ------------------------------------------------------------------
from .estimators import (
    AnomalyDetector,
    Autoencoder,
    MaskedTokenModel,
    PretrainedClassifier,
    SelfSupervised,
    TimeSeriesAnomalyDetector,
    VariationalAutoencoder,
    Word2Vec,
    describe,
    load,
)

# -- models (PyTorch) -------------------------------------------------------------------------------
from .models import AutoencoderModel, build_autoencoder, create_model
from .models.finetune import SupervisedModel
from .models.geometry import encoder_jacobian, manifold_tangents, score_field
from .models.recipes_sequence import build_sequence_autoencoder
from .models.stacked import greedy_pretrain

# -- parts and their registries -------------------------------------------------------------------
from .models import list_recipes, register_recipe
from .registry import (
    Registry,
    list_augmentations,
    list_backbones,
    list_corruptions,
    list_latents,
    list_likelihoods,
    list_regularisers,
    registries,
)
from .ssl.backbones import register_backbone
from .ssl.base import list_methods

# -- training -------------------------------------------------------------------------------------
from .training import TrainConfig, fit
from .training.recirculation import train_recirculation
from .training.schedules import KLWarmup
from .runs.presets import list_presets, preset

# -- data -----------------------------------------------------------------------------------------
from .data.table_encoding import TableEncoder
from .data.windows import SeriesScaler, make_windows, split_windows, windows_to_steps

# -- saving bare models ---------------------------------------------------------------------------
from .io import load_model, save_model
from .io.export import export

__all__ = [
    "__version__",
    # estimators
    "AnomalyDetector", "Autoencoder", "MaskedTokenModel", "PretrainedClassifier", "SelfSupervised",
    "TimeSeriesAnomalyDetector", "VariationalAutoencoder", "Word2Vec", "describe", "load",
    # models
    "AutoencoderModel", "SupervisedModel", "build_autoencoder", "build_sequence_autoencoder", "create_model",
    "encoder_jacobian", "greedy_pretrain", "manifold_tangents", "score_field",
    # parts and registries
    "Registry", "list_augmentations", "list_backbones", "list_corruptions", "list_latents", "list_likelihoods",
    "list_methods", "list_recipes", "list_regularisers", "register_backbone", "register_recipe", "registries",
    # training
    "KLWarmup", "TrainConfig", "fit", "list_presets", "preset", "train_recirculation",
    # data
    "SeriesScaler", "TableEncoder", "make_windows", "split_windows", "windows_to_steps",
    # saving and export
    "export", "load_model", "save_model",
]
