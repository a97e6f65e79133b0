"""Training configuration: one dataclass, one comment per field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

SCHEDULERS = (None, "cosine", "step", "plateau", "onecycle")
GUARD_RAIL = 1000.0  # grad_clip="auto" for the optimizers below
STEP_GROWS_WITH_GRADIENT = ("sgd", "asgd")  # torch.optim names whose update is lr times the gradient
PRECISIONS = ("fp32", "bf16", "fp16", "auto")


@dataclass
class TrainConfig:
    """How to train. Every field has a default that works for small data on a laptop CPU.

    Examples
    --------
    >>> TrainConfig(epochs=5, batch_size=64).lr
    0.001
    """

    epochs: int = 50  # passes over the training data (upper bound when early stopping is on)
    batch_size: int = 128  # samples per optimizer step
    lr: float = 1e-3  # learning rate
    optimizer: str = "adam"  # any torch.optim class, by case-insensitive name ("adamw", "sgd", ...)
    optimizer_options: dict[str, Any] = field(default_factory=dict)  # extra optimizer kwargs
    weight_decay: float = 0.0  # the optimizer's weight decay (L2 for Adam/SGD, decoupled for AdamW)
    # None, "cosine", "step" (x0.1 every third of training), "plateau", or "onecycle" (per batch:
    # warm-up to lr, then annealing to ~0; the fast recipe of docs/performance.md)
    scheduler: str | None = None
    validation_split: float = 0.1  # held-out fraction of the data for validation / early stopping
    early_stopping: int | None = 10  # patience in epochs without improvement; None to train all epochs
    min_delta: float = 0.0  # improvement smaller than this does not reset the patience
    restore_best: bool = True  # end with the weights of the best validation epoch
    # Clip the global gradient norm: a number, None (never) or "auto": a guard rail of 1000 against
    # one bad batch for the optimizers whose step grows with the gradient (SGD, ASGD), none for the
    # adaptive ones (Adam, AdamW, RMSprop, ...), whose step per parameter stays within a few times
    # lr whatever one gradient is (Adam: (1 - beta1) / sqrt(1 - beta2), about 3.2 lr). Reading
    # every gradient once a step cost 4-5% of a small model's step on a CPU (#19 item 7); gradient
    # norms of the built-in recipes stay below ~350 on Fashion-MNIST, so the guard rail leaves
    # healthy runs unchanged (below the threshold clipping multiplies by exactly 1).
    grad_clip: float | str | None = "auto"
    seed: int | None = 0  # seeds shuffling, noise and dropout; None for non-reproducible runs
    device: str = "auto"  # "auto" (cuda > mps > cpu), or any torch device string
    # "fp32", "bf16" (autocast), "fp16" (autocast plus a gradient scaler: for GPUs without bf16),
    # or "auto" (bf16 where hardware has it, else fp32; never fp16)
    precision: str = "fp32"
    progress: bool | int = True  # 0: none; 1: a bar (terminal) or plain lines (logs); 2: also a line per epoch
    num_workers: int = 0  # DataLoader workers, used only for torch Datasets
    checkpoint_every: int | None = None  # write a resumable checkpoint every N epochs (needs checkpoint_dir)
    checkpoint_dir: str | None = None  # folder for ``checkpoint.pt``; fit(resume_from=...) reads it back
    deterministic: bool = False  # torch.use_deterministic_algorithms(True) during fit (slower on GPU)
    # On the CPU, treat float32 numbers below 1.2e-38 (denormals) as 0 during the fit, as
    # TensorFlow does: a CPU computes with them 10-100x slower, and training meets them (tiny
    # gradients, Adam's second moments). A default `deep` fit on Fashion-MNIST at batch 128 took
    # 37% less time over 10 epochs (BENCHMARKS.md). Set on the fitting thread and, where torch's
    # OpenMP is libgomp (Linux wheels), on its worker threads too (aekit.training.denormals).
    flush_denormal: bool = True
    # torch.compile the training step's loss (forward + loss). Pays only for long runs, if at all:
    # on 2 CPU cores it compiled in 4.5 s and changed a step by 0.98-1.03x (BENCHMARKS.md).
    compile: bool = False
    # Memory format of 2-D convolution weights (channels_last = NHWC; convolutions then run NHWC).
    # None = auto: channels_last for models with 2-D convolutions on the CPU, where it made a conv
    # autoencoder's step 0.79x (fp32) and 0.73x (bf16) the time (BENCHMARKS.md); off elsewhere
    # (not measured on GPUs here). True / False force it.
    channels_last: bool | None = None

    def __post_init__(self) -> None:
        self.validate()

    def clip_norm(self) -> float | None:
        """The gradient-norm limit of this fit: ``grad_clip``, with "auto" resolved by the optimizer.

        >>> TrainConfig().clip_norm(), TrainConfig(optimizer="SGD").clip_norm()
        (None, 1000.0)
        """
        if self.grad_clip != "auto":
            return None if self.grad_clip is None else float(self.grad_clip)
        return GUARD_RAIL if str(self.optimizer).lower() in STEP_GROWS_WITH_GRADIENT else None

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first field that is out of range."""
        _positive_int(self.epochs, "epochs")
        _positive_int(self.batch_size, "batch_size")
        if not isinstance(self.lr, (int, float)) or not self.lr > 0:
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if not isinstance(self.weight_decay, (int, float)) or self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay!r}")
        if self.scheduler not in SCHEDULERS:
            raise ValueError(f"scheduler must be one of {SCHEDULERS}, got {self.scheduler!r}")
        if not isinstance(self.validation_split, (int, float)) or not 0 <= self.validation_split < 1:
            raise ValueError(f"validation_split must be in [0, 1), got {self.validation_split!r}")
        if self.early_stopping is not None:
            _positive_int(self.early_stopping, "early_stopping")
        if self.grad_clip not in (None, "auto") and not (
                isinstance(self.grad_clip, (int, float)) and not isinstance(self.grad_clip, bool) and self.grad_clip > 0):
            raise ValueError(f"grad_clip must be a positive number, 'auto' or None, got {self.grad_clip!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        if self.seed is not None and (not isinstance(self.seed, int) or self.seed < 0):
            raise ValueError(f"seed must be a non-negative int or None, got {self.seed!r}")
        if self.checkpoint_every is not None:
            _positive_int(self.checkpoint_every, "checkpoint_every")
            if self.checkpoint_dir is None:
                raise ValueError("checkpoint_every needs checkpoint_dir, the folder to write checkpoints to")
        if not isinstance(self.deterministic, bool):
            raise ValueError(f"deterministic must be True or False, got {self.deterministic!r}")
        if not isinstance(self.flush_denormal, bool):
            raise ValueError(f"flush_denormal must be True or False, got {self.flush_denormal!r}")
        if not isinstance(self.compile, bool):
            raise ValueError(f"compile must be True or False, got {self.compile!r}")
        if self.channels_last is not None and not isinstance(self.channels_last, bool):
            raise ValueError(f"channels_last must be True, False or None (auto), got {self.channels_last!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown training options {sorted(unknown)}; known: {sorted(known)}")
        return cls(**values)


def optimizer_spec(spec: str | Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """``(name, options)`` of an optimizer given as a name (``"adam"``) or, as the registries take
    parts, as a dict of the name and its options (``{"name": "adam", "betas": [0.9, 0.9]}``).

    Examples
    --------
    >>> optimizer_spec({"name": "sgd", "momentum": 0.9})
    ('sgd', {'momentum': 0.9})
    """
    if isinstance(spec, str):
        return spec, {}
    if not isinstance(spec, Mapping):
        raise TypeError(f"optimizer must be a name such as 'adam' or a dict, got {type(spec).__name__}")
    if "name" not in spec:  # the name itself is checked with the optimizer's other options, by make_optimizer
        raise ValueError(f"optimizer must be a name such as 'adam' or a dict with 'name' and the optimizer's "
                         f"options, e.g. {{'name': 'adam', 'betas': [0.9, 0.9]}}; got {spec!r}")
    return spec["name"], {k: v for k, v in spec.items() if k != "name"}


def _positive_int(value: Any, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
