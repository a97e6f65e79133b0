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
    """True on CPUs with native bf16 matrix instructions, where bf16 autocast pays: Intel AMX
    (``amx_bf16``) and AVX512-BF16 (``avx512_bf16``: AMD Zen 4 and later, Intel Cooper Lake).

    Measured in BENCHMARKS.md: on an AMD EPYC with AVX512-BF16 (no AMX), a bf16 training step of
    a 784-512-256-32 MLP took 0.47-0.74x the time of fp32 and the bf16 matmul peak was 2.5x the
    fp32 one; on an AMX Xeon, 0.4-1.0x. An earlier estimate that emulated AVX512-BF16 on the AMX
    Xeon by capping oneDNN had found it slower; the real Zen 4 disagrees. A cap on oneDNN's
    instruction set below AVX512_CORE_BF16 (``ONEDNN_MAX_CPU_ISA``) is respected.
    """
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo") as fh:
                cpuinfo = fh.read()
        except OSError:
            return False
    cap = (os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA") or "").upper()
    amx, avx512_bf16 = " amx_bf16" in cpuinfo, " avx512_bf16" in cpuinfo
    if cap and cap != "ALL" and "AMX" not in cap:
        return "BF16" in cap and avx512_bf16  # capped at AVX512_CORE_BF16 (AMX off) or below bf16
    return amx or avx512_bf16


def resolve_precision(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``precision`` on ``device`` (``None`` means plain fp32).

    ``"auto"`` picks bf16 where it is both native and faster: CUDA GPUs with bf16 support, and
    CPUs with AMX or AVX512-BF16 (:func:`cpu_has_fast_bf16`); fp32 everywhere else (Apple MPS
    included). It never picks fp16: fp16 needs loss scaling and can overflow where bf16 cannot,
    so it is only used when asked for (``"fp16"``, see :func:`grad_scaler`).
    """
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if precision == "fp16":
        return torch.float16
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


def grad_scaler(device: torch.device, dtype: torch.dtype | None) -> torch.amp.GradScaler:
    """The gradient scaler of a fit: enabled for fp16 only, where small gradients would otherwise
    flush to zero. bf16 has fp32's exponent range and needs none; disabled, the scaler passes
    every call straight through, so fp32 and bf16 steps are exactly what they were without it.

    fp16 is allowed on the CPU too: torch has fp16 autocast and a CPU scaler, results are correct
    (tested), and a configuration moves between a GPU and a laptop unchanged. It is rarely faster
    there (docs/performance.md); on GPUs without bf16 (before Ampere) it is the mixed precision.
    """
    enabled = dtype == torch.float16
    try:
        return torch.amp.GradScaler(device.type, enabled=enabled)
    except (RuntimeError, ValueError, AssertionError) as err:  # a device torch has no scaler for
        raise ValueError(f"precision='fp16' needs a gradient scaler, which torch has not got for device "
                         f"{device.type!r} ({err}); use precision='bf16' or 'fp32'") from None


@contextlib.contextmanager
def explain_fp16_cpu_errors(device: torch.device, dtype: torch.dtype | None):
    """fp16 on the CPU: torch lacks fp16 kernels for some layers (oneDNN's LSTM on CPUs without
    AVX512-FP16, for one). Say that in one line instead of oneDNN's primitive-descriptor error."""
    try:
        yield
    except RuntimeError as err:
        text = str(err)
        missing = "primitive descriptor" in text or "'Half'" in text
        if dtype != torch.float16 or device.type != "cpu" or not missing:
            raise
        raise ValueError(
            f"precision='fp16' on the CPU: torch has no fp16 kernel for a layer of this model "
            f"({text.strip().splitlines()[0][:100]}); use precision='bf16' or 'fp32' on the CPU, or a GPU"
        ) from None


def seed_everything(seed: int | None) -> None:
    """Seed Python, NumPy and torch (all devices). ``None`` leaves them as they are."""
    if seed is None:
        return
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
