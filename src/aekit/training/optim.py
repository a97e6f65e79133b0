"""The optimizer and learning-rate scheduler a :class:`TrainConfig` names."""

from __future__ import annotations

import inspect

import torch
from torch import nn

from .config import TrainConfig


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """The ``torch.optim`` class named by ``config.optimizer`` (case-insensitive)."""
    classes = {
        name.lower(): cls
        for name, cls in vars(torch.optim).items()
        if isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer) and cls is not torch.optim.Optimizer
    }
    name = str(config.optimizer).lower()
    if name == "lbfgs" or name not in classes:
        usable = sorted(set(classes) - {"lbfgs"})
        raise ValueError(f"optimizer must be one of {usable}, got {config.optimizer!r}")
    options = {"lr": config.lr, "weight_decay": config.weight_decay, **config.optimizer_options}
    if not options["weight_decay"] and "weight_decay" not in inspect.signature(classes[name]).parameters:
        del options["weight_decay"]  # no decay asked of one that has none (SparseAdam): nothing to pass
    if _can_fuse(classes[name], model, options):
        # One fused kernel updates every parameter (Adam, AdamW, SGD, ... on CPU and CUDA): about
        # 25% less time per step than the default per-parameter loop for aekit's small models
        # (benchmarks/speed.py). optimizer_options={"fused": False} turns it off.
        try:
            return classes[name](model.parameters(), **options, fused=True)
        except (RuntimeError, TypeError, ValueError):
            pass  # this torch build, device or dtype has no fused kernel: the plain loop below
    try:
        return classes[name](model.parameters(), **options)
    except TypeError as err:
        raise ValueError(f"optimizer {config.optimizer!r} rejected its options {options}: {err}") from None


def _can_fuse(cls: type, model: nn.Module, options: dict) -> bool:
    """A fused step is used unless the user chose an implementation (``fused``/``foreach``)."""
    if "fused" in options or "foreach" in options or "fused" not in inspect.signature(cls).parameters:
        return False
    devices = {p.device.type for p in model.parameters()}
    return len(devices) == 1 and devices <= {"cpu", "cuda"} and all(p.is_floating_point() for p in model.parameters())


def make_scheduler(optimizer: torch.optim.Optimizer, config: TrainConfig, steps_per_epoch: int | None = None):
    """The scheduler ``config.scheduler`` names. "onecycle" steps after every batch, so it needs
    ``steps_per_epoch``; the others step once per epoch."""
    sched = torch.optim.lr_scheduler
    if config.scheduler == "onecycle":
        if not steps_per_epoch:
            raise ValueError("scheduler='onecycle' needs data of known length (arrays, tensors or a sized Dataset)")
        # Smith & Topin (2019): warm up to lr over the first 30% of the steps, then anneal to lr / 2.5e5.
        return sched.OneCycleLR(optimizer, max_lr=config.lr, total_steps=config.epochs * steps_per_epoch)
    if config.scheduler == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=config.epochs)
    if config.scheduler == "step":
        return sched.StepLR(optimizer, step_size=max(1, config.epochs // 3), gamma=0.1)
    if config.scheduler == "plateau":
        return sched.ReduceLROnPlateau(optimizer, factor=0.5, patience=max(1, (config.early_stopping or 10) // 3))
    return None
