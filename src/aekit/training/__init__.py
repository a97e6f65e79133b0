"""One readable training loop, its configuration and device choices."""

from .config import TrainConfig
from .device import resolve_device, resolve_precision, seed_everything
from .history import History
from .loop import TrainingDivergedError, evaluate, fit, make_optimizer

__all__ = [
    "History",
    "TrainConfig",
    "TrainingDivergedError",
    "evaluate",
    "fit",
    "make_optimizer",
    "resolve_device",
    "resolve_precision",
    "seed_everything",
]
