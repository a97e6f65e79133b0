"""Ready paths from data to result: image restoration and learned compression.

Anomaly detection lives in :class:`aekit.AnomalyDetector`; the metrics in :mod:`aekit.evaluation.metrics`.
"""

from .classical import classical_methods, classical_restore, evaluate_classical, select_classical
from .compression import CompressionReport, UniformQuantizer, autoencoder_codec, compress, pca_codec, rate_distortion
from .restoration import corrupt_images, evaluate_restoration, restore, save_restoration_figure

__all__ = [
    "CompressionReport",
    "UniformQuantizer",
    "autoencoder_codec",
    "classical_methods",
    "classical_restore",
    "compress",
    "corrupt_images",
    "evaluate_classical",
    "evaluate_restoration",
    "pca_codec",
    "rate_distortion",
    "restore",
    "save_restoration_figure",
    "select_classical",
]
