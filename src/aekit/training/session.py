"""Everything the training loop sets up before its first step, and the state it carries between
epochs: device and precision, the process group, batch sources, optimizer and scheduler, early
stopping, checkpoints and resumption. Kept here so that :func:`aekit.training.fit` stays short.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from . import distributed as ddp
from ..nn.pca import data_init_modules
from .batching import make_sources, sample_inputs
from .checkpoint import check_compatible, cpu_state, load_checkpoint, rng_states, save_checkpoint, set_rng_states
from .config import TrainConfig
from .denormals import flushing_on_all_threads
from .device import grad_scaler, resolve_device, resolve_precision, seed_everything
from .history import History
from .optim import make_optimizer, make_scheduler


@contextlib.contextmanager
def deterministic_mode(enabled: bool) -> Iterator[None]:
    """``torch.use_deterministic_algorithms(True)`` for the duration of a fit, then as before."""
    if not enabled:
        yield
        return
    previous = torch.are_deterministic_algorithms_enabled()
    # cuBLAS needs a fixed workspace to be deterministic; it must be set before the first matmul.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    benchmark = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous)
        torch.backends.cudnn.benchmark = benchmark


@contextlib.contextmanager
def flushing_denormals(enabled: bool, device: torch.device) -> Iterator[None]:
    """Denormal float32 numbers flushed to zero while a CPU fit runs, on the fitting thread and on
    torch's OpenMP worker threads (:mod:`aekit.training.denormals`), then each thread's mode as it
    was before."""
    if not enabled or device.type != "cpu":
        yield
        return
    with flushing_on_all_threads():
        yield


def _clone(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@dataclass
class Session:
    """One fit's setup and its between-epoch state (early stopping, last good weights)."""

    model: nn.Module
    config: TrainConfig
    device: torch.device
    amp_dtype: torch.dtype | None
    where: ddp.DistInfo
    generator: torch.Generator
    train_src: Any
    val_src: Any
    optimizer: torch.optim.Optimizer
    scheduler: Any
    loss: Any  # model.loss, or the forward of its DDP wrapper
    history: History = field(default_factory=History)
    start_epoch: int = 1
    best: float = math.inf
    waited: int = 0
    best_state: dict[str, torch.Tensor] | None = None
    good_state: dict[str, torch.Tensor] | None = None  # last weights with a finite loss (initially the start)
    params: list[torch.Tensor] = field(default_factory=list)  # for gradient clipping, listed once, not every step
    # fp16's loss scaler; disabled (every call passes straight through) for fp32 and bf16
    scaler: torch.amp.GradScaler = field(default_factory=lambda: torch.amp.GradScaler("cpu", enabled=False))
    last_scale: float = 1.0  # the loss scale before the latest step, to see whether it was skipped

    # -- between epochs --------------------------------------------------------------------------
    def track(self, monitored: float, epoch: int) -> None:
        """Update early stopping and the weights to fall back to (best, last good).

        After the last epoch of a fit that writes no checkpoint nothing falls back any more, so no
        copy of the weights is taken (0.8 ms for the default recipe on 784 features): when that
        epoch is the best, the model simply keeps its weights (see :meth:`finish`)."""
        final = epoch == self.config.epochs and self.config.checkpoint_every is None
        if not final:
            self.good_state = _clone(self.model)
        if monitored < self.best - self.config.min_delta:
            self.best, self.waited, self.history.best_epoch = monitored, 0, epoch
            if self.config.restore_best:
                self.best_state = None if final else self.good_state
        else:
            self.waited += 1

    def step_scheduler(self, monitored: float) -> None:
        """Once per epoch ("onecycle" steps per batch instead, in :meth:`after_step`)."""
        if self.scheduler is not None and self.config.scheduler != "onecycle":
            self.scheduler.step(monitored) if self.config.scheduler == "plateau" else self.scheduler.step()

    def after_step(self) -> None:
        """After every optimizer step: adapt fp16's loss scale, and advance a per-batch schedule
        ("onecycle") unless the scaler skipped the step (a gradient overflowed)."""
        self.scaler.update()
        per_batch = self.config.scheduler == "onecycle" and self.scheduler.last_epoch < self.scheduler.total_steps - 1
        if per_batch and self._step_taken():
            self.scheduler.step()

    def _step_taken(self) -> bool:
        """False after a step the scaler skipped. It lowers the scale then, and only then, so the
        scale tells; reading it is a host sync, paid only by fp16 with a per-batch schedule."""
        if not self.scaler.is_enabled():
            return True
        scale = self.scaler.get_scale()
        taken, self.last_scale = scale >= self.last_scale, scale
        return taken

    def should_stop(self) -> bool:
        return self.config.early_stopping is not None and self.waited >= self.config.early_stopping

    def restore_good(self) -> None:
        """After divergence: the best weights, else the last finite ones (never NaN weights)."""
        state = self.best_state if self.best_state is not None else self.good_state
        if state is not None:
            self.model.load_state_dict(state)

    def finish(self) -> History:
        # No best_state with restore_best: the model's weights are the best (see track)
        if self.config.restore_best and self.best_state is not None:
            self.model.load_state_dict(self.best_state)
        self.model.eval()
        if self.where.world_size > 1:
            # The DDP wrapper sits in reference cycles (its reducer's hooks point back at it); freed
            # only by a late garbage collection, its gloo work can outlive the interpreter and abort
            # the process at exit ("terminate called without an active exception"). Free it now.
            self.loss = None
            gc.collect()
        return self.history

    # -- checkpoints -----------------------------------------------------------------------------
    def maybe_checkpoint(self, epoch: int, last: bool) -> None:
        """Every ``checkpoint_every`` epochs (and at the end), rank 0 writes; the others wait."""
        every = self.config.checkpoint_every
        if every is None or not (epoch % every == 0 or last):
            return
        if self.where.is_main:
            save_checkpoint(self.config.checkpoint_dir, self.state(epoch))
        ddp.barrier()

    def state(self, epoch: int) -> dict[str, Any]:
        cpu = (lambda s: None if s is None else {k: v.to("cpu") for k, v in s.items()})
        return {
            "epoch": epoch,
            "model": cpu_state(self.model),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "best": self.best,
            "waited": self.waited,
            "best_state": cpu(self.best_state),
            "good_state": cpu(self.good_state),
            "history": self.history.to_dict(),
            "rng": rng_states(self.generator),
            "scaler": self.scaler.state_dict(),  # fp16's loss scale and growth counter ({} when off)
            "config": self._plain_config(),
        }

    def _plain_config(self) -> dict[str, Any]:
        """The config as plain data (a Path or a tuple would not survive weights_only loading as is)."""
        return json.loads(json.dumps(self.config.to_dict(), default=str))

    def resume(self, where: str | os.PathLike) -> None:
        """Load a checkpoint: weights, optimizer, scheduler, counters, history, RNG and data order."""
        state = load_checkpoint(where)
        check_compatible(state.get("config", {}), self._plain_config(), str(where))
        try:
            self.model.load_state_dict(state["model"])
        except RuntimeError as err:
            raise ValueError(f"checkpoint {str(where)!r} does not fit this model: {str(err).splitlines()[0]}") from None
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state["scheduler"] is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        on_device = (lambda s: None if s is None else {k: v.to(self.device) for k, v in s.items()})
        self.best, self.waited = float(state["best"]), int(state["waited"])
        self.best_state, self.good_state = on_device(state["best_state"]), on_device(state["good_state"])
        self.history = History.from_dict(state["history"])
        set_rng_states(state["rng"], self.generator)
        if state.get("scaler"):  # precision must match (checked above), so the scaler is on here too
            self.scaler.load_state_dict(state["scaler"])
            self.last_scale = self.scaler.get_scale()
        if self.where.rank:  # per-rank noise streams must differ; data order (generator) must not
            torch.manual_seed((self.config.seed or 0) + 7919 * self.where.rank + state["epoch"])
        self.start_epoch = int(state["epoch"]) + 1
        if self.history.stopped_early:
            self.start_epoch = self.config.epochs + 1  # the run had finished; nothing left to do


