"""Backbones (what users keep) and heads (what solves the pretext, then is thrown away).

A backbone is any encoder of :mod:`aekit.nn`, named in JSON: ``"mlp"``, ``"conv"``, ``"resnet"``,
``"vit"``; or your own: a constructor registered with :func:`register_backbone` (saved and rebuilt
by name like the built-in ones), or any ``nn.Module`` instance mapping a batch to (batch, features)
(trained as given, not rebuildable from JSON). A head is a *block list*, e.g. ``["linear:256", "batchnorm", "relu", "linear:128"]``,
so heads are declared, saved and changed without code.

Examples
--------
>>> import torch
>>> net = make_backbone((1, 8, 8), "conv", {"out_features": 16, "channels": [8]})
>>> head = make_head(net.out_features, ["linear:32", "batchnorm", "relu", "linear:4"])
>>> head(net(torch.zeros(2, 1, 8, 8))).shape
torch.Size([2, 4])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ..nn import ConvEncoder, MLPEncoder
from ..nn.activations import activation_names, make_activation
from ..nn.resnet import SmallResNet
from ..nn.shapes import as_shape, is_image_shape
from ..nn.vit import SmallViT
from ..registry import Registry, accepted_options

# name -> constructor(input_shape, **options); each result has ``.out_features``
BACKBONES: Registry[Callable[..., nn.Module]] = Registry("backbone", spec_hint="")


@BACKBONES.register("mlp")
def _mlp(shape, out_features: int = 128, **options) -> nn.Module:
    """MLP encoder for vectors (``hidden_dims``, ``activation``, ...)."""
    return MLPEncoder(shape, out_features, **options)


@BACKBONES.register("conv")
def _conv(shape, out_features: int = 128, **options) -> nn.Module:
    """Small strided CNN for (C, H, W) images (``channels``, ...)."""
    return ConvEncoder(shape, out_features, **options)


@BACKBONES.register("resnet")
def _resnet(shape, **options) -> nn.Module:
    """Small ResNet for images (CIFAR-style stem, ``widths``, ``blocks``)."""
    return SmallResNet(shape, **options)


@BACKBONES.register("vit")
def _vit(shape, **options) -> nn.Module:
    """Small Vision Transformer for images (``patch_size``, ``dim``, ``depth``, ``heads``)."""
    return SmallViT(shape, **options)


def register_backbone(name: str, factory: Callable[..., nn.Module] | None = None):
    """Make ``factory(input_shape, **options) -> nn.Module`` a backbone named ``name`` (also a decorator).

    The module must map a batch of samples of ``input_shape`` to (batch, features); its
    ``out_features`` is found by a dry forward when it has none. A registered backbone is saved
    with the model as its name and options, so loading needs the registration again (import the
    module that registers it first).

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> @register_backbone("tiny-linear")
    ... def tiny(shape, out_features=4):
    ...     return nn.Sequential(nn.Flatten(), nn.Linear(int(torch.tensor(shape).prod()), out_features))
    >>> make_backbone((1, 8, 8), "tiny-linear").out_features
    4
    >>> _ = BACKBONES.unregister("tiny-linear")
    """
    if factory is not None:
        return BACKBONES.register(name, factory)
    return BACKBONES.register(name)


def infer_out_features(module: nn.Module, input_shape: Sequence[int]) -> int:
    """The width of ``module``'s output for one sample of ``input_shape``: its ``out_features``, or
    else found by a forward pass of two zero samples (two: BatchNorm cannot train on one)."""
    if isinstance(getattr(module, "out_features", None), int):
        return module.out_features
    param = next(module.parameters(), None)
    probe = torch.zeros(2, *as_shape(input_shape), device=None if param is None else param.device)
    was_training = module.training
    try:
        with torch.no_grad():
            out = module.eval()(probe)
    except (RuntimeError, ValueError, TypeError, IndexError) as err:  # torch's shape errors among them
        raise ValueError(f"backbone {type(module).__name__} failed on a batch of shape {tuple(probe.shape)}: {err}") from None
    finally:
        module.train(was_training)
    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"a backbone must return features of shape (batch, features); {type(module).__name__} "
                         f"returned {shape} for input {tuple(probe.shape)} (end it with nn.Flatten() or pooling)")
    return int(out.shape[1])


def default_backbone(input_shape: Sequence[int]) -> str:
    """``"conv"`` for images, ``"mlp"`` for vectors."""
    return "conv" if is_image_shape(as_shape(input_shape)) else "mlp"


def make_backbone(
    input_shape: Sequence[int], name: str | nn.Module | None = None, options: dict[str, Any] | None = None
) -> nn.Module:
    """Build the backbone ``name`` for samples of ``input_shape`` (default: by the shape).

    ``name`` may also be an ``nn.Module`` instance, used as it is (``options`` must then be empty).
    Every backbone returned has ``out_features``; only named ones have the ``spec`` that rebuilds them.
    """
    if isinstance(name, nn.Module):
        if options:
            raise ValueError(f"backbone_options {options} apply to named backbones; a backbone given as an "
                             "nn.Module instance is used as it is")
        if not isinstance(getattr(name, "out_features", None), int):
            name.out_features = infer_out_features(name, input_shape)  # what heads and probes read
        return name
    name = name or default_backbone(input_shape)
    factory = BACKBONES.get(name)
    options = dict(options or {})
    try:
        net = factory(as_shape(input_shape), **options)
    except TypeError as err:
        raise ValueError(f"backbone {name!r} rejected its options {options}: {err}; its options are "
                         f"{accepted_options(factory, err)}") from None
    if not isinstance(net, nn.Module):
        raise TypeError(f"backbone {name!r} must build an nn.Module, got {type(net).__name__}")
    if not isinstance(getattr(net, "out_features", None), int):
        net.out_features = infer_out_features(net, input_shape)
    net.spec = {"name": name, "input_shape": list(as_shape(input_shape)), "options": options}
    return net


class L2Norm(nn.Module):
    """Project rows onto the unit sphere (DINO's head ends with this before its last layer)."""

    def forward(self, x):
        return F.normalize(x, dim=-1)


def _block(token: str, width: int) -> tuple[nn.Module, int]:
    kind, _, arg = token.partition(":")
    kind = kind.strip().lower()
    if kind == "linear":
        out = int(arg)
        return nn.Linear(width, out), out
    if kind == "batchnorm":
        return nn.BatchNorm1d(width), width
    if kind == "layernorm":
        return nn.LayerNorm(width), width
    if kind == "dropout":
        return nn.Dropout(float(arg or 0.5)), width
    if kind == "l2norm":
        return L2Norm(), width
    if kind in activation_names():
        return make_activation(kind), width
    raise ValueError(
        f"head block {token!r} unknown: use 'linear:N', 'batchnorm', 'layernorm', 'dropout:P', 'l2norm' "
        f"or an activation ({', '.join(activation_names())})"
    )


def make_head(in_features: int, blocks: Sequence[str]) -> nn.Sequential:
    """A head from a block list; ``head.out_features`` is the width after the last block."""
    if isinstance(blocks, str) or not all(isinstance(b, str) for b in blocks):
        raise TypeError(f"head blocks must be a list of strings such as ['linear:128', 'relu'], got {blocks!r}")
    layers, width = [], in_features
    for token in blocks:
        try:
            layer, width = _block(token, width)
        except ValueError as err:
            if "unknown" in str(err):
                raise
            raise ValueError(f"head block {token!r} has a bad argument; expected e.g. 'linear:128', 'dropout:0.1'") from None
        layers.append(layer)
    head = nn.Sequential(*layers)
    head.out_features = width
    return head


def projection_head(hidden: int = 256, out: int = 128, layers: int = 2) -> list[str]:
    """SimCLR/BYOL-style MLP projector as a block list."""
    return [*(["linear:%d" % hidden, "batchnorm", "relu"] * (layers - 1)), f"linear:{out}"]
