"""Batch sources for the training loop.

Data that fits in memory is moved to the device once and sliced with a random permutation each
epoch: no DataLoader, no collation, no worker processes. On a CPU this is several times faster
than a DataLoader for the small models autoencoders usually are. Anything else (a torch
``Dataset``) goes through a ``DataLoader``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, random_split


Batch = tuple[torch.Tensor, ...]  # (x,) or (x, condition, ...): the arguments of model.loss


def take_rows(tensor: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """``tensor[rows]`` for a 1-D index tensor, the same values through ``index_select``.

    Advanced indexing runs torch's general gather kernel; ``index_select`` along the first axis
    copies whole rows. On a CPU (one thread) a batch of 128 rows of 784 float32 takes about 80 us
    against 200 us: 2% of a default fit's step at batch 128 (BENCHMARKS.md, #19 item 7)."""
    return torch.index_select(tensor, 0, rows)


def shard_order(order: torch.Tensor, rank: int, world: int, pad: bool) -> torch.Tensor:
    """This rank's share of ``order``: every ``world``-th index from ``rank`` on.

    With ``pad`` the order is first extended with its own head to a multiple of ``world``, so
    that every rank takes the same number of steps (DDP needs all ranks in every step) and
    global batch ``i`` is exactly the union of the ranks' local batches ``i``.
    """
    if world == 1:
        return order
    if pad and len(order) % world:
        order = torch.cat([order, order[: world - len(order) % world]])
    return order[rank::world]


class TensorBatches:
    """Shuffled slices of in-memory tensors (x and optional extras) already on the target device.

    Under DDP (``world > 1``) each rank reads its shard of every global batch of ``batch_size``.
    """

    def __init__(
        self, tensors: Batch, batch_size: int, generator: torch.Generator, rank: int = 0, world: int = 1
    ) -> None:
        self.tensors = tensors
        self.batch_size = batch_size
        self.generator = generator
        self.rank, self.world = rank, world

    def __len__(self) -> int:
        return len(self.tensors[0])

    def batches(self, shuffle: bool = True) -> Iterator[Batch]:
        n = len(self)
        if self.world > 1:
            order = torch.randperm(n, generator=self.generator) if shuffle else torch.arange(n)
            order = shard_order(order, self.rank, self.world, pad=shuffle).to(self.tensors[0].device)
            local = self.batch_size // self.world
            for start in range(0, len(order), local):
                idx = order[start : start + local]
                yield tuple(take_rows(t, idx) for t in self.tensors)
            return
        order = torch.randperm(n, generator=self.generator).to(self.tensors[0].device) if shuffle else None
        for start in range(0, n, self.batch_size):
            if order is None:
                yield tuple(t[start : start + self.batch_size] for t in self.tensors)
            else:
                idx = order[start : start + self.batch_size]
                yield tuple(take_rows(t, idx) for t in self.tensors)


