"""Fully connected encoders and decoders sized from the input shape.

Decoders emit *likelihood parameters*, not data: ``n_params`` values per data element,
stacked along the first data axis, so one decoder serves MSE, Bernoulli logits or
categorical logits alike (see :mod:`aekit.objectives.likelihoods`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .activations import make_activation
from .shapes import as_shape, numel


def param_shape(data_shape: Sequence[int], n_params: int) -> tuple[int, ...]:
    """Shape of a decoder's output for ``n_params`` parameters per data element."""
    return (n_params * data_shape[0], *data_shape[1:])


def _mlp_layers(
    dims: Sequence[int], activation: str, dropout: float, batch_norm: bool
) -> list[nn.Module]:
    """Linear -> [BatchNorm] -> act -> [Dropout] for each consecutive pair of ``dims``."""
    layers: list[nn.Module] = []
    for d_in, d_out in zip(dims[:-1], dims[1:]):
        layers.append(nn.Linear(d_in, d_out))
        if batch_norm:
            layers.append(nn.BatchNorm1d(d_out))
        layers.append(make_activation(activation))
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    return layers


_MAYBE_NOOP = frozenset({nn.Identity, nn.Flatten, nn.Unflatten})


def _is_noop(module: nn.Module, x: torch.Tensor) -> bool:
    """Whether ``module`` would return ``x`` as it is (a flat input through ``Flatten``, the
    ``Identity`` of no code activation, an ``Unflatten`` to one axis), so a forward can skip the
    call. Each call costs an nn.Module dispatch and, for the views, an autograd node: together
    about 1% of a default ``deep`` fit's step at batch 128 (#19 item 7). A module with hooks of
    its own always runs. Callers test ``type(module) in _MAYBE_NOOP`` first (the cheap part)."""
    if module._forward_hooks or module._forward_pre_hooks:
        return False
    kind = type(module)
    if kind is nn.Identity:
        return True
    if kind is nn.Flatten:
        return x.dim() == 2 and module.start_dim in (1, -1) and module.end_dim in (1, -1)
    if kind is nn.Unflatten:
        return len(module.unflattened_size) == 1 and module.dim in (1, -1) and x.dim() == 2
    return False


class _LeanSequential(nn.Sequential):
    """``nn.Sequential`` that skips its no-op layers (see :func:`_is_noop`). The layers stay
    registered, so parameters, state dicts and printing are those of the plain Sequential."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for module in self._modules.values():
            if type(module) not in _MAYBE_NOOP or not _is_noop(module, x):
                x = module(x)
        return x


class MLPEncoder(_LeanSequential):
    """Flatten, hidden layers, then a linear map to ``out_features`` (+ ``code_activation``).

    Examples
    --------
    >>> enc = MLPEncoder((1, 8, 8), 10, hidden_dims=(32,))
    >>> enc(torch.zeros(5, 1, 8, 8)).shape
    torch.Size([5, 10])
    """

    def __init__(
        self,
        input_shape: int | Sequence[int],
        out_features: int,
        hidden_dims: Sequence[int] = (256, 128),
        activation: str = "relu",
        code_activation: str | None = None,
        dropout: float = 0.0,
        batch_norm: bool = False,
    ) -> None:
        shape = as_shape(input_shape)
        dims = [numel(shape), *hidden_dims]
        super().__init__(
            nn.Flatten(),
            *_mlp_layers(dims, activation, dropout, batch_norm),
            nn.Linear(dims[-1], out_features),
            make_activation(code_activation),
        )
        self.input_shape = shape
        self.out_features = out_features


class MLPDecoder(_LeanSequential):
    """Mirror of :class:`MLPEncoder`: code -> hidden layers -> ``n_params`` values per element.

    Examples
    --------
    >>> dec = MLPDecoder(10, (1, 8, 8), hidden_dims=(32,))
    >>> dec(torch.zeros(5, 10)).shape
    torch.Size([5, 1, 8, 8])
    """

    def __init__(
        self,
        latent_dim: int,
        output_shape: int | Sequence[int],
        hidden_dims: Sequence[int] = (128, 256),
        activation: str = "relu",
        n_params: int = 1,
        dropout: float = 0.0,
        batch_norm: bool = False,
    ) -> None:
        shape = as_shape(output_shape, "output_shape")
        out_shape = param_shape(shape, n_params)
        dims = [latent_dim, *hidden_dims]
        super().__init__(
            *_mlp_layers(dims, activation, dropout, batch_norm),
            nn.Linear(dims[-1], numel(out_shape)),
            nn.Unflatten(1, out_shape),
        )
        self.output_shape = shape


class TiedDecoder(nn.Module):
    """Decoder that reuses the transpose of a single linear encoder layer (tied weights).

    Only the output bias is its own parameter, which halves the parameter count and is the
    classic setting in which a linear autoencoder recovers PCA.
    """

    def __init__(
        self, encoder_linear: nn.Linear, output_shape: Sequence[int], activation: str | None = None
    ) -> None:
        super().__init__()
        self.output_shape = as_shape(output_shape, "output_shape")
        if encoder_linear.in_features != numel(self.output_shape):
            raise ValueError(
                f"tied decoder: encoder takes {encoder_linear.in_features} features but the "
                f"output shape {self.output_shape} has {numel(self.output_shape)}"
            )
        # A list hides the encoder layer from this module's parameters, so it is not
        # registered (and saved) twice.
        self._tied = [encoder_linear]
        self.bias = nn.Parameter(torch.zeros(encoder_linear.in_features))
        self.activation = make_activation(activation)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        weight = self._tied[0].weight  # (latent, features)
        out = self.activation(F.linear(z, weight.t(), self.bias))
        return out.unflatten(1, self.output_shape)
