"""Convolutional encoders and decoders for images of shape (channels, height, width).

Each encoder stage halves the spatial size with a stride-2 convolution; the decoder retraces
the same sizes with transposed convolutions (``output_padding`` picks the exact size back, so
odd sizes such as 7x7 round-trip), then a 3x3 convolution emits the likelihood parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from .activations import make_activation
from .mlp import param_shape
from .shapes import as_shape, is_image_shape


def _check_image_shape(shape: tuple[int, ...], name: str) -> None:
    if not is_image_shape(shape):
        raise ValueError(
            f"{name} must be (channels, height, width) for a convolutional network, got {shape}; "
            "use an MLP recipe for flat vectors"
        )


def _downsampled_sizes(size: int, n_stages: int) -> list[int]:
    """Spatial sizes after each stride-2, padding-1, kernel-3 convolution."""
    sizes = [size]
    for _ in range(n_stages):
        sizes.append((sizes[-1] + 1) // 2)
    return sizes


def _per_stage(value, n_stages: int, name: str, valid, expected: str) -> list[int]:
    """``value`` (one int for every stage, or one per stage) as a list of ``n_stages`` ints, each
    passing ``valid``; else a ValueError naming ``name`` and what was ``expected``."""
    values = [value] * n_stages if not isinstance(value, Sequence) else list(value)
    if len(values) != n_stages or any(isinstance(v, bool) or not isinstance(v, int) or not valid(v) for v in values):
        raise ValueError(f"{name} must be {expected} per stage of channels ({n_stages} stages), got {value!r}")
    return values


def _stage_strides(strides, n_stages: int) -> list[int]:
    return _per_stage(strides, n_stages, "strides", lambda v: v in (1, 2), "1 or 2, or one such value")


def _stage_depths(convs_per_stage, n_stages: int) -> list[int]:
    return _per_stage(convs_per_stage, n_stages, "convs_per_stage", lambda v: v >= 1,
                      "an int >= 1 or one such int")


def _norm(kind: bool, channels: int) -> nn.Module:
    return nn.BatchNorm2d(channels) if kind else nn.Identity()


class ConvEncoder(nn.Module):
    """Strided convolutions, flatten, linear map to ``out_features``.

    Each stage is a stride-2 3x3 convolution to its width in ``channels``, followed by
    ``convs_per_stage - 1`` stride-1 3x3 convolutions of the same width at the halved size (each
    with its norm and activation): a deeper network whose stages run on the smaller maps. An int
    applies to every stage, a sequence gives each stage its own count (e.g. ``(1, 2, 2)``: the
    first, largest map stays one convolution deep). The last stage's map, and so what
    ``feature_map`` returns, keeps its shape.

    ``strides`` (2 for every stage by default, or one value per stage) lets a stage keep its input's
    size with a stride-1 first convolution: ``strides=(2, 2, 1)`` on 28 x 28 images ends on a 7 x 7
    map instead of 4 x 4, a finer last map for the same receptive field; the last stage then runs on
    49 positions instead of 16.

    Examples
    --------
    >>> import torch
    >>> ConvEncoder((1, 28, 28), 16)(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 16])
    """

    def __init__(
        self,
        input_shape: Sequence[int],
        out_features: int,
        channels: Sequence[int] = (32, 64),
        activation: str = "relu",
        code_activation: str | None = None,
        batch_norm: bool = False,
        convs_per_stage: int | Sequence[int] = 1,
        strides: int | Sequence[int] = 2,
    ) -> None:
        super().__init__()
        shape = as_shape(input_shape)
        _check_image_shape(shape, "input_shape")
        if not channels:
            raise ValueError("channels must name at least one convolutional stage")
        depths = _stage_depths(convs_per_stage, len(channels))
        stage_strides = _stage_strides(strides, len(channels))
        layers: list[nn.Module] = []
        c_in = shape[0]
        h, w = shape[1], shape[2]
        for c_out, depth, stride in zip(channels, depths, stage_strides):
            for i in range(depth):
                layers += [
                    nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, stride=stride if i == 0 else 1, padding=1),
                    _norm(batch_norm, c_out),
                    make_activation(activation),
                ]
            c_in = c_out
            if stride == 2:
                h, w = _downsampled_sizes(h, 1)[-1], _downsampled_sizes(w, 1)[-1]
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(c_in * h * w, out_features), make_activation(code_activation)
        )
        self.input_shape = shape
        self.out_features = out_features

    def feature_map(self, x):
        """The last convolutional stage's output, (B, channels[-1], H', W'), before flatten and linear:
        what :func:`aekit.evaluation.extract_features` pools to a grid with ``pool_grid``."""
        return self.features(x)

    def forward(self, x):
        return self.head(self.features(x))


class ConvDecoder(nn.Module):
    """Linear map to a small feature map, transposed convolutions back to ``output_shape``.

    Examples
    --------
    >>> import torch
    >>> ConvDecoder(16, (1, 28, 28))(torch.zeros(2, 16)).shape
    torch.Size([2, 1, 28, 28])
    """

    def __init__(
        self,
        latent_dim: int,
        output_shape: Sequence[int],
        channels: Sequence[int] = (64, 32),
        activation: str = "relu",
        n_params: int = 1,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        shape = as_shape(output_shape, "output_shape")
        _check_image_shape(shape, "output_shape")
        if not channels:
            raise ValueError("channels must name at least one convolutional stage")
        hs = _downsampled_sizes(shape[1], len(channels))[::-1]
        ws = _downsampled_sizes(shape[2], len(channels))[::-1]
        self.stem = nn.Sequential(
            nn.Linear(latent_dim, channels[0] * hs[0] * ws[0]),
            make_activation(activation),
            nn.Unflatten(1, (channels[0], hs[0], ws[0])),
        )
        layers: list[nn.Module] = []
        c_in = channels[0]
        for i, c_out in enumerate([*channels[1:], channels[-1]]):
            # out = 2 * in - 1 + output_padding, so output_padding recovers even sizes.
            pad = (hs[i + 1] - (2 * hs[i] - 1), ws[i + 1] - (2 * ws[i] - 1))
            layers += [
                nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=pad),
                _norm(batch_norm, c_out),
                make_activation(activation),
            ]
            c_in = c_out
        out_channels = param_shape(shape, n_params)[0]
        layers.append(nn.Conv2d(c_in, out_channels, 3, padding=1))
        self.body = nn.Sequential(*layers)
        self.output_shape = shape

    def forward(self, z):
        return self.body(self.stem(z))
