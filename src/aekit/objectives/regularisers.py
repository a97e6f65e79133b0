"""Penalties added to the reconstruction loss.

A regulariser is a small module with a ``name`` (the key under which its value is reported), a
``weight`` and ``penalty(result, model)``, the unweighted value for one batch. ``forward``
returns ``weight * penalty``, or a dict of several named parts that all join the total (the
adversarial term reports its two players separately). A regulariser class that sets
``needs_input_shape = True`` is given the model's ``input_shape`` when built. New penalties register themselves with
:func:`register_regulariser`, and :func:`make_regulariser` builds them from JSON-able specs such
as ``{"name": "l1_activity", "weight": 1e-3}``, so recipes and saved configs stay plain data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ..registry import Registry

if TYPE_CHECKING:  # pragma: no cover
    from ..models.autoencoder import AutoencoderModel, ForwardResult

REGULARISERS: Registry[type["Regulariser"]] = Registry("regulariser")


def register_regulariser(cls: type["Regulariser"]) -> type["Regulariser"]:
    """Class decorator: make ``cls`` buildable by its ``name`` attribute."""
    return REGULARISERS.register(cls.name or None, cls)


def regulariser_names() -> list[str]:
    return REGULARISERS.names()


class Regulariser(nn.Module):
    """Base class: ``weight * penalty(result, model)``."""

    name: str = ""

    def __init__(self, weight: float = 1e-3) -> None:
        super().__init__()
        if not isinstance(weight, (int, float)) or weight < 0:
            raise ValueError(f"{self.name}: weight must be a non-negative number, got {weight!r}")
        self.weight = float(weight)

    def penalty(self, result: "ForwardResult", model: "AutoencoderModel") -> torch.Tensor:
        raise NotImplementedError  # abstract

    def forward(self, result: "ForwardResult", model: "AutoencoderModel") -> torch.Tensor:
        return self.weight * self.penalty(result, model)

    def config(self) -> dict[str, Any]:
        """Keyword arguments that rebuild this regulariser with :func:`make_regulariser`."""
        return {"name": self.name, "weight": self.weight}


@register_regulariser
class L1Activity(Regulariser):
    """``weight * sum_j |h_j|`` averaged over the batch: pushes codes towards exact zeros.

    The subgradient at 0 is taken as 0 (``torch.abs``'s choice), so a unit that is exactly
    zero feels no push in either direction.
    """

    name = "l1_activity"

    def penalty(self, result, model):
        return result.code.abs().flatten(1).sum(dim=1).mean()


def _weight_matrices(model: "AutoencoderModel") -> list[torch.Tensor]:
    """Weights (not biases or norm scales) of the encoder and decoder."""
    return [p for name, p in model.named_parameters() if name.endswith("weight") and p.dim() > 1]


@register_regulariser
class L2Weights(Regulariser):
    """``weight * sum ||W||_F^2`` over weight matrices (weight decay written as a loss term)."""

    name = "l2_weights"

    def penalty(self, result, model):
        return sum(w.pow(2).sum() for w in _weight_matrices(model))


@register_regulariser
class L1Weights(Regulariser):
    """``weight * sum |W|`` over weight matrices: sparse connections."""

    name = "l1_weights"

    def penalty(self, result, model):
        return sum(w.abs().sum() for w in _weight_matrices(model))


RegulariserSpec = str | dict[str, Any] | Regulariser


def make_regulariser(spec: RegulariserSpec, input_shape=None) -> Regulariser:
    """Build a regulariser from a name, ``{"name": ..., **options}`` or an instance.

    ``input_shape`` (one sample's shape) is passed on to regularisers that need it and have
    none in their spec.

    Examples
    --------
    >>> make_regulariser({"name": "l1_activity", "weight": 0.01}).weight
    0.01
    """
    if isinstance(spec, Regulariser):
        return spec
    name = spec if isinstance(spec, str) else spec.get("name") if isinstance(spec, dict) else spec
    needs_shape = getattr(REGULARISERS.get(name), "needs_input_shape", False)
    if needs_shape and input_shape is not None and (isinstance(spec, str) or spec.get("input_shape") is None):
        spec = {**({"name": spec} if isinstance(spec, str) else spec), "input_shape": input_shape}
    return REGULARISERS.build(spec)

