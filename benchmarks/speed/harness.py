"""Shared machinery of the speed benchmark: timing, the machine, the data, sections and results,
and the markdown written from the results.

Nothing here is global and mutable: ``Context`` carries the settings, the data and the results of
the sections already run, and is passed to every section explicitly. A section returns a
``Result``: its settings, tables (columns and rows), derived numbers, goals (measured value,
target, met or not computed from the numbers), generated notes (skips, failures) and raw data for
later sections. The written file is rendered from those alone.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

BENCH_DIR = Path(__file__).resolve().parents[1]  # benchmarks/: child processes put it on sys.path
ROOT = BENCH_DIR.parent
if str(BENCH_DIR) not in sys.path:  # imported by file path (the tests): machine_label sits there
    sys.path.insert(0, str(BENCH_DIR))
from machine_label import cpu_flags, cpu_label, cpu_model  # noqa: E402  (the sections' names for them)


# -- timing ------------------------------------------------------------------------------------------
def alternate(contenders: dict, repeats: int) -> dict[str, list[float]]:
    """Run each contender once per round, in turn, ``repeats`` rounds; seconds per run."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return times


def med(values: list[float]) -> float:
    return statistics.median(values)


def fmt(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}"


# -- the machine -------------------------------------------------------------------------------------
def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def describe_machine() -> dict[str, Any]:
    """CPU, cores, threads, OpenMP wait policy, bf16 support and versions."""
    import aekit
    from aekit.training.device import resolve_precision

    flags = cpu_flags()
    return {
        "cpu": cpu_model(),
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(unset)"),
        "avx512_bf16": "avx512_bf16" in flags,
        "amx_bf16": "amx_bf16" in flags,
        "auto_precision": str(resolve_precision("auto", torch.device("cpu"))),
        "python": platform.python_version(),
        "aekit": aekit.__version__,
    }


# -- the data ----------------------------------------------------------------------------------------
@dataclass
class Data:
    train: np.ndarray  # the 60,000 Fashion-MNIST training images, (n, 784) float32
    test: np.ndarray  # the 10,000 test images
    X: torch.Tensor  # the rows timed training runs use (10,000 with --quick, else all of train)
    X70: torch.Tensor | None = None  # train + test, for inference; set after the warm-up


def load_data(quick: bool) -> Data:
    """Fashion-MNIST through aekit's loader (``$AEKIT_FASHION_MNIST_DIR``)."""
    from aekit.data import load_fashion_mnist

    train = load_fashion_mnist("train")
    test = load_fashion_mnist("test")
    Xtr_full = np.asarray(train.X, dtype=np.float32).reshape(len(train.X), -1)
    Xte = np.asarray(test.X, dtype=np.float32).reshape(len(test.X), -1)
    n_loop = 10000 if quick else len(Xtr_full)
    return Data(train=Xtr_full, test=Xte, X=torch.from_numpy(Xtr_full[:n_loop]).contiguous())


# -- sections and results ----------------------------------------------------------------------------
@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class Goal:
    name: str
    measured: str
    target: str
    met: bool | None  # None: not measured

    @classmethod
    def compare(cls, name: str, value: float, op: str, limit: float, digits: int = 2, unit: str = "") -> Goal:
        met = {"<=": value <= limit, ">=": value >= limit, "<": value < limit}[op]
        return cls(name, f"{value:.{digits}f}{unit}", f"{op} {limit}{unit}", met)

    @property
    def verdict(self) -> str:
        return "not measured" if self.met is None else ("**met**" if self.met else "**not met**")


