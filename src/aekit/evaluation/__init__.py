"""Evaluation: downstream probes of learned representations, metrics, and NAB time-series scoring."""

from .collapse import effective_rank
from .finetune import FinetuneResult, finetune_probe
from .latent import encode_dataset, latent_scatter, nearest_neighbours
from .likelihood import elbo, iwae_bound
from .nab import (
    NAB_PROFILES,
    NABFileScore,
    NABGroupScore,
    NABProfile,
    NABReport,
    NABSeries,
    nab_optimal_threshold,
    nab_score,
    nab_score_file,
)
from .nab_io import (
    read_nab_labels,
    read_nab_profiles,
    read_nab_results,
    read_nab_series,
)
from .probes import extract_features, fine_tune, knn_probe, label_subset, linear_probe

__all__ = [
    "NAB_PROFILES",
    "NABFileScore",
    "NABGroupScore",
    "NABProfile",
    "NABReport",
    "NABSeries",
    "FinetuneResult",
    "effective_rank",
    "elbo",
    "encode_dataset",
    "extract_features",
    "fine_tune",
    "finetune_probe",
    "iwae_bound",
    "knn_probe",
    "label_subset",
    "latent_scatter",
    "linear_probe",
    "nab_optimal_threshold",
    "nab_score",
    "nab_score_file",
    "nearest_neighbours",
    "read_nab_labels",
    "read_nab_profiles",
    "read_nab_results",
    "read_nab_series",
]