class LoaderBatches:
    """Batches of a torch ``Dataset`` through a ``DataLoader``.

    Items may be ``x`` or ``(x, ...)``; only ``x`` is passed on unless ``with_extras`` is set,
    because datasets commonly carry labels that an autoencoder must not see.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int,
        generator: torch.Generator,
        device: torch.device,
        num_workers: int,
        with_extras: bool = False,
        rank: int = 0,
        world: int = 1,
    ) -> None:
        self.dataset = dataset
        self.device = device
        self.with_extras = with_extras
        self.generator, self.rank, self.world = generator, rank, world
        self.kwargs = dict(
            batch_size=batch_size // world, num_workers=num_workers, pin_memory=device.type == "cuda"
        )

    def __len__(self) -> int:
        return len(self.dataset)

    def _loader(self, shuffle: bool) -> DataLoader:
        if self.world == 1:
            return DataLoader(self.dataset, shuffle=shuffle, generator=self.generator, **self.kwargs)
        n = len(self.dataset)
        order = torch.randperm(n, generator=self.generator) if shuffle else torch.arange(n)
        return DataLoader(self.dataset, sampler=shard_order(order, self.rank, self.world, shuffle).tolist(), **self.kwargs)

    def batches(self, shuffle: bool = True) -> Iterator[Batch]:
        for batch in self._loader(shuffle):
            batch = tuple(batch) if isinstance(batch, (list, tuple)) else (batch,)
            x = batch[0].to(self.device, dtype=torch.float32, non_blocking=True)
            extras = tuple(t.to(self.device, non_blocking=True) for t in batch[1:]) if self.with_extras else ()
            yield (x, *extras)


def sample_inputs(source, max_rows: int) -> torch.Tensor:
    """Up to ``max_rows`` training inputs ``x`` for data-dependent initialisation.

    In-memory data gives evenly spaced rows (no randomness); other sources give their first
    shuffled batches, with the shuffling generator's state restored afterwards so that training
    sees the same data order as without this call.
    """
    if isinstance(source, TensorBatches):
        x = source.tensors[0]
        return x[:: max(1, -(-len(x) // max_rows))]
    generator = getattr(source, "generator", None)
    state = generator.get_state() if generator is not None else None
    rows, n = [], 0
    try:
        for batch in source.batches(shuffle=True):
            rows.append(batch[0])
            n += len(batch[0])
            if n >= max_rows:
                break
    finally:
        if state is not None:
            generator.set_state(state)
    return torch.cat(rows)[:max_rows]


_KNOWN_FINITE = "_aekit_known_finite"


def mark_finite(data: torch.Tensor) -> torch.Tensor:
    """Mark a float32 tensor whose values its maker has just checked to be finite (the estimators:
    scikit-learn's input validation), so that :func:`as_float_tensor` does not read it all again;
    6-8 ms of every fit on 20,000 x 784 rows. Only the tensor object carries the mark: a view or a
    copy made from it is checked as usual."""
    setattr(data, _KNOWN_FINITE, True)
    return data


def as_float_tensor(data: np.ndarray | torch.Tensor, name: str = "data") -> torch.Tensor:
    """A float32 tensor view/copy of an array, with clear errors for the wrong kinds of input."""
    if isinstance(data, np.ndarray):
        if not np.issubdtype(data.dtype, np.number) or np.issubdtype(data.dtype, np.complexfloating):
            raise TypeError(f"{name} must hold real numbers, got dtype {data.dtype}")
        data = torch.from_numpy(np.ascontiguousarray(data, dtype=np.float32))
    if not isinstance(data, torch.Tensor):
        raise TypeError(f"{name} must be a numpy array, a torch Tensor or a torch Dataset, got {type(data).__name__}")
    if data.dim() < 2 or len(data) == 0:
        raise ValueError(f"{name} must have shape (n_samples, ...) with n_samples >= 1, got {tuple(data.shape)}")
    if data.dtype == torch.float32 and getattr(data, _KNOWN_FINITE, False):  # see mark_finite: no second pass
        return data
    data = data.float()
    # A NaN or an infinity makes the sum non-finite: one fast pass, no mask the size of the data
    # (isfinite(data).all() took 0.14-0.34 s of a 2.4 s epoch on 60,000 Fashion-MNIST rows; aminmax
    # 14 ms, the sum about 3 ms on 20,000 x 784, one thread). A sum of finite values that
    # overflows takes the exact test.
    if not torch.isfinite(data.sum()) and not all(torch.isfinite(v) for v in torch.aminmax(data)):
        raise ValueError(f"{name} contains NaN or infinite values; clean or impute them before training")
    return data


def _as_tensors(data, name: str) -> Batch:
    """``x`` or a tuple ``(x, extra, ...)`` of equal-length arrays -> tuple of tensors."""
    if isinstance(data, tuple):
        if not data:
            raise ValueError(f"{name} is an empty tuple; give x or (x, condition, ...)")
        x = as_float_tensor(data[0], name)
        extras = tuple(torch.as_tensor(np.asarray(e) if not isinstance(e, torch.Tensor) else e) for e in data[1:])
        for i, e in enumerate(extras, 1):
            if len(e) != len(x):
                raise ValueError(f"{name}[{i}] has {len(e)} rows but {name}[0] has {len(x)}")
        return (x, *extras)
    return (as_float_tensor(data, name),)


def make_sources(
    data,
    validation_data,
    validation_split: float,
    batch_size: int,
    device: torch.device,
    seed: int | None,
    num_workers: int = 0,
    with_extras: bool = False,
    generator: torch.Generator | None = None,
    rank: int = 0,
    world: int = 1,
):
    """Training and (optional) validation sources; a validation split is drawn when none is given.

    ``data`` is an array/tensor ``x``, a tuple ``(x, extra, ...)`` of arrays whose extras are passed
    to ``model.loss`` too (e.g. a label a conditional model uses), or a torch ``Dataset``
    (extras passed on only when ``with_extras``), or a streaming source (anything with
    ``as_batch_sources``, e.g. :class:`aekit.data.streaming.ArrayStream`). ``generator`` draws
    the split and the shuffling (one is made from ``seed`` when absent); under DDP each of
    ``world`` ranks reads its shard of every global batch of ``batch_size``.
    """
    if world > 1 and batch_size % world:
        raise ValueError(f"batch_size ({batch_size}) is the global batch and must be divisible by the {world} processes")
    if generator is None:
        generator = torch.Generator()
        if seed is not None:
            generator.manual_seed(seed)
    if hasattr(data, "as_batch_sources"):
        if validation_data is not None:
            raise ValueError("validation_data cannot be combined with a streaming source; use validation_split")
        return data.as_batch_sources(batch_size, generator, validation_split, device, rank, world)
    if isinstance(data, Dataset) and not isinstance(data, torch.Tensor):
        train, val = data, validation_data
        n_val = int(len(data) * validation_split) if val is None else 0
        if n_val >= 1:
            train, val = random_split(data, [len(data) - n_val, n_val], generator=generator)

        def wrap(ds):
            return LoaderBatches(ds, batch_size, generator, device, num_workers, with_extras, rank, world)

        return wrap(train), (wrap(val) if val is not None else None)

    tensors = _as_tensors(data, "data")
    val_tensors = None if validation_data is None else _as_tensors(validation_data, "validation_data")
    if val_tensors is not None and val_tensors[0].shape[1:] != tensors[0].shape[1:]:
        raise ValueError(
            f"validation_data samples have shape {tuple(val_tensors[0].shape[1:])}, "
            f"training data {tuple(tensors[0].shape[1:])}"
        )
    n = len(tensors[0])
    n_val = int(n * validation_split) if val_tensors is None else 0
    if n_val >= 1 and n - n_val >= 1:
        order = torch.randperm(n, generator=generator)
        val_tensors = tuple(take_rows(t, order[:n_val]) for t in tensors)
        tensors = tuple(take_rows(t, order[n_val:]) for t in tensors)
    train = TensorBatches(tuple(t.to(device) for t in tensors), batch_size, generator, rank, world)
    val = None
    if val_tensors is not None:
        val = TensorBatches(tuple(t.to(device) for t in val_tensors), batch_size, generator, rank, world)
    return train, val
