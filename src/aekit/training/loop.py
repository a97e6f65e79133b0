"""The training loop. It fits on one screen; everything it needs is set up by small helpers."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

import torch
from torch import nn
from tqdm.auto import tqdm

from .batching import make_sources
from .config import TrainConfig
from .device import autocast, resolve_device, resolve_precision, seed_everything
from .history import History

# A callback sees each finished epoch; returning True stops training.
Callback = Callable[[int, dict, nn.Module], "bool | None"]


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite; the model keeps its last good weights."""


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


def _add_parts(sums: dict[str, torch.Tensor], parts: dict[str, torch.Tensor], weight: int) -> None:
    """Accumulate batch means on the device; read back once per epoch, not once per step."""
    for key, value in parts.items():
        value = value.detach().float() * weight
        sums[key] = sums[key] + value if key in sums else value


def _epoch_means(sums: dict[str, torch.Tensor], n: int, prefix: str) -> dict[str, float]:
    values = torch.stack(list(sums.values())).cpu().tolist()  # the epoch's one host sync
    return {f"{prefix}_{key}": v / n for key, v in zip(sums, values)}


@torch.no_grad()
def evaluate(model: nn.Module, source, amp_dtype=None, device=None) -> dict[str, float]:
    """Mean loss parts over ``source`` with dropout and corruption off (latent sampling stays on,
    so a VAE's validation loss is its negative ELBO)."""
    was_training = model.training
    model.eval()
    latent = getattr(model, "latent", None)
    if latent is not None:
        latent.train()
    sums: dict[str, torch.Tensor] = {}
    for batch in source.batches(shuffle=False):
        with autocast(device or batch[0].device, amp_dtype):
            _add_parts(sums, model.loss(*batch).parts, len(batch[0]))
    model.train(was_training)
    return _epoch_means(sums, len(source), "val")


def fit(
    model: nn.Module,
    data,
    config: TrainConfig | None = None,
    *,
    validation_data=None,
    callbacks: Iterable[Callback] = (),
) -> History:
    """Train ``model`` (anything with ``loss(x) -> LossOutput``) on ``data``.

    Parameters
    ----------
    model : AutoencoderModel or any module with a ``loss`` method
    data : array, Tensor, tuple of arrays, or torch Dataset
        Samples of shape (n, *input_shape). Arrays and tensors are batched in memory; a tuple
        ``(x, extra, ...)`` passes the extras to ``model.loss`` as further arguments.
    config : TrainConfig
    validation_data : optional
        Held-out samples; when absent, ``config.validation_split`` of ``data`` is held out.
    callbacks : callables ``(epoch, record, model) -> bool | None``; True stops training.

    Examples
    --------
    >>> from aekit import create_model
    >>> model = create_model("deep", (64,), latent_dim=4)
    >>> history = fit(model, torch.rand(100, 64), TrainConfig(epochs=2, progress=False))
    >>> len(history)
    2
    """
    config = config or TrainConfig()
    config.validate()
    device = resolve_device(config.device)
    amp_dtype = resolve_precision(config.precision, device)
    seed_everything(config.seed)
    model.to(device)
    train_src, val_src = make_sources(
        data, validation_data, config.validation_split, config.batch_size, device, config.seed, config.num_workers
    )
    optimizer = make_optimizer(model, config)
    scheduler = make_scheduler(optimizer, config)
    history = History()
    best, best_state, waited = math.inf, None, 0

    bar = tqdm(range(1, config.epochs + 1), desc="training", unit="epoch", disable=not config.progress, leave=False)
    for epoch in bar:
        start = time.perf_counter()
        model.train()
        sums: dict[str, torch.Tensor] = {}
        for batch in train_src.batches(shuffle=True):  # (x, *extras), x: (B, *input_shape), on device
            with autocast(device, amp_dtype):
                out = model.loss(*batch)  # forward pass, reconstruction + regularisers
            optimizer.zero_grad(set_to_none=True)
            out.total.backward()
            if config.grad_clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            _add_parts(sums, out.parts, len(batch[0]))

        record = {"epoch": epoch, **_epoch_means(sums, len(train_src), "train")}
        if val_src is not None:
            record.update(evaluate(model, val_src, amp_dtype, device))
        record["lr"] = optimizer.param_groups[0]["lr"]
        record["seconds"] = time.perf_counter() - start
        history.records.append(record)
        monitored = record["val_total" if val_src is not None else "train_total"]

        if not math.isfinite(monitored):
            if best_state is not None:
                model.load_state_dict(best_state)
            raise TrainingDivergedError(
                f"the loss became {monitored} at epoch {epoch}: the learning rate ({config.lr}) is likely too "
                "high or the inputs hold extreme values; lower lr, set grad_clip, or scale the data"
            )
        if monitored < best - config.min_delta:
            best, waited, history.best_epoch = monitored, 0, epoch
            if config.restore_best:
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            waited += 1
        if scheduler is not None:
            scheduler.step(monitored) if config.scheduler == "plateau" else scheduler.step()
        bar.set_postfix({k: f"{v:.4g}" for k, v in record.items() if k.endswith("total")})
        stop = any(bool(cb(epoch, record, model)) for cb in callbacks)
        if stop or (config.early_stopping is not None and waited >= config.early_stopping):
            history.stopped_early = True
            break

    if config.restore_best and best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return history
