"""A small ResNet for small images (He et al. 2016), sized from the input shape.

A 3x3 stem, then one stage per entry of ``channels`` (each ``blocks`` basic residual blocks; every
stage after the first halves the resolution), then adaptive average pooling to
``pool_size x pool_size``. ``pool_size=1`` is the usual global pooling; 2 keeps a coarse layout,
which helps linear probes on centred data such as Fashion-MNIST. The pooled map is flattened and,
when ``out_features`` is given, linearly projected.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .shapes import as_shape, is_image_shape


class BasicBlock(nn.Module):
    """conv-BN-ReLU-conv-BN plus a (projected) shortcut, then ReLU."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
        )
        self.shortcut = (
            nn.Identity()
            if stride == 1 and c_in == c_out
            else nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))
        )
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.body(x) + self.shortcut(x))


class SmallResNet(nn.Module):
    """Residual convolutional encoder: (B, C, H, W) -> (B, out_features).

    Parameters
    ----------
    input_shape : (channels, height, width)
    out_features : int, optional
        Size of a final linear projection; None returns the pooled features
        (``channels[-1] * pool_size**2`` of them).
    channels : widths of the stages.
    blocks : residual blocks per stage.
    pool_size : side of the adaptive average pooling grid.

    Examples
    --------
    >>> net = SmallResNet((1, 28, 28), channels=(8, 16), pool_size=2)
    >>> net(torch.zeros(3, 1, 28, 28)).shape
    torch.Size([3, 64])
    """

    def __init__(
        self,
        input_shape: Sequence[int],
        out_features: int | None = None,
        channels: Sequence[int] = (32, 64, 128),
        blocks: int = 1,
        pool_size: int = 1,
    ) -> None:
        super().__init__()
        shape = as_shape(input_shape)
        if not is_image_shape(shape):
            raise ValueError(f"input_shape must be (channels, height, width) for a ResNet, got {shape}")
        if not channels or any(int(c) < 1 for c in channels):
            raise ValueError(f"channels must be a non-empty sequence of positive ints, got {channels!r}")
        if not isinstance(blocks, int) or blocks < 1:
            raise ValueError(f"blocks must be a positive int, got {blocks!r}")
        if not isinstance(pool_size, int) or pool_size < 1:
            raise ValueError(f"pool_size must be a positive int, got {pool_size!r}")
        layers: list[nn.Module] = [
            nn.Conv2d(shape[0], channels[0], 3, padding=1, bias=False),
            nn.BatchNorm2d(channels[0]),
            nn.ReLU(inplace=True),
        ]
        c_in = channels[0]
        for i, c_out in enumerate(channels):
            for j in range(blocks):
                layers.append(BasicBlock(c_in, c_out, stride=2 if (i > 0 and j == 0) else 1))
                c_in = c_out
        layers += [nn.AdaptiveAvgPool2d(pool_size), nn.Flatten()]
        self.features = nn.Sequential(*layers)
        n_pooled = c_in * pool_size * pool_size
        self.head = nn.Identity() if out_features is None else nn.Linear(n_pooled, out_features)
        self.input_shape = shape
        self.out_features = n_pooled if out_features is None else out_features

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """The last stage's output, (B, channels[-1], H', W'), before pooling (see ``pool_grid`` of
        :func:`aekit.evaluation.extract_features`)."""
        return self.features[:-2](x)  # all but the pooling and the flatten

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
