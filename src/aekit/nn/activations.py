"""Activations by name, so configurations stay JSON and recipes stay one-liners."""

from __future__ import annotations

from torch import nn

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "softplus": nn.Softplus,
    "identity": nn.Identity,
    "linear": nn.Identity,
}


def activation_names() -> list[str]:
    """Names accepted wherever an activation is asked for."""
    return sorted(_ACTIVATIONS)


def make_activation(name: str | None) -> nn.Module:
    """Return a fresh activation module for ``name`` (``None`` means identity).

    Examples
    --------
    >>> make_activation("relu")
    ReLU()
    """
    if name is None:
        return nn.Identity()
    if not isinstance(name, str) or name.lower() not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {activation_names()}, got {name!r}")
    return _ACTIVATIONS[name.lower()]()
