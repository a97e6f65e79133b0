"""The training loop. It fits on one screen; everything it needs is set up by small helpers."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

import numpy as np
import torch
from torch import nn

from .clipping import clip_grad_norm
from .config import TrainConfig
from .device import autocast, explain_fp16_cpu_errors
from .distributed import all_reduce_sums, any_rank
from .history import History
from .progress import Progress
from .optim import make_optimizer, make_scheduler  # noqa: F401  (re-exported: aekit.training.loop.make_optimizer)
from .session import deterministic_mode, flushing_denormals, start_session

# A callback sees each finished epoch; returning True stops training.
Callback = Callable[[int, dict, nn.Module], "bool | None"]


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite; the model keeps its last good weights."""


# Steps whose loss parts a _PartSums buffer holds before it adds them up (bounds its memory in long epochs).
_FOLD_EVERY = 1024


class _PartSums:
    """Sample-weighted sums of the loss parts, read back once per epoch, not once per step.

    A step copies its parts into the next row of a float32 buffer on their device: one small
    copy, no host sync. The rows are added up when the epoch's means are read (and whenever a
    buffer fills): each step's parts times its sample count, added to the running sum one step
    after another in float32, which is the arithmetic of a running sum kept on the device step by
    step, bit for bit, without its three small tensor operations a step (about 10 us each step).
    The buffer holds copies, not the parts: keeping every step's loss tensor alive until the end
    of the epoch cost 2-3% of a default fit's step on a CPU (#19 item 7; copies or Python floats
    held instead cost 0.3-1%), likely because the allocator could then not reuse those blocks."""

    def __init__(self) -> None:
        self.sums: dict[tuple[str, ...], torch.Tensor] = {}
        # part names -> (buffer (_FOLD_EVERY, n_parts), the sample counts of its filled rows)
        self.waiting: dict[tuple[str, ...], tuple[torch.Tensor, list[int]]] = {}
        self.seen = 0

    def add(self, parts: dict[str, torch.Tensor], weight: int) -> None:
        keys = tuple(parts)
        entry = self.waiting.get(keys)
        if entry is None:
            device = next(iter(parts.values())).device
            entry = self.waiting[keys] = (torch.empty(_FOLD_EVERY, len(keys), device=device), [])
        rows, weights = entry
        torch.stack([v.detach() for v in parts.values()], out=rows[len(weights)])
        weights.append(weight)
        self.seen += weight
        if len(weights) == len(rows):
            self._fold(keys)

    def _fold(self, keys: tuple[str, ...]) -> None:
        """Add the waiting steps of ``keys`` to its sum, in step order (np.add.accumulate runs
        sequentially)."""
        rows, weights = self.waiting[keys]
        if not weights:
            return
        products = rows[: len(weights)].cpu().numpy() * np.array([[w] for w in weights], dtype=np.float32)
        if keys in self.sums:
            products = np.concatenate([self.sums[keys].cpu().numpy()[None], products])
        self.sums[keys] = torch.from_numpy(np.add.accumulate(products, axis=0)[-1]).to(rows.device)
        weights.clear()

    def means(self, prefix: str, device=None) -> dict[str, float]:
        """Sample-weighted means, summed over all DDP ranks when distributed."""
        for keys in self.waiting:
            self._fold(keys)
        per_name: dict[str, torch.Tensor] = {}
        for keys, values in self.sums.items():
            for key, value in zip(keys, values.unbind()):
                per_name[key] = per_name[key] + value if key in per_name else value
        sums, n = all_reduce_sums(per_name, self.seen, device or torch.device("cpu"))
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
    sums = _PartSums()
    for batch in source.batches(shuffle=False):  # under DDP: this rank's shard
        with autocast(device or batch[0].device, amp_dtype):
            sums.add(model.loss(*batch).parts, len(batch[0]))
    model.train(was_training)
    return sums.means("val", device)


