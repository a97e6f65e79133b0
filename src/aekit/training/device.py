"""Device, precision and seeding choices, made in one place."""

from __future__ import annotations

import contextlib
import os
import random

import numpy as np
import torch


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` picks CUDA, then Apple MPS, then CPU; other values are checked and returned."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', got {device!r}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} was asked for but CUDA is not available here; use 'auto' or 'cpu'")
    return resolved


def cpu_has_fast_bf16(cpuinfo: str | None = None) -> bool:
    """True on CPUs whose bf16 matrix units make bf16 autocast pay: Intel AMX (``amx_bf16``).

    AVX512-BF16 alone (AMD Zen 4, Intel Cooper Lake) is not enough: measured with oneDNN capped
    at that instruction set (``ONEDNN_MAX_CPU_ISA=AVX512_CORE_BF16``), bf16 training of aekit's
    MLPs runs at 0.6-0.75x the speed of fp32, while AMX runs it 1.4-2.8x faster (BENCHMARKS.md).
    A cap on oneDNN's instruction set below AMX is respected.
    """
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo") as fh:
                cpuinfo = fh.read()
        except OSError:
            return False
    cap = (os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA") or "").upper()
    if cap and cap != "ALL" and "AMX" not in cap:
        return False
    return " amx_bf16" in cpuinfo


def resolve_precision(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``precision`` on ``device`` (``None`` means plain fp32).

    ``"auto"`` picks bf16 where it is both native and faster: CUDA GPUs with bf16 support, and
    CPUs with AMX (:func:`cpu_has_fast_bf16`); fp32 everywhere else (Apple MPS included).
    """
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    if device.type == "cpu" and cpu_has_fast_bf16():
        return torch.bfloat16
    return None


def autocast(device: torch.device, dtype: torch.dtype | None):
    """An autocast context for ``dtype``, or a no-op for fp32."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def seed_everything(seed: int | None) -> None:
    """Seed Python, NumPy and torch (all devices). ``None`` leaves them as they are."""
    if seed is None:
        return
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
