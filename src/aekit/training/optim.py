"""The optimizer and learning-rate scheduler a :class:`TrainConfig` names."""

from __future__ import annotations

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
    try:
        return classes[name](model.parameters(), **options)
    except TypeError as err:
        raise ValueError(f"optimizer {config.optimizer!r} rejected its options {options}: {err}") from None


def make_scheduler(optimizer: torch.optim.Optimizer, config: TrainConfig):
    sched = torch.optim.lr_scheduler
    if config.scheduler == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=config.epochs)
    if config.scheduler == "step":
        return sched.StepLR(optimizer, step_size=max(1, config.epochs // 3), gamma=0.1)
    if config.scheduler == "plateau":
        return sched.ReduceLROnPlateau(optimizer, factor=0.5, patience=max(1, (config.early_stopping or 10) // 3))
    return None
