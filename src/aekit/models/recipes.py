"""The built-in recipes. Each is a few lines that pick parts for :func:`build_autoencoder`.

Every recipe accepts the options of :func:`build_autoencoder` (likelihood, corruption,
regularisers, activation, ...), so any recipe can be made denoising, sparse or Bernoulli by
passing one more option; the named recipes only choose good defaults.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from torch import nn

from ..transforms.corruption import CorruptionSpec
from ..nn import ConvDecoder, ConvEncoder, MLPDecoder, MLPEncoder, PCAExpansion, PCAProjection, TiedDecoder, is_image_shape
from ..objectives.likelihoods import make_likelihood
from ..objectives.regularisers import RegulariserSpec
from .autoencoder import AutoencoderModel
from .latents import make_latent
from .registry import register_recipe

ARCHITECTURES = ("auto", "mlp", "conv")


def build_autoencoder(
    input_shape: Sequence[int],
    latent_dim: int = 32,
    *,
    architecture: str = "auto",
    hidden_dims: Sequence[int] | None = None,
    channels: Sequence[int] | None = None,
    activation: str | None = None,
    code_activation: str | None = None,
    likelihood: str | dict[str, Any] = "gaussian",
    latent: str | dict[str, Any] | None = None,
    corruption: CorruptionSpec = None,
    regularisers: Sequence[RegulariserSpec] = (),
    tied: bool = False,
    dropout: float = 0.0,
    batch_norm: bool = False,
    n_conditions: int = 0,
    input_skip: bool = False,
    input_pca: int | None = None,
    augment: str | list[dict[str, Any]] | None = None,
) -> AutoencoderModel:
    """Assemble encoder, decoder and loss parts sized from ``input_shape``.

    Parameters
    ----------
    input_shape : tuple of int
        ``(features,)`` for vectors or ``(channels, height, width)`` for images.
    latent_dim : int
        Code size; larger than the input gives an overcomplete autoencoder.
    architecture : {"auto", "mlp", "conv"}
        ``"auto"`` picks ``"conv"`` for images and ``"mlp"`` otherwise.
    hidden_dims : sequence of int, optional
        MLP encoder widths (the decoder mirrors them; default ``(256, 128)``); ``()`` gives a
        single-layer autoencoder. MLP only: a convolutional network refuses it.
    channels : sequence of int, optional
        Convolutional encoder channels, one stride-2 stage each (the decoder mirrors them;
        default ``(32, 64)``). Convolutional only: an MLP refuses it.
    activation, code_activation : str
        Hidden activation (default ``"relu"``; an error for a network without hidden layers) and
        the activation applied to the code (e.g. ``"sigmoid"``).
    likelihood, latent, corruption, regularisers
        See :class:`AutoencoderModel`.
    tied : bool
        Decoder uses the transpose of the encoder weight; needs ``hidden_dims=()`` and an MLP.
    dropout, batch_norm
        Optional extras: dropout for MLPs only (a convolutional network refuses ``dropout > 0``),
        batch norm for both.
    n_conditions : int
        Size of a label joined to encoder and decoder inputs (conditional VAE; see
        :mod:`aekit.models.conditioning`). Class labels are one-hot encoded over ``n_conditions``.
    input_skip : bool
        Decoder output added to the input: the network learns a correction (see
        :class:`AutoencoderModel`); the restoration recipes use it.
    input_pca : int, optional
        MLP only: the network works on the training data's top ``input_pca`` principal-component
        coordinates (a fixed projection fitted before training, see :mod:`aekit.nn.pca`) and the
        decoder maps back to the input space. Cheaper and, on images, faster to converge; needs
        the Gaussian likelihood. The reconstruction stays in that subspace.
    augment : str or list of dict, optional
        Training-time data augmentation of input and target alike (see :class:`AutoencoderModel`).
    """
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}")
    if architecture == "auto":
        architecture = "conv" if is_image_shape(input_shape) else "mlp"
    # An option the chosen network has no use for is an error, never silently dropped.
    ignored = ([name for name, given in (("hidden_dims", hidden_dims is not None), ("dropout", bool(dropout)))
                if given] if architecture == "conv" else (["channels"] if channels is not None else []))
    if ignored:
        other = "an MLP (architecture='mlp')" if architecture == "conv" else "a convolutional network (architecture='conv')"
        raise ValueError(f"{ignored[0]} is an option of {other}, not of the {architecture!r} network this recipe "
                         f"builds for input_shape {tuple(input_shape)}; leave it out or change the architecture")
    hidden_dims = (256, 128) if hidden_dims is None else hidden_dims
    if architecture == "mlp" and len(hidden_dims) == 0:  # one layer each way: nothing hidden to act on
        unused = [name for name, given in (("activation", activation is not None), ("dropout", bool(dropout)),
                                           ("batch_norm", bool(batch_norm))) if given]
        if unused:
            raise ValueError(f"{unused[0]} acts on hidden layers, and this network has none (hidden_dims=()); "
                             f"leave it out, or give hidden_dims, e.g. hidden_dims=[128]")
    activation = "relu" if activation is None else activation
    channels = (32, 64) if channels is None else channels
    lik = make_likelihood(likelihood)
    lat = make_latent(latent)
    enc_out = latent_dim * lat.n_params
    # A condition widens the encoder input (channels or features) and the decoder input.
    n_cond = n_conditions if isinstance(n_conditions, int) and n_conditions > 0 else 0
    dec_in = latent_dim + n_cond
    if architecture == "conv":
        if tied:
            raise ValueError("tied=True needs architecture='mlp' with hidden_dims=()")
        enc_shape = (input_shape[0] + n_cond, *input_shape[1:])
        if input_pca is not None:
            raise ValueError("input_pca needs an MLP (architecture='mlp'), not a convolutional network")
        encoder = ConvEncoder(enc_shape, enc_out, channels, activation, code_activation, batch_norm)
        decoder = ConvDecoder(dec_in, input_shape, channels[::-1], activation, lik.n_params, batch_norm)
    elif input_pca is not None:
        encoder, decoder = _pca_mlp(input_shape, input_pca, enc_out, dec_in, hidden_dims, activation, code_activation,
                                    dropout, batch_norm, lik, n_cond, tied)
    else:
        enc_shape = (math.prod(input_shape) + n_cond,) if n_cond else input_shape
        encoder = MLPEncoder(enc_shape, enc_out, hidden_dims, activation, code_activation, dropout, batch_norm)
        if tied and n_cond:
            raise ValueError("tied=True cannot be combined with n_conditions > 0")
        if tied:
            if hidden_dims or lik.n_params != 1 or lat.n_params != 1:
                raise ValueError(
                    "tied=True needs a single-layer autoencoder (hidden_dims=()), a one-parameter "
                    "likelihood (gaussian or bernoulli) and a deterministic latent"
                )
            decoder = TiedDecoder(encoder[1], input_shape)
        else:
            decoder = MLPDecoder(
                dec_in, input_shape, tuple(hidden_dims)[::-1], activation, lik.n_params, dropout, batch_norm
            )
    return AutoencoderModel(
        encoder,
        decoder,
        input_shape=input_shape,
        latent_dim=latent_dim,
        likelihood=lik,
        latent=lat,
        corruption=corruption,
        regularisers=regularisers,
        n_conditions=n_conditions,
        condition_as="channels" if architecture == "conv" else "features",
        input_skip=input_skip,
        augment=augment,
    )


def _pca_mlp(input_shape, k, enc_out, dec_in, hidden_dims, activation, code_activation, dropout, batch_norm, lik,
             n_cond, tied) -> tuple[nn.Module, nn.Module]:
    """Encoder ``PCAProjection -> MLP`` and decoder ``MLP -> PCAExpansion`` sharing one basis."""
    if lik.name != "gaussian":
        raise ValueError(f"input_pca needs likelihood='gaussian' (squared error in the input space), got {lik.name!r}")
    if n_cond or tied:
        raise ValueError("input_pca cannot be combined with n_conditions > 0 or tied=True")
    projection = PCAProjection(input_shape, k)
    encoder = nn.Sequential(projection, MLPEncoder((k,), enc_out, hidden_dims, activation, code_activation, dropout, batch_norm))
    head = MLPDecoder(dec_in, (k,), tuple(hidden_dims)[::-1], activation, 1, dropout, batch_norm)
    return encoder, nn.Sequential(head, PCAExpansion(projection))


# The subspace is the minimum of the whole-data loss, and its slowest direction (a rotation
# between the k-th and (k+1)-th components) is as shallow as their eigenvalue gap: minibatch noise
# and a held-out share of rows keep plain training away from it. Full batches (up to 4096 rows:
# memory stays bounded on large data), no validation split and no early stopping, and Adam with a
# short second-moment memory (beta2 = 0.9, which keeps its steps large while the gradient
# shrinks) under a cosine decay. Chosen on data other than digits (benchmarks/linear_pca.py).
LINEAR_TRAINING = {"batch_size": 4096, "lr": 0.1, "optimizer": {"name": "adam", "betas": [0.9, 0.9]},
                   "scheduler": "cosine", "validation_split": 0.0, "early_stopping": None}


@register_recipe("linear", training_defaults=LINEAR_TRAINING)
def linear(input_shape, latent_dim: int = 8, **options) -> AutoencoderModel:
    """Single linear hidden layer with squared error: learns PCA's principal subspace.

    Bourlard & Kamp (1988); Baldi & Hornik (1989). Pass ``tied=True`` for W_dec = W_enc^T.
    Trains with its own defaults (full batches, lr 0.1, cosine decay, no validation split;
    :data:`LINEAR_TRAINING`) wherever the estimator's options are left at "auto".
    """
    options = {"hidden_dims": (), "architecture": "mlp", **options}
    return build_autoencoder(input_shape, latent_dim, **options)


@register_recipe("deep")
def deep(input_shape, latent_dim: int = 32, hidden_dims: Sequence[int] = (256, 128), **options) -> AutoencoderModel:
    """Multi-layer perceptron encoder and mirrored decoder (Hinton & Salakhutdinov 2006)."""
    options = {"architecture": "mlp", **options}
    return build_autoencoder(input_shape, latent_dim, hidden_dims=hidden_dims, **options)


@register_recipe("conv")
def conv(input_shape, latent_dim: int = 32, channels: Sequence[int] = (32, 64), **options) -> AutoencoderModel:
    """Strided-convolution encoder and transposed-convolution decoder for (C, H, W) images."""
    return build_autoencoder(input_shape, latent_dim, architecture="conv", channels=channels, **options)


@register_recipe("vae")
def vae(input_shape, latent_dim: int = 16, beta: float = 1.0, **options) -> AutoencoderModel:
    """Variational autoencoder: Gaussian q(z|x), N(0, I) prior, ELBO loss (Kingma & Welling 2014).

    ``beta`` > 1 gives a beta-VAE (Higgins et al. 2017). Uses an MLP or convolutional network
    depending on the input shape, like every recipe.
    """
    options = {"latent": {"name": "gaussian", "beta": beta}, **options}
    return build_autoencoder(input_shape, latent_dim, **options)
