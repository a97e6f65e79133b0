"""Regularised autoencoders as recipes: sparse, k-sparse, denoising, contractive.

Each recipe only chooses parts for :func:`build_autoencoder`: a regulariser, a corruption or a
latent layer. Every recipe still takes every option of ``build_autoencoder``, so e.g.
``create_model("contractive", shape, corruption="gaussian", regularisers=["l2_weights"])`` is a
denoising contractive autoencoder with weight decay. The ``regularisers`` a caller passes are
*added* to the recipe's own penalty.

Overcomplete codes (``latent_dim`` larger than the input), tied weights (``tied=True`` with a
single layer) and weight decay (``regularisers=[{"name": "l2_weights", ...}]`` or
``TrainConfig(weight_decay=...)``) work with every recipe here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..transforms.corruption import CorruptionSpec
from ..objectives.regularisers import RegulariserSpec
from .autoencoder import AutoencoderModel
from .recipes import build_autoencoder
from .registry import register_recipe


def _single_layer(options: dict[str, Any], code_activation: str | None) -> dict[str, Any]:
    """Defaults of the classic one-hidden-layer regularised autoencoder (callers may override)."""
    return {"architecture": "mlp", "hidden_dims": (), "code_activation": code_activation, **options}


@register_recipe("sparse")
def sparse(
    input_shape, latent_dim: int = 128, weight: float = 1e-3, regularisers: Sequence[RegulariserSpec] = (), **options
) -> AutoencoderModel:
    """Sparse autoencoder: ReLU code with an L1 activity penalty ``weight * sum|h|``; overcomplete by default.

    The subgradient of |h| at 0 is taken as 0. Pass ``hidden_dims`` for a deep encoder.
    """
    regs = [{"name": "l1_activity", "weight": weight}, *regularisers]
    return build_autoencoder(input_shape, latent_dim, regularisers=regs, **_single_layer(options, "relu"))


@register_recipe("sparse-kl")
def sparse_kl(
    input_shape,
    latent_dim: int = 64,
    rho: float = 0.05,
    weight: float = 3.0,
    smoothing: float = 0.0,
    regularisers: Sequence[RegulariserSpec] = (),
    **options,
) -> AutoencoderModel:
    """Sparse autoencoder with a KL(rho || rho_hat) penalty on sigmoid codes (Ng 2011).

    ``rho``: target mean activation; ``weight``: beta; ``smoothing``: momentum of rho_hat across batches.
    """
    regs = [{"name": "kl_sparsity", "weight": weight, "rho": rho, "smoothing": smoothing}, *regularisers]
    return build_autoencoder(input_shape, latent_dim, regularisers=regs, **_single_layer(options, "sigmoid"))


@register_recipe("sparse-topk")
def sparse_topk(input_shape, latent_dim: int = 128, k: int | None = None, **options) -> AutoencoderModel:
    """k-sparse autoencoder (Makhzani & Frey 2014): linear code, only the k largest units kept.

    No penalty weight to tune; sparsity is exactly ``k`` non-zeros per sample (default
    ``latent_dim // 8``).
    """
    k = max(1, latent_dim // 8) if k is None else k
    return build_autoencoder(input_shape, latent_dim, latent={"name": "topk", "k": k}, **_single_layer(options, None))


@register_recipe("denoising")
def denoising(
    input_shape, latent_dim: int = 32, corruption: CorruptionSpec = None, **options
) -> AutoencoderModel:
    """Denoising autoencoder (Vincent et al. 2008): corrupt the input, reconstruct the clean one.

    Default noise: additive Gaussian, std 0.3 (fresh at every step); pass ``corruption`` for masking
    or salt-and-pepper noise. MLP for vectors, convolutional for images.
    """
    corruption = {"name": "gaussian", "std": 0.3} if corruption is None else corruption
    return build_autoencoder(input_shape, latent_dim, corruption=corruption, **options)


@register_recipe("contractive")
def contractive(
    input_shape,
    latent_dim: int = 64,
    weight: float = 0.1,
    method: str = "auto",
    n_projections: int = 1,
    regularisers: Sequence[RegulariserSpec] = (),
    **options,
) -> AutoencoderModel:
    """Contractive autoencoder (Rifai et al. 2011): penalty ``weight * ||J_encoder(x)||_F^2``.

    A single sigmoid layer by default (closed-form penalty); with ``hidden_dims`` the Jacobian is
    computed exactly by autograd or estimated with random projections (``method``).
    """
    reg = {"name": "contractive", "weight": weight, "method": method, "n_projections": n_projections}
    return build_autoencoder(input_shape, latent_dim, regularisers=[reg, *regularisers], **_single_layer(options, "sigmoid"))
