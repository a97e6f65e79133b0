"""What every self-supervised method shares: a backbone, ``loss(x) -> LossOutput``, a registry.

A method turns an unlabeled batch into its own targets, so the one training loop
(:func:`aekit.fit`) trains every method unchanged. Methods are built by name with
:func:`create_method`, which records the JSON that rebuilds them (for saving).

Examples
--------
>>> import torch
>>> from aekit.ssl import create_method
>>> m = create_method("rotation", (1, 8, 8), backbone_options={"out_features": 16, "channels": [8]})
>>> m.loss(torch.rand(4, 1, 8, 8)).total.item() > 0
True
"""

from __future__ import annotations

import abc
import copy
import inspect
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import torch
from torch import nn

from ..models.autoencoder import LossOutput
from ..nn.shapes import as_shape
from ..registry import Registry, json_defaults
from ..transforms.augment import Augment, check_augment_shape
from .backbones import make_backbone

METHODS: Registry[type["SSLMethod"]] = Registry("method", spec_hint="")


def register_method(name: str) -> Callable[[type["SSLMethod"]], type["SSLMethod"]]:
    """Class decorator: make a method available to :func:`create_method` under ``name``."""

    def add(cls: type["SSLMethod"]) -> type["SSLMethod"]:
        METHODS.register(name, cls)
        cls.method_name = name
        return cls

    return add


def list_methods() -> list[str]:
    return METHODS.names()


def method_options(method: str | type["SSLMethod"]) -> list[str]:
    """The options a method takes (its constructor's keyword arguments, along its base classes
    while they pass ``**options`` up), for error messages and ``--help``."""
    return sorted(_option_defaults(METHODS.get(method) if isinstance(method, str) else method))


def _option_defaults(cls: type["SSLMethod"]) -> dict[str, Any]:
    """Each option of ``cls`` (as :func:`method_options` finds them) and its default value."""
    found: dict[str, Any] = {}
    for klass in cls.__mro__:
        if "__init__" not in vars(klass) or klass is object:
            continue
        params = inspect.signature(vars(klass)["__init__"]).parameters.values()
        for p in params:
            if p.name not in ("self", "input_shape") and p.name not in found and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                found[p.name] = p.default
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return found


def _pinned_options(cls: type["SSLMethod"], options: dict[str, Any]) -> dict[str, Any]:
    """``options`` plus the method's current defaults of the ones not given, where JSON can hold
    them, so that a saved method rebuilds as it was trained even after a default changes (MAE's
    mask ratio and decoder depth did). The backbone is left to its name and options."""
    pinned = json_defaults({name: default for name, default in _option_defaults(cls).items()
                            if name not in options and name not in ("backbone", "backbone_options")})
    return {**pinned, **options}


def create_method(name: str, input_shape: int | Sequence[int], **options: Any) -> "SSLMethod":
    """Build the registered method ``name`` for samples of ``input_shape``.

    Options are the method's keyword arguments (``backbone``, ``backbone_options``, ``head``, and
    method-specific ones such as ``temperature``); all must be JSON-able, except ``backbone``, which
    may be an ``nn.Module`` instance (the method is then not saveable: register the backbone's
    constructor with :func:`aekit.register_backbone` to save it by name).
    """
    cls = METHODS.get(name)
    shape = as_shape(input_shape)
    try:
        model = cls(shape, **options)
    except TypeError as err:
        raise ValueError(f"method {name!r} rejected its options {sorted(options)}: {err}; its options are "
                         f"{method_options(cls)}") from None
    # a backbone given as an nn.Module instance has no JSON that rebuilds it: nor has the method
    model.spec = None if isinstance(options.get("backbone"), nn.Module) else {
        "method": name, "input_shape": list(shape), "options": model.recorded_options(_pinned_options(cls, options))}
    return model


class SSLMethod(nn.Module, abc.ABC):
    """Base class: holds ``backbone`` (a registered name or any ``nn.Module`` returning (batch,
    features)) and defines ``encode``; subclasses define ``loss``."""

    method_name = "base"
    needs_image = False
    # Options added after the method could first be saved, with the values that reproduce what it
    # did then: a saved spec without them is rebuilt with these, not with today's defaults.
    unrecorded_options: ClassVar[dict[str, Any]] = {}

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | nn.Module | None = None,
        backbone_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.input_shape = as_shape(input_shape)
        if self.needs_image and len(self.input_shape) != 3:
            raise ValueError(
                f"method {self.method_name!r} needs images of shape (channels, height, width), got input_shape {self.input_shape}"
            )
        self.backbone = make_backbone(self.input_shape, backbone, backbone_options)
        self.spec: dict[str, Any] | None = None

    @property
    def feature_dim(self) -> int:
        return self.backbone.out_features

    @property
    def readout_backbone(self) -> nn.Module:
        """The network whose features users keep (what ``SelfSupervised`` and ``save_backbone``
        take): the trained backbone, unless a method reads another copy (I-JEPA's target encoder)."""
        return self.backbone

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Backbone features (B, feature_dim) of ``x``: the representation users keep."""
        return self.readout_backbone(x)

    def recorded_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """The options saved in ``spec`` (``options`` with the defaults pinned); a method that holds
        other methods pins theirs too."""
        return options

    @abc.abstractmethod
    def loss(self, x: torch.Tensor) -> LossOutput:
        """The pretext loss of an unlabeled batch and its parts."""

    @staticmethod
    def _output(**parts: torch.Tensor) -> LossOutput:
        total = sum(parts.values())
        return LossOutput(total=total, parts={**parts, "total": total})


class EMATarget:
    """An exponential-moving-average copy of a module (BYOL/DINO/I-JEPA's target network).

    The loop steps the optimizer after ``loss``; updating the target at the start of the next
    ``loss`` call is the same update one step later, so methods need no hook in the loop. The copy's
    parameters have ``requires_grad=False``: they never get gradients, so the optimizer never moves
    them, yet they are saved with the model's ``state_dict``.
    """

    @staticmethod
    def make(module: nn.Module) -> nn.Module:
        target = copy.deepcopy(module)
        for p in target.parameters():
            p.requires_grad_(False)
        return target

    @staticmethod
    @torch.no_grad()
    def update(target: nn.Module, online: nn.Module, momentum: float) -> None:
        for t, o in zip(target.parameters(), online.parameters()):
            t.mul_(momentum).add_(o.detach(), alpha=1 - momentum)
        for t, o in zip(target.buffers(), online.buffers()):
            t.copy_(o)


def check_fraction(value: float, name: str, low: float = 0.0, high: float = 1.0) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{name} must be a number in [{low}, {high}], got {value!r}")
    return float(value)


def check_non_negative(value: float, name: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return float(value)


def training_augment(augment: str | list[dict[str, Any]] | None, input_shape: Sequence[int]) -> Augment | None:
    """The optional pipeline a single-view method applies to each training batch before making its
    own targets (``None``: the images as they are)."""
    if augment is None:
        return None
    try:
        pipeline = Augment(augment)
    except (TypeError, ValueError) as error:  # name the option: Augment's message is shared by every caller
        raise type(error)(f"augment: {error}") from None
    check_augment_shape(pipeline, tuple(input_shape))
    return pipeline
