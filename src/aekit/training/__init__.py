"""One readable training loop, its configuration and device choices."""

from .checkpoint import load_checkpoint, save_checkpoint
from .config import TrainConfig
from .distributed import init_distributed, is_main_process
from .device import resolve_device, resolve_precision, seed_everything
from .history import History
from .loop import TrainingDivergedError, evaluate, fit, make_optimizer
from .schedules import CapacitySchedule, KLWarmup, LinearSchedule

__all__ = [
    "CapacitySchedule",
    "History",
    "KLWarmup",
    "LinearSchedule",
    "TrainConfig",
    "TrainingDivergedError",
    "evaluate",
    "fit",
    "init_distributed",
    "is_main_process",
    "load_checkpoint",
    "make_optimizer",
    "resolve_device",
    "resolve_precision",
    "save_checkpoint",
    "seed_everything",
]
