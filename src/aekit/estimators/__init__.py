"""scikit-learn estimators."""

from .autoencoder import Autoencoder

__all__ = ["Autoencoder"]