@dataclass
class Result:
    settings: dict[str, Any] = field(default_factory=dict)  # the workload's parameters in this run
    tables: list[Table] = field(default_factory=list)
    derived: dict[str, str] = field(default_factory=dict)  # numbers computed from the measurements
    goals: list[Goal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # generated only: skips and failures
    data: dict[str, Any] = field(default_factory=dict)  # raw values for later sections, not written


@dataclass
class Context:
    repeats: int
    epochs: int
    quick: bool
    conv_samples: int
    load_start: str
    data: Data
    results: dict[str, Result] = field(default_factory=dict)  # by section name, in the order run

    def earlier(self, name: str) -> dict[str, Any]:
        """Raw data of an earlier section ({} when it did not run or failed)."""
        result = self.results.get(name)
        return result.data if result else {}


@dataclass(frozen=True)
class Section:
    name: str  # for --only
    title: str  # the heading in the written file
    run: Callable[[Context], Result]
    default: bool = True  # runs without --only


def run_section(section: Section, ctx: Context) -> Result:
    """Run one section; a failure becomes a note, so that one broken section loses no others."""
    print(f"\n== {section.title}", flush=True)
    try:
        result = section.run(ctx)
    except Exception as err:  # noqa: BLE001
        result = Result(notes=[f"Section {section.name!r} failed: {type(err).__name__}: {err}"])
    ctx.results[section.name] = result
    print(render_section(section, result), flush=True)
    return result


# -- markdown ----------------------------------------------------------------------------------------
def markdown_table(columns: list[str], rows: list[list[Any]]) -> str:
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(cell, columns)) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render_section(section: Section, result: Result) -> str:
    parts = [f"\n## {section.title}\n"]
    if result.settings:
        parts.append("settings: " + ", ".join(f"`{k}={v}`" for k, v in result.settings.items()) + "\n")
    parts += [markdown_table(t.columns, t.rows) for t in result.tables]
    if result.derived:
        parts.append(markdown_table(["derived", "value"], [[k, v] for k, v in result.derived.items()]))
    parts += [note.strip() + "\n" for note in result.notes]
    return "\n".join(parts)


def render(sections: dict[str, Section], ctx: Context, command: str, minutes: float) -> str:
    goals = [[name, g.name, g.target, g.measured, g.verdict]
             for name, result in ctx.results.items() for g in result.goals]
    head = [
        "# aekit benchmarks\n",
        (f"- command: `{command}`\n- minutes up to the last section: {minutes:.1f}\n"
         f"- load at start: `{ctx.load_start}`\n- load at end: `{uptime()}`\n"),
        "\n## Goals of issue #8\n",
        markdown_table(["section", "goal", "target", "measured", "verdict"], goals),
    ]
    body = [render_section(sections[name], result) for name, result in ctx.results.items()]
    return "\n".join(head) + "".join(body)


def replace_region(path: Path, writer: str, text: str) -> None:
    """Put ``text`` between ``writer``'s begin and end markers in the markdown file ``path``, keeping
    everything outside them (hand-written sections, other scripts' regions); appended at the end when
    the file has no such region yet. Written to a temporary file, then renamed: never half-written."""
    from aekit._files import write_text

    begin, end = f"<!-- begin: written by {writer} -->", f"<!-- end: written by {writer} -->"
    old = path.read_text() if path.exists() else ""
    block = f"{begin}\n{text.strip()}\n{end}\n"
    if begin in old and end in old.split(begin, 1)[1]:
        head, rest = old.split(begin, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        new = head + block + ("\n" + tail if tail else "")
    else:
        new = (old.rstrip() + "\n\n" if old.strip() else "") + block
    write_text(path, new)


def write(out: str, sections: dict[str, Section], ctx: Context, command: str, started: float) -> None:
    """Write the report so far (after every section, so an interrupted run keeps what it measured)
    into this benchmark's region of ``out``; the rest of the file (hand-written sections such as the
    GPU check, other scripts' regions) is kept."""
    if not out:
        return
    replace_region(Path(out), "benchmarks/speed.py", render(sections, ctx, command, (time.perf_counter() - started) / 60))
    print("\n".join(f"{g.verdict:12s} {g.name} ({g.target}): {g.measured}"
                    for result in ctx.results.values() for g in result.goals))
    print(f"wrote {out}", flush=True)
