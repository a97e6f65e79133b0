"""scikit-learn estimators."""

from .autoencoder import Autoencoder
from .ssl import SelfSupervised

__all__ = ["Autoencoder", "SelfSupervised"]
from .pretrained import PretrainedClassifier  # noqa: E402

__all__ += ["PretrainedClassifier"]
from .anomaly import AnomalyDetector  # noqa: E402

__all__ += ["AnomalyDetector"]
from .vae import VariationalAutoencoder  # noqa: E402

__all__ += ["VariationalAutoencoder"]
