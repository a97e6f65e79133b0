"""1-D convolutional encoder and decoder for sequences of shape (length, channels).

Each encoder stage halves the length with a stride-2 convolution; the decoder retraces the same
lengths with transposed convolutions whose ``output_padding`` picks the exact length back (so
odd lengths such as 63 round-trip), then a convolution emits the likelihood parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .activations import make_activation
from .conv import _downsampled_sizes
from .shapes import as_shape
from .sequence import from_steps, sequence_dims, to_steps


def _check_conv_options(channels: Sequence[int], kernel_size: int) -> list[int]:
    chans = list(channels)
    if not chans or any(not isinstance(c, int) or isinstance(c, bool) or c < 1 for c in chans):
        raise ValueError(f"channels must name at least one stage as positive ints, got {channels!r}")
    if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be a positive odd int (so padding keeps lengths exact), got {kernel_size!r}")
    return chans


class Conv1dEncoder(nn.Module):
    """Strided 1-D convolutions over time, flatten, linear map to ``out_features``.

    Examples
    --------
    >>> Conv1dEncoder((63, 3), 8)(torch.zeros(2, 63, 3)).shape
    torch.Size([2, 8])
    """

    def __init__(
        self,
        input_shape: int | Sequence[int],
        out_features: int,
        channels: Sequence[int] = (32, 64),
        kernel_size: int = 5,
        activation: str = "relu",
        code_activation: str | None = None,
    ) -> None:
        super().__init__()
        self.length, self.channels = sequence_dims(input_shape)
        chans = _check_conv_options(channels, kernel_size)
        layers: list[nn.Module] = []
        c_in = self.channels
        for c_out in chans:
            layers += [nn.Conv1d(c_in, c_out, kernel_size, stride=2, padding=kernel_size // 2), make_activation(activation)]
            c_in = c_out
        last = _downsampled_sizes(self.length, len(chans))[-1]
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c_in * last, out_features), make_activation(code_activation))
        self.out_features = out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = to_steps(x, self.length, self.channels).transpose(1, 2)  # (B, C, L): Conv1d wants channels first
        return self.head(self.features(h))


class Conv1dDecoder(nn.Module):
    """Linear map to a short feature sequence, transposed convolutions back to ``output_shape``.

    Examples
    --------
    >>> Conv1dDecoder(8, (63, 3))(torch.zeros(2, 8)).shape
    torch.Size([2, 63, 3])
    """

    def __init__(
        self,
        latent_dim: int,
        output_shape: int | Sequence[int],
        channels: Sequence[int] = (64, 32),
        kernel_size: int = 5,
        activation: str = "relu",
        n_params: int = 1,
    ) -> None:
        super().__init__()
        self.output_shape = as_shape(output_shape, "output_shape")
        self.length, self.channels = sequence_dims(output_shape, "output_shape")
        chans = _check_conv_options(channels, kernel_size)
        lengths = _downsampled_sizes(self.length, len(chans))[::-1]
        self.stem = nn.Sequential(
            nn.Linear(latent_dim, chans[0] * lengths[0]), make_activation(activation), nn.Unflatten(1, (chans[0], lengths[0]))
        )
        layers: list[nn.Module] = []
        c_in = chans[0]
        for i, c_out in enumerate([*chans[1:], chans[-1]]):
            # out = 2 * in - 1 + output_padding (odd kernel, padding k // 2): recovers even lengths.
            pad = lengths[i + 1] - (2 * lengths[i] - 1)
            layers += [
                nn.ConvTranspose1d(c_in, c_out, kernel_size, stride=2, padding=kernel_size // 2, output_padding=pad),
                make_activation(activation),
            ]
            c_in = c_out
        layers.append(nn.Conv1d(c_in, n_params * self.channels, kernel_size, padding=kernel_size // 2))
        self.body = nn.Sequential(*layers)
        self.n_params = n_params

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out = self.body(self.stem(z)).transpose(1, 2)  # (B, L, n_params * C)
        return from_steps(out, self.output_shape, self.n_params)
