"""The CPU a benchmark ran on, as one label for every results file: model name and widest unit.

A cloud guest's model name can be as bare as "AMD EPYC" for generations whose kernels differ (AVX2
only, AVX-512, or an Intel part with AMX, where oneDNN picks other kernels), so the label adds the
widest matrix or vector unit the flags report: "AMD EPYC with AVX-512". Standard library only, so
that any benchmark script can import it before torch.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
UNITS = (("amx_tile", "AMX"), ("avx512f", "AVX-512"), ("avx2", "AVX2"))  # widest first


def _cpuinfo_field(key: str) -> str | None:
    try:
        for line in CPUINFO.read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_model() -> str:
    """The model name /proc/cpuinfo reports, else what ``platform`` knows."""
    return _cpuinfo_field("model name") or platform.processor() or platform.machine() or "unknown"


def cpu_flags() -> set[str]:
    """The CPU's feature flags (empty where /proc/cpuinfo is not there)."""
    return set((_cpuinfo_field("flags") or "").split())


def widest_unit(flags: set[str]) -> str | None:
    """'AMX', 'AVX-512' or 'AVX2': the first of them in ``flags``; None for none."""
    return next((label for flag, label in UNITS if flag in flags), None)


def cpu_label(cores: bool = False) -> str:
    """'AMD EPYC with AVX-512'; with ``cores``, 'AMD EPYC with AVX-512, 2 cores'."""
    unit = widest_unit(cpu_flags())
    label = cpu_model() + (f" with {unit}" if unit else "")
    return f"{label}, {os.cpu_count()} cores" if cores else label
