"""Multi-process training with PyTorch DistributedDataParallel (DDP).

Launch any script or ``aekit train`` with ``torchrun``; :func:`fit` sees the environment torchrun
sets (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``/``MASTER_PORT``), joins the
process group (gloo on CPU, nccl on GPU) and wraps the model in DDP. ``TrainConfig.batch_size``
stays the *global* batch: each of N ranks computes ``batch_size / N`` samples of every step, so
N processes follow the same trajectory as one process (up to float summation order).

Examples
--------
``torchrun --nproc_per_node=2 -m aekit train digits --out runs/ddp --device cpu``
"""

from __future__ import annotations

import atexit
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class DistInfo:
    """Where this process stands: rank among world_size processes (1 = not distributed)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Rank 0 writes files and shows progress."""
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world_size > 1


def env_world_size() -> int:
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        raise ValueError(f"WORLD_SIZE must be an integer, got {os.environ['WORLD_SIZE']!r}") from None


def init_distributed(device: torch.device | None = None) -> DistInfo:
    """Join the process group torchrun describes in the environment, once; a no-op without it.

    The backend is nccl when training on CUDA and gloo otherwise.
    """
    if dist.is_available() and dist.is_initialized():
        return info()
    if env_world_size() <= 1 or not dist.is_available():
        return DistInfo()
    cuda = (device is None or device.type == "cuda") and torch.cuda.is_available()
    backend = "nccl" if cuda else "gloo"
    if cuda:
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend=backend)
    atexit.register(_shutdown)
    return info()


def _shutdown() -> None:
    """At exit, leave the group together: a rank that tears gloo down while another still works
    (rank 0 saving files) can abort the other with "terminate called without an active exception"."""
    if dist.is_available() and dist.is_initialized():
        try:
            dist.barrier()
        except RuntimeError:  # a peer is already gone: nothing left to wait for
            pass
        dist.destroy_process_group()


def info() -> DistInfo:
    """This process's rank and the world size (``DistInfo()`` when not distributed)."""
    if not (dist.is_available() and dist.is_initialized()):
        return DistInfo()
    return DistInfo(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def is_main_process() -> bool:
    """True on rank 0 and in plain single-process runs: the process that writes files."""
    return info().is_main


def rank_device(device: torch.device, where: DistInfo) -> torch.device:
    """Each rank gets its own GPU (``cuda:LOCAL_RANK``); CPU ranks share the CPU."""
    if where.active and device.type == "cuda" and device.index is None:
        return torch.device("cuda", where.local_rank)
    return device


class LossModule(nn.Module):
    """Makes ``model.loss`` the forward pass, so that DDP sees it and synchronises gradients."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, *batch):
        return self.model.loss(*batch)


def loss_function(model: nn.Module, where: DistInfo, device: torch.device):
    """``model.loss`` itself, or the forward of a DDP wrapper around it when distributed."""
    if not where.active:
        return model.loss
    ids = [device.index if device.index is not None else where.local_rank] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(LossModule(model), device_ids=ids)


def all_reduce_sums(sums: dict[str, torch.Tensor], count: int, device: torch.device) -> tuple[dict, int]:
    """Sum per-rank metric sums and sample counts over all ranks (identity when not distributed)."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return sums, count
    keys = list(sums)  # the same model code runs on every rank, so the keys line up
    packed = torch.stack([sums[k].float() for k in keys] + [torch.tensor(float(count), device=device)])
    dist.all_reduce(packed)
    return {k: packed[i] for i, k in enumerate(keys)}, int(packed[-1].item())


def any_rank(flag: bool, device: torch.device) -> bool:
    """True when ``flag`` is true on any rank, so that all ranks stop together."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return flag
    value = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item() > 0)


def barrier() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
