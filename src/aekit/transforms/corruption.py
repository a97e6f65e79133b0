"""Input corruptions: applied to the encoder's input during training only.

Each corruption is a tiny module that maps a batch to a corrupted batch of the same shape,
drawing fresh noise at every call. A denoising autoencoder is the plain composition with a
corruption plugged in; the loss still compares against the clean input. Specs are JSON-able:
``{"name": "gaussian", "std": 0.3}``; a list of specs composes left to right.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..registry import Registry

CORRUPTIONS: Registry[type["Corruption"]] = Registry("corruption", spec_hint=" (or a dict with 'name', or a list)")


def register_corruption(cls: type["Corruption"]) -> type["Corruption"]:
    """Class decorator: make ``cls`` buildable by its ``name`` attribute."""
    return CORRUPTIONS.register(cls.name or None, cls)


def corruption_names() -> list[str]:
    return CORRUPTIONS.names()


class Corruption(nn.Module):
    """Base class; subclasses implement ``forward(x)`` and list their options in ``config``."""

    name: str = ""

    def config(self) -> dict[str, Any]:
        return {"name": self.name}

    def corrupt(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Corrupted batch and per-element reconstruction-loss weights (``None``: all weigh 1).

        Masks override this to weight the pixels they hid (see :mod:`aekit.transforms.image_corruptions`).
        """
        return self(x), None


def _probability(value: float, arg: str) -> float:
    if not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{arg} must be a probability in [0, 1), got {value!r}")
    return float(value)


@register_corruption
class GaussianNoise(Corruption):
    """Additive isotropic Gaussian noise ``x + std * eps``."""

    name = "gaussian"

    def __init__(self, std: float = 0.1) -> None:
        super().__init__()
        if not isinstance(std, (int, float)) or std < 0:
            raise ValueError(f"std must be a non-negative number, got {std!r}")
        self.std = float(std)

    def forward(self, x):
        return x + self.std * torch.randn_like(x)

    def config(self):
        return {"name": self.name, "std": self.std}


@register_corruption
class MaskingNoise(Corruption):
    """Set each input element to ``value`` with probability ``p`` (Vincent et al. 2008)."""

    name = "masking"

    def __init__(self, p: float = 0.25, value: float = 0.0) -> None:
        super().__init__()
        self.p = _probability(p, "p")
        self.value = float(value)

    def forward(self, x):
        drop = torch.rand_like(x) < self.p
        return x.masked_fill(drop, self.value)

    def config(self):
        return {"name": self.name, "p": self.p, "value": self.value}


@register_corruption
class SaltAndPepper(Corruption):
    """Set a fraction ``p`` of elements to ``low`` or ``high`` with equal chance."""

    name = "salt_and_pepper"

    def __init__(self, p: float = 0.1, low: float = 0.0, high: float = 1.0) -> None:
        super().__init__()
        self.p = _probability(p, "p")
        self.low, self.high = float(low), float(high)

    def forward(self, x):
        u = torch.rand_like(x)
        x = x.masked_fill(u < self.p / 2, self.low)
        return x.masked_fill((u >= self.p / 2) & (u < self.p), self.high)

    def config(self):
        return {"name": self.name, "p": self.p, "low": self.low, "high": self.high}


class Compose(Corruption):
    """Apply several corruptions in order."""

    name = "compose"

    def __init__(self, parts: list[Corruption]) -> None:
        super().__init__()
        self.parts = nn.ModuleList(parts)

    def forward(self, x):
        for part in self.parts:
            x = part(x)
        return x

    def corrupt(self, x):
        weight = None
        for part in self.parts:
            x, w = part.corrupt(x)
            weight = w if weight is None else (weight if w is None else weight * w)
        return x, weight

    def config(self):
        return {"name": self.name, "parts": [p.config() for p in self.parts]}


CorruptionSpec = None | str | dict[str, Any] | Corruption | list


def make_corruption(spec: CorruptionSpec) -> Corruption | None:
    """Build a corruption from a name, a dict, a list of those, or an instance (``None``: none).

    Examples
    --------
    >>> make_corruption({"name": "masking", "p": 0.5}).p
    0.5
    """
    if spec is None or isinstance(spec, Corruption):
        return spec
    if isinstance(spec, (list, tuple)):
        return Compose([make_corruption(s) for s in spec])
    if isinstance(spec, str):
        spec = {"name": spec}
    if isinstance(spec, dict) and spec.get("name") == "compose":
        return Compose([make_corruption(s) for s in spec.get("parts", [])])
    return CORRUPTIONS.build(spec)


