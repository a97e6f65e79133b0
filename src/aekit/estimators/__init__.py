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
from .timeseries import TimeSeriesAnomalyDetector  # noqa: E402

__all__ += ["TimeSeriesAnomalyDetector"]
from .streaming import StreamingAnomalyDetector  # noqa: E402

__all__ += ["StreamingAnomalyDetector"]
from .word2vec import Word2Vec  # noqa: E402
from .masked_lm import MaskedTokenModel  # noqa: E402

__all__ += ["MaskedTokenModel", "Word2Vec"]

# Every estimator class, by the name its model folders record (aekit.load reads any of them).
from .base import ESTIMATORS, describe, load, register_estimator  # noqa: E402

for _cls in (Autoencoder, VariationalAutoencoder, AnomalyDetector, TimeSeriesAnomalyDetector, SelfSupervised,
             PretrainedClassifier, Word2Vec, MaskedTokenModel):
    register_estimator(_cls)
__all__ += ["ESTIMATORS", "describe", "load", "register_estimator"]
