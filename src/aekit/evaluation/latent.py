"""Latent-space tools for any autoencoder: encode a data set, look at it, search it.

They take an :class:`~aekit.models.AutoencoderModel` (data in model space) or a fitted
scikit-learn estimator such as :class:`aekit.Autoencoder` (data in input units).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from ..models.blockwise import infer_rows


def encode_dataset(model, X, *, condition=None, batch_size: int = 1024) -> np.ndarray:
    """Codes of every sample of X, shape (n, latent_dim): posterior means for a VAE.

    Examples
    --------
    >>> from aekit import create_model
    >>> encode_dataset(create_model("deep", (6,), latent_dim=2), np.zeros((5, 6))).shape
    (5, 2)
    """
    if hasattr(model, "transform") and hasattr(model, "model_"):  # a fitted estimator
        return np.asarray(model.transform(X))
    if not hasattr(model, "encode") or not hasattr(model, "input_shape"):
        raise TypeError(f"model must be an AutoencoderModel or a fitted aekit estimator, got {type(model).__name__}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    x = torch.as_tensor(np.asarray(X) if not isinstance(X, torch.Tensor) else X, dtype=torch.float32)
    x = x.reshape(len(x), *model.input_shape)
    if condition is not None:
        condition = torch.as_tensor(np.asarray(condition))
    # fixed blocks of batch_size rows: a sample's code does not depend on the others encoded with it
    return infer_rows(model.encode, x, condition, module=model, block=batch_size).float().numpy()


def nearest_neighbours(codes: np.ndarray, queries: np.ndarray, k: int = 5, metric: str = "euclidean"):
    """Indices (and distances) of the ``k`` codes closest to each query code.

    Returns ``(indices, distances)``, each of shape (n_queries, k), nearest first.

    Examples
    --------
    >>> codes = np.array([[0.0, 0], [1, 0], [5, 5]])
    >>> nearest_neighbours(codes, np.array([[0.9, 0.1]]), k=2)[0]
    array([[1, 0]])
    """
    from sklearn.neighbors import NearestNeighbors

    codes, queries = np.asarray(codes), np.asarray(queries)
    if codes.ndim != 2 or queries.ndim != 2 or codes.shape[1] != queries.shape[1]:
        raise ValueError(f"codes and queries must be 2-D with the same width, got {codes.shape} and {queries.shape}")
    if not isinstance(k, int) or not 1 <= k <= len(codes):
        raise ValueError(f"k must be an int in [1, {len(codes)}], got {k!r}")
    distances, indices = NearestNeighbors(n_neighbors=k, metric=metric).fit(codes).kneighbors(queries)
    return indices, distances


def latent_scatter(
    model, X, path: str | os.PathLike, labels=None, *, method: str = "pca", title: str = "Latent space"
) -> Path:
    """Encode X and save a 2-D scatter coloured by ``labels`` (PCA or t-SNE when the code is wider).

    Examples
    --------
    >>> import os, tempfile
    >>> from aekit import create_model
    >>> X, y = np.random.default_rng(0).random((60, 6)), np.arange(60) % 3
    >>> model = create_model("deep", (6,), latent_dim=4)  # or a fitted estimator
    >>> latent_scatter(model, X, os.path.join(tempfile.mkdtemp(), "latent.png"), labels=y).name  # or method="tsne"
    'latent.png'
    """
    from ..viz import plot_latent_scatter

    return plot_latent_scatter(encode_dataset(model, X), path, labels=labels, method=method, title=title)