def fit(
    model: nn.Module,
    data,
    config: TrainConfig | None = None,
    *,
    validation_data=None,
    callbacks: Iterable[Callback] = (),
    resume_from=None,
) -> History:
    """Train ``model`` (anything with ``loss(x) -> LossOutput``) on ``data``.

    Under ``torchrun`` the model trains with DistributedDataParallel, each process on its shard
    of every batch (see :mod:`aekit.training.distributed`).

    Parameters
    ----------
    model : AutoencoderModel or any module with a ``loss`` method
    data : array, Tensor, tuple of arrays, torch Dataset, or streaming source
        Samples of shape (n, *input_shape). Arrays and tensors are batched in memory; a tuple
        ``(x, extra, ...)`` passes the extras to ``model.loss`` as further arguments; a
        :class:`aekit.data.streaming.ArrayStream` streams data larger than memory from disk.
    config : TrainConfig
    validation_data : optional
        Held-out samples; when absent, ``config.validation_split`` of ``data`` is held out.
    callbacks : callables ``(epoch, record, model) -> bool | None``; True stops training.
        A callback with an ``on_fit_start(first_epoch, model)`` method is told the first epoch
        this fit runs (later than 1 when resumed) before it starts.
    resume_from : path, optional
        A checkpoint folder (or file) written with ``config.checkpoint_every``: training goes on
        from its epoch with the same weights, optimizer, RNG and data order.

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
    with deterministic_mode(config.deterministic):
        run = start_session(model, data, validation_data, config, resume_from)
        with explain_fp16_cpu_errors(run.device, run.amp_dtype), flushing_denormals(config.flush_denormal, run.device):
            return _train(run, list(callbacks))


def _train(run, callbacks: list[Callback]) -> History:
    model, config, optimizer, device = run.model, run.config, run.optimizer, run.device
    epochs = range(run.start_epoch, config.epochs + 1)
    samples = len(run.train_src) if hasattr(run.train_src, "__len__") else None  # this rank counts its share
    clip = config.clip_norm()
    progress = Progress(config.progress if run.where.is_main else False, run.start_epoch, config.epochs,
                        None if samples is None else -(-samples // run.where.world_size))
    for cb in callbacks:  # a resumed fit starts later: schedules set the value of its first epoch
        if hasattr(cb, "on_fit_start"):
            cb.on_fit_start(run.start_epoch, model)
    try:
        for epoch in epochs:
            start = time.perf_counter()
            model.train()
            sums = _PartSums()
            for batch in run.train_src.batches(shuffle=True):  # (x, *extras), x: (B, *input_shape), on device
                with autocast(device, run.amp_dtype):
                    out = run.loss(*batch)  # model.loss (through DDP when distributed): reconstruction + regularisers
                optimizer.zero_grad(set_to_none=True)
                # fp16: the loss is scaled up so that small gradients survive; otherwise as is.
                run.scaler.scale(out.total).backward()  # under DDP, gradients are averaged over ranks here
                if clip is not None:
                    run.scaler.unscale_(optimizer)  # clip the true gradients, not the scaled ones
                    clip_grad_norm(run.params, clip)  # torch's, minus its multiply by 1 on the CPU
                run.scaler.step(optimizer)  # fp16: skipped when a gradient overflowed (inf/NaN)
                run.after_step()  # loss scale update, per-batch schedules ("onecycle"; not after a skip)
                sums.add(out.parts, len(batch[0]))  # no host sync here: read once per epoch
                progress.step(len(batch[0]))

            record = {"epoch": epoch, **sums.means("train", device)}
            if run.val_src is not None:
                record.update(evaluate(model, run.val_src, run.amp_dtype, device))
            record["lr"] = optimizer.param_groups[0]["lr"]
            record["seconds"] = time.perf_counter() - start
            run.history.records.append(record)
            monitored = record["val_total" if run.val_src is not None else "train_total"]

            bad = [v for v in (record["train_total"], monitored) if not math.isfinite(v)]
            if bad:
                run.restore_good()  # best or last finite weights: never leave NaN weights behind
                fp16 = " (fp16 overflows above 65504: try precision='bf16')" if config.precision == "fp16" else ""
                raise TrainingDivergedError(
                    f"the loss became {bad[0]} at epoch {epoch}: the learning rate ({config.lr}) is likely too "
                    f"high or the inputs hold extreme values; lower lr, set grad_clip, or scale the data{fp16}"
                )
            run.track(monitored, epoch)  # early-stopping counters, best and last good weights
            run.step_scheduler(monitored)
            progress.epoch(record)
            stop = any_rank(any([bool(cb(epoch, record, model)) for cb in callbacks]), device)
            if stop or run.should_stop():
                run.history.stopped_early = True
            run.maybe_checkpoint(epoch, last=run.history.stopped_early or epoch == config.epochs)
            if run.history.stopped_early:
                break
        history = run.finish()
        progress.finish(history)  # the summary line: epochs, time, final loss, best validation loss
        return history
    finally:
        progress.close()  # also when training diverges: the bar never lingers half-drawn
