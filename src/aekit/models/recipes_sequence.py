"""Sequence autoencoders: recurrent (LSTM/GRU) sequence-to-sequence and 1-D convolutional.

Samples have shape ``(length, channels)`` (``(length,)`` is univariate; further axes are
flattened into channels per step). The loss, latents, corruptions and regularisers are the
shared ones, so ``latent="gaussian"`` gives a recurrent VAE and ``corruption="gaussian"`` a
denoising one. Padded batches train through the model's ``mask`` (see :class:`AutoencoderModel`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..transforms.corruption import CorruptionSpec
from ..nn import Conv1dDecoder, Conv1dEncoder, RNNDecoder, RNNEncoder
from ..objectives.likelihoods import make_likelihood
from ..objectives.regularisers import RegulariserSpec
from .autoencoder import AutoencoderModel
from .latents import make_latent
from .registry import register_recipe

SEQUENCE_ARCHITECTURES = ("lstm", "gru", "conv1d")


def build_sequence_autoencoder(
    input_shape: Sequence[int],
    latent_dim: int = 16,
    *,
    architecture: str = "lstm",
    hidden_dims: Sequence[int] | None = None,
    channels: Sequence[int] | None = None,
    kernel_size: int | None = None,
    bidirectional: bool = False,
    teacher_forcing: float = 0.0,
    feedback: bool = True,
    activation: str | None = None,
    code_activation: str | None = None,
    likelihood: str | dict[str, Any] = "gaussian",
    latent: str | dict[str, Any] | None = None,
    corruption: CorruptionSpec = None,
    regularisers: Sequence[RegulariserSpec] = (),
) -> AutoencoderModel:
    """Assemble a sequence encoder and decoder sized from ``input_shape``.

    Parameters
    ----------
    input_shape : tuple of int
        ``(length, channels)``, or ``(length,)`` for a univariate sequence.
    latent_dim : int
        Code size.
    architecture : {"lstm", "gru", "conv1d"}
        Recurrent sequence-to-sequence, or strided 1-D convolutions.
    hidden_dims : sequence of int
        Recurrent layer widths of the encoder (the decoder mirrors them); ``"lstm"``/``"gru"`` only.
    channels : sequence of int
        Convolution channels, one stride-2 stage each (the decoder mirrors them); ``"conv1d"`` only.
    kernel_size : int
        Odd kernel length of the 1-D convolutions.
    bidirectional : bool
        Recurrent encoder reads both directions.
    teacher_forcing : float in [0, 1]
        Chance, per step in training, that the recurrent decoder reads the true previous value
        instead of its own output; 1 trains all steps in one parallel call. Evaluation always
        feeds back the decoder's own output.
    feedback : bool
        The recurrent decoder reads its previous value at each step (True), or the code only
        (False: all steps in one parallel call, several times faster to train).
    activation, code_activation : str
        Convolution activation; activation of the code.
    likelihood, latent, corruption, regularisers
        See :class:`AutoencoderModel`.

    Examples
    --------
    >>> import torch
    >>> model = build_sequence_autoencoder((32, 2), 4, architecture="gru", hidden_dims=(16,))
    >>> model.encode(torch.zeros(3, 32, 2)).shape
    torch.Size([3, 4])
    """
    if architecture not in SEQUENCE_ARCHITECTURES:
        raise ValueError(f"architecture must be one of {SEQUENCE_ARCHITECTURES}, got {architecture!r}")
    if not isinstance(latent_dim, int) or isinstance(latent_dim, bool) or latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive int, got {latent_dim!r}")
    # An option the chosen network has no use for is an error, never silently dropped.
    if architecture == "conv1d":
        given = {"hidden_dims": hidden_dims is not None, "bidirectional": bool(bidirectional),
                 "teacher_forcing": bool(teacher_forcing), "feedback": feedback is not True}
    else:
        given = {"channels": channels is not None, "kernel_size": kernel_size is not None,
                 "activation": activation is not None}  # LSTM/GRU cells have their own gates
    ignored = [name for name, is_given in given.items() if is_given]
    if ignored:
        owner = "the recurrent recipes (lstm, gru)" if architecture == "conv1d" else "the conv1d recipe"
        raise ValueError(f"{ignored[0]} is an option of {owner}, not of {architecture!r}; leave it out or change the recipe")
    hidden_dims = (64,) if hidden_dims is None else hidden_dims
    channels = (32, 64) if channels is None else channels
    kernel_size = 5 if kernel_size is None else kernel_size
    activation = "relu" if activation is None else activation
    lik = make_likelihood(likelihood)
    lat = make_latent(latent)
    enc_out = latent_dim * lat.n_params
    if architecture == "conv1d":
        encoder = Conv1dEncoder(input_shape, enc_out, channels, kernel_size, activation, code_activation)
        decoder = Conv1dDecoder(latent_dim, input_shape, tuple(channels)[::-1], kernel_size, activation, lik.n_params)
    else:
        encoder = RNNEncoder(input_shape, enc_out, hidden_dims, architecture, bidirectional, code_activation)
        decoder = RNNDecoder(latent_dim, input_shape, tuple(hidden_dims)[::-1], architecture, lik.n_params, teacher_forcing,
                             feedback)
    return AutoencoderModel(
        encoder, decoder, input_shape=input_shape, latent_dim=latent_dim, likelihood=lik, latent=lat,
        corruption=corruption, regularisers=regularisers,
    )


@register_recipe("lstm")
def lstm(input_shape, latent_dim: int = 16, hidden_dims: Sequence[int] = (64,), **options) -> AutoencoderModel:
    """LSTM sequence-to-sequence autoencoder for (length, channels) sequences (Srivastava et al. 2015).

    The decoder is unrolled from the code, feeding back its previous output; ``teacher_forcing``
    feeds the true previous value in training instead.
    """
    return build_sequence_autoencoder(input_shape, latent_dim, architecture="lstm", hidden_dims=hidden_dims, **options)


@register_recipe("gru")
def gru(input_shape, latent_dim: int = 16, hidden_dims: Sequence[int] = (64,), **options) -> AutoencoderModel:
    """GRU sequence-to-sequence autoencoder for (length, channels) sequences (Cho et al. 2014)."""
    return build_sequence_autoencoder(input_shape, latent_dim, architecture="gru", hidden_dims=hidden_dims, **options)


@register_recipe("conv1d")
def conv1d(input_shape, latent_dim: int = 16, channels: Sequence[int] = (32, 64), **options) -> AutoencoderModel:
    """Strided 1-D convolution encoder and transposed-convolution decoder for (length, channels) sequences."""
    return build_sequence_autoencoder(input_shape, latent_dim, architecture="conv1d", channels=channels, **options)
