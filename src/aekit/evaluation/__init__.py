"""Evaluation: downstream probes of learned representations (and other metrics)."""

from .latent import encode_dataset, latent_scatter, nearest_neighbours
from .likelihood import elbo, iwae_bound
from .probes import extract_features, fine_tune, knn_probe, label_subset, linear_probe

__all__ = [
    "elbo",
    "encode_dataset",
    "iwae_bound",
    "latent_scatter",
    "nearest_neighbours",
    "extract_features",
    "fine_tune",
    "knn_probe",
    "label_subset",
    "linear_probe",
]