def _check_sample_shape(model: nn.Module, source) -> None:
    """A one-line error here rather than a shape mismatch deep inside the first layer."""
    expected = getattr(model, "input_shape", None)
    tensors = getattr(source, "tensors", None)
    if expected is not None and tensors is not None and tuple(tensors[0].shape[1:]) != tuple(expected):
        raise ValueError(
            f"data samples have shape {tuple(tensors[0].shape[1:])} but the model expects {tuple(expected)}"
        )


def _steps_per_epoch(source, batch_size: int) -> int | None:
    """Optimizer steps in one epoch, for per-batch schedules (None when the length is unknown)."""
    try:
        return math.ceil(len(source) / batch_size)
    except TypeError:
        return None


# Rows given to data-dependent initialisation (a PCA front end): enough for stable principal axes.
_DATA_INIT_ROWS = 65536


def _init_from_data(model: nn.Module, train_src) -> None:
    """Modules fitted from data (e.g. :class:`aekit.nn.PCAProjection`) get a sample of the training
    inputs before the first step. Under DDP each rank fits on its shard and the DDP wrapper then
    copies rank 0's buffers to every rank."""
    modules = data_init_modules(model)
    if modules:
        sample = sample_inputs(train_src, _DATA_INIT_ROWS)
        for module in modules:
            module.init_from_data(sample)


def _maybe_compile(loss_fn, enabled: bool):
    """The training loss, compiled with ``torch.compile`` when asked (validation stays eager)."""
    return torch.compile(loss_fn) if enabled else loss_fn


def _use_channels_last(model: nn.Module, device: torch.device, setting: bool | None) -> bool:
    """Whether to store 2-D convolution weights as NHWC (see ``TrainConfig.channels_last``)."""
    has_conv2d = any(isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) for m in model.modules())
    if setting is None:
        return has_conv2d and device.type == "cpu"
    return setting and has_conv2d


def start_session(model: nn.Module, data, validation_data, config: TrainConfig, resume_from=None) -> Session:
    """Device, process group, seeds, data shards, optimizer and scheduler; resumed when asked."""
    device = resolve_device(config.device)
    where = ddp.init_distributed(device)
    device = ddp.rank_device(device, where)
    seed_everything(None if config.seed is None else config.seed + 7919 * where.rank)
    model.to(device)
    if _use_channels_last(model, device, config.channels_last):
        # Weights alone suffice: a convolution runs NHWC when its input or its weight is NHWC.
        # Parameters keep their identity (only their storage changes), before the optimizer sees them.
        model.to(memory_format=torch.channels_last)
    generator = torch.Generator()  # shuffling: the same on every rank, so ranks agree on the data order
    if config.seed is not None:
        generator.manual_seed(config.seed)
    train_src, val_src = make_sources(
        data, validation_data, config.validation_split, config.batch_size, device, config.seed,
        config.num_workers, generator=generator, rank=where.rank, world=where.world_size,
    )
    _check_sample_shape(model, train_src)
    if resume_from is None:
        _init_from_data(model, train_src)
    optimizer = make_optimizer(model, config)
    session = Session(
        model, config, device, resolve_precision(config.precision, device), where, generator, train_src, val_src,
        optimizer, make_scheduler(optimizer, config, _steps_per_epoch(train_src, config.batch_size)),
        _maybe_compile(ddp.loss_function(model, where, device), config.compile),
    )
    session.good_state = _clone(model)
    session.params = list(model.parameters())
    session.scaler = grad_scaler(device, session.amp_dtype)
    session.last_scale = session.scaler.get_scale()
    if resume_from is not None:
        session.resume(resume_from)
    return session
