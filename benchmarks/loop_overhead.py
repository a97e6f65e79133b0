"""The training loop's own cost (issue #19, item 7): ``aekit.Autoencoder(...).fit`` against a
hand-written fused-Adam loop that trains the same network on the same rows, batch and epochs.

    python benchmarks/loop_overhead.py --threads 1                 # prints the table
    python benchmarks/loop_overhead.py --threads 2 --batches 128 --write   # also updates BENCHMARKS.md
    python benchmarks/loop_overhead.py --only short --batches 128          # one part
    python benchmarks/loop_overhead.py --batches 128 --guard-rail          # grad_clip=1000's share
    python benchmarks/loop_overhead.py --flush-denormal                    # both with denormals flushed
    python benchmarks/loop_overhead.py --repeats 11 --aa                   # with an A/A control of the noise
    python benchmarks/loop_overhead.py --hand-gather index_select          # the hand loop with aekit's gather
    python benchmarks/loop_overhead.py --pin --aa --repeats 5              # bound to one CPU: less noise
    python benchmarks/loop_overhead.py --count-calls --batches 128         # Python calls per step: a count
    python benchmarks/loop_overhead.py --pin --aa --repeats 5 --save run1.json   # keep every round's times
    python benchmarks/loop_overhead.py --pool run1.json run2.json ...      # pool saved runs: more rounds
    valgrind --tool=callgrind python benchmarks/loop_overhead.py --single aekit --fits 3   # for a counter

- aekit: ``Autoencoder(epochs=E, batch_size=B, validation_split=0, early_stopping=None,
  random_state=0, device="cpu")``, every other option at its default: the ``deep`` recipe
  (784-256-128-8, mirrored decoder), ``preprocessing="auto"`` (Fashion-MNIST is in [0, 1]: none),
  Adam lr 1e-3 (fused by default), ``grad_clip="auto"`` (no clipping with Adam), ``restore_best=True``,
  fp32. The time is the
  whole ``fit`` call on a float32 NumPy array: validation, preprocessing, model and optimizer setup,
  training, the end-of-fit bookkeeping.
- hand: ``torch.from_numpy`` of the same array, the same layers as ``nn.Sequential`` (checked:
  identical parameter shapes), ``torch.optim.Adam(lr=1e-3, fused=True)``, every epoch a
  ``torch.randperm`` and each batch's rows gathered as ``x[idx]`` (the idiom), ``F.mse_loss``, no
  clipping. Its time includes building the network and the optimizer. ``--hand-gather
  index_select`` gathers with ``torch.index_select(x, 0, idx)`` instead, as aekit does: 2-2.5x
  faster to copy than ``x[idx]`` on a CPU, so that run compares the loops like with like.

Both run in this one process with the same torch thread count, once each in every one of
``--repeats`` rounds, the order turned by one place a round (hand, aekit; aekit, hand; ...), after
one untimed warm-up of each; the median of each is reported and the ratio is median(aekit) /
median(hand). ``--aa`` adds the hand loop once more to every round, as an A/A control: its ratio
to the hand loop is what the machine's noise alone makes of a comparison. 'short' is 2 epochs over
``--rows`` rows (what exposes a fixed per-fit cost), 'long' is ``--long-epochs`` epochs over the
same rows. ``--pin`` binds every thread of the process to ``--threads`` CPUs (the last ones it may
use), for both contenders alike: the scheduler can then no longer move a fit between CPUs in the
middle, one of the noises of a shared machine (Linux only). ``--count-calls`` times nothing: it
counts the Python-level calls (functions, and C functions called from Python) of each contender's
fit with ``sys.setprofile``, per step and outside the epochs -- the same numbers on every machine
and load. ``--save`` keeps a run's every round (JSON); ``--pool`` reads saved runs of one thread
count and gives, per row, the ratio of medians over all their rounds (the same statistic with more
repeats, each run's rounds counting alike) and a 95% interval from resampling the runs: a process's
own state (where its memory lies, what its neighbours do) moves all of its rounds together, so runs,
not rounds, are the independent draws. Needs Fashion-MNIST (``AEKIT_FASHION_MNIST_DIR``).
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# Read before the speed package is imported (it sets a default for its own runs); OpenMP read it
# when torch loaded, above, so this is the policy both contenders run with.
OMP_WAIT_POLICY = os.environ.get("OMP_WAIT_POLICY", "(unset: OpenMP's default)")
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the speed package's harness, next to this file
from speed.harness import (
    ROOT,
    cpu_flags,
    cpu_label,
    cpu_model,
    markdown_table,
    med,
    replace_region,
    uptime,
)

import aekit

SHORT_EPOCHS = 2  # the short fit: what exposes a fixed per-fit cost
GOAL = 1.05  # issue #19: aekit / fused hand loop at most this, at batch 128 and 512, short and long
REGION = "benchmarks/loop_overhead.py"  # names the parts of BENCHMARKS.md this script writes


def hand_network() -> nn.Sequential:
    """The default ``deep`` recipe on 784 features, as a user would write it."""
    return nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 8),
        nn.Linear(8, 128), nn.ReLU(), nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 784),
    )


GATHERS = {"index": lambda x, idx: x[idx], "index_select": lambda x, idx: torch.index_select(x, 0, idx)}


def hand_fit(X: np.ndarray, batch_size: int, epochs: int, seed: int = 0, gather: str = "index") -> nn.Module:
    """The fused-Adam hand loop: randperm, a batch's rows gathered from the in-memory tensor
    (``x[idx]``, or ``index_select`` with ``gather="index_select"``), MSE, Adam."""
    take = GATHERS[gather]
    torch.manual_seed(seed)
    x = torch.from_numpy(X)
    model = hand_network()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), batch_size):
            xb = take(x, order[start : start + batch_size])
            loss = F.mse_loss(model(xb), xb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return model


def aekit_fit(X: np.ndarray, batch_size: int, epochs: int, **options) -> aekit.Autoencoder:
    """``Autoencoder.fit`` with the issue's settings and every other option at its default (or as
    ``options`` say: ``grad_clip=1000`` for ``--guard-rail``)."""
    est = aekit.Autoencoder(epochs=epochs, batch_size=batch_size, validation_split=0, early_stopping=None,
                            random_state=0, device="cpu", **options)
    return est.fit(X)


def check_same_network(X: np.ndarray) -> None:
    """The two contenders must train the same layers, or the ratio measures the networks."""
    ours = [tuple(p.shape) for p in aekit_fit(X[:256], 128, 1).model_.parameters()]
    theirs = [tuple(p.shape) for p in hand_network().parameters()]
    if ours != theirs:
        raise SystemExit(f"the hand network {theirs} is not aekit's default deep recipe {ours}")


def load_rows(n: int) -> np.ndarray:
    from aekit.data import load_fashion_mnist

    train = load_fashion_mnist("train")
    return np.ascontiguousarray(np.asarray(train.X, dtype=np.float32).reshape(len(train.X), -1)[:n])


def measure(X: np.ndarray, batches: list[int], lengths: dict[str, int], repeats: int, aa: bool = False,
            gather: str = "index", **options) -> list[dict]:
    rows = []
    for batch in batches:
        for name, epochs in lengths.items():
            contenders = {"hand": lambda b=batch, e=epochs: hand_fit(X, b, e, gather=gather),
                          "aekit": lambda b=batch, e=epochs: aekit_fit(X, b, e, **options)}
            if aa:  # the same hand loop once more: what this machine's noise alone makes of a ratio
                contenders["hand again"] = contenders["hand"]
            times, cpu = alternate_timed(contenders, repeats)
            row = {"batch": batch, "fit": name, "epochs": epochs, "hand": times["hand"], "aekit": times["aekit"],
                   "ratio": med(times["aekit"]) / med(times["hand"]),
                   "cpu ratio": med(cpu["aekit"]) / med(cpu["hand"])}
            if aa:
                row["hand again"] = times["hand again"]
                row["aa ratio"] = med(times["hand again"]) / med(times["hand"])
            print(f"batch {batch} {name} ({epochs} epochs): hand {fmt_times(row['hand'])}, aekit "
                  f"{fmt_times(row['aekit'])}, ratio {row['ratio']:.3f} (CPU time {row['cpu ratio']:.3f}; "
                  f"per round {fmt_paired(row)})"
                  + (f"; A/A: hand again / hand {row['aa ratio']:.3f}, per round {fmt_paired(row, 'hand again')}"
                     if aa else ""), flush=True)
            rows.append(row)
    return rows


def python_calls(fit) -> collections.Counter:
    """Every Python function call and every C function called from Python while ``fit()`` runs,
    by name (``sys.setprofile``; this thread only)."""
    calls: collections.Counter = collections.Counter()

    def profile(frame, event, arg):
        if event == "call":
            code = frame.f_code
            where = code.co_filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
            calls[f"{where}:{code.co_name}"] += 1
        elif event == "c_call":
            calls[f"C:{getattr(arg, '__qualname__', arg)}"] += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        fit()
    finally:
        sys.setprofile(previous)
    return calls


def calls_per_step(fit, X: np.ndarray, batch: int) -> tuple[dict[str, float], float]:
    """A contender's calls per step (a two-epoch fit's calls less a one-epoch fit's, over an epoch's
    steps: the epoch's own bookkeeping is spread over its steps) and its calls outside the epochs.
    One-epoch fits are counted until two in a row agree, so that what runs once a process (imports,
    caches, a warning's first showing, the profiler hook's first use) is not counted."""
    one, previous = python_calls(lambda: fit(X, batch, 1)), None
    for _ in range(5):
        if one == previous:
            break
        one, previous = python_calls(lambda: fit(X, batch, 1)), one
    else:
        raise RuntimeError("the calls of a one-epoch fit did not settle in 6 fits")
    two = python_calls(lambda: fit(X, batch, 2))
    steps = math.ceil(len(X) / batch)
    per_step = {name: (two[name] - one[name]) / steps for name in one.keys() | two.keys()}
    return per_step, 2 * sum(one.values()) - sum(two.values())  # one fit less one epoch's calls: exact


def count_report(X: np.ndarray, batch: int, gather: str, top: int = 12) -> str:
    """The calls of both contenders at ``batch``, and where aekit's per-step calls exceed the hand loop's."""
    hand, hand_fixed = calls_per_step(lambda X, b, e: hand_fit(X, b, e, gather=gather), X, batch)
    ours, ours_fixed = calls_per_step(aekit_fit, X, batch)
    lines = [f"Python-level calls (sys.setprofile), batch {batch}, {len(X)} rows, hand loop gathering with "
             f"{'x[idx]' if gather == 'index' else gather}:",
             f"  hand loop: {sum(hand.values()):.1f} a step, {hand_fixed:.0f} outside the epochs",
             f"  aekit fit: {sum(ours.values()):.1f} a step, {ours_fixed:.0f} outside the epochs",
             "  aekit's calls a step beyond the hand loop's, largest first:"]
    excess = sorted(((ours.get(k, 0.0) - hand.get(k, 0.0), k) for k in ours), reverse=True)[:top]
    lines += [f"    {extra:+7.2f}  {name}" for extra, name in excess if extra > 0]
    return "\n".join(lines)


def pin_threads(count: int) -> list[int]:
    """Bind every thread of this process (torch's workers too) to the last ``count`` CPUs it may
    run on; returns them. Threads started later inherit the binding of the thread that starts them."""
    if not hasattr(os, "sched_setaffinity"):
        raise SystemExit("--pin: this system cannot bind threads to CPUs (os.sched_setaffinity is Linux-only)")
    allowed = sorted(os.sched_getaffinity(0))
    if count > len(allowed):
        raise SystemExit(f"--pin: --threads {count} needs {count} CPUs, this process may use {len(allowed)}")
    cpus = allowed[-count:]
    for task in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(task), cpus)
        except ProcessLookupError:  # a thread that ended meanwhile
            pass
    return cpus


def describe_cpu() -> str:
    """The model name, and the instruction sets that matter here (a VM may hide the model)."""
    flags = cpu_flags()
    extras = [name for name in ("avx512f", "avx512_bf16", "amx_bf16") if name in flags]
    return f"{cpu_model()} ({', '.join(extras) or 'no AVX-512'}; {os.cpu_count()} logical CPUs)"


def alternate_timed(contenders: dict, repeats: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Like the speed harness's ``alternate``, also recording the process's CPU time: on a machine
    shared with other jobs it counts the work done, not the time spent waiting for a core. The
    order turns by one place each round (hand, aekit; aekit, hand; ...), so that no contender
    always runs right after the same other one or always first in its round."""
    wall: dict[str, list[float]] = {name: [] for name in contenders}
    cpu: dict[str, list[float]] = {name: [] for name in contenders}
    for index in range(repeats):
        for name in round_order(list(contenders), index):
            start, start_cpu = time.perf_counter(), time.process_time()
            contenders[name]()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    return wall, cpu


def round_order(names: list[str], index: int) -> list[str]:
    """The contenders of round ``index``, turned by ``index`` places."""
    shift = index % len(names)
    return names[shift:] + names[:shift]


def paired_ratios(row: dict, contender: str = "aekit") -> tuple[float, float, float]:
    """The median and quartiles of the per-round ratios ``contender`` / hand. The fits of a round
    run back to back, so a neighbour's load that comes and goes over minutes moves them alike: the
    spread of these ratios is the measurement's own noise, which the ratio of medians hides."""
    ratios = np.asarray(row[contender]) / np.asarray(row["hand"])
    q25, q50, q75 = np.quantile(ratios, [0.25, 0.5, 0.75])
    return float(q50), float(q25), float(q75)


def fmt_paired(row: dict, contender: str = "aekit") -> str:
    q50, q25, q75 = paired_ratios(row, contender)
    return f"{q50:.3f} ({q25:.3f}-{q75:.3f})"


def fmt_times(ts: list[float]) -> str:
    return f"{med(ts):.3f} s ({min(ts):.3f}-{max(ts):.3f})"


def report(rows: list[dict], args: argparse.Namespace, load_start: str, command: str) -> str:
    aa = all("aa ratio" in r for r in rows)
    table = [[r["batch"], f"{r['fit']} ({r['epochs']} epochs)", fmt_times(r["hand"]), fmt_times(r["aekit"]),
              f"{r['ratio']:.3f}", "**met**" if r["ratio"] <= GOAL else "**not met**", fmt_paired(r),
              f"{r['cpu ratio']:.3f}"] + ([f"{r['aa ratio']:.3f}", fmt_paired(r, "hand again")] if aa else [])
             for r in rows]
    met = all(r["ratio"] <= GOAL for r in rows)
    aa_columns = ["A/A: hand again / hand", "A/A per round"] if aa else []
    aa_text = ""
    if aa:
        low, high = min(r["aa ratio"] for r in rows), max(r["aa ratio"] for r in rows)
        aa_text = (f"The A/A columns time the hand loop a second time in every round, as a third contender: "
                   f"the same code, so any distance from 1 is this machine's noise. Here its ratio of medians "
                   f"spans {low:.3f}-{high:.3f}; an aekit / hand ratio inside that span is not told apart from "
                   f"no difference by this run.\n")
    batches = ", ".join(str(b) for b in dict.fromkeys(r["batch"] for r in rows))
    lines = [
        f"### Autoencoder.fit / fused-Adam hand loop: batch {batches}, {torch.get_num_threads()} thread(s)"
        + (" (aekit with grad_clip=1000: not the goal's setting)" if args.guard_rail else "")
        + (" (both with denormals flushed to zero)" if args.flush_denormal else "")
        + (" (the hand loop gathering with index_select, as aekit does)" if args.hand_gather == "index_select" else "")
        + (f" (bound to CPU {', '.join(map(str, args.pinned))})" if getattr(args, "pinned", None) else "")
        + "\n",
        (f"Written by `{command}`. CPU: {describe_cpu()}, {torch.get_num_threads()} torch thread(s), OMP_WAIT_POLICY "
         f"{OMP_WAIT_POLICY}, torch "
         f"{torch.__version__}, aekit {aekit.__version__}; {args.rows} Fashion-MNIST training rows, float32. "
         f"{args.repeats} rounds, each running every contender once in an order turned by one place a round; "
         f"median (min-max in brackets); ratio = median aekit / median hand. "
         f"The settings are in the docstring of `benchmarks/loop_overhead.py`.\n"),
        f"- load at start: `{load_start}`\n- load at end: `{uptime()}`\n",
        markdown_table(["batch", "fit", "hand, fused Adam: s", "aekit Autoencoder.fit: s", "aekit / hand",
                        f"<= {GOAL}", "per round: median (quartiles)", "aekit / hand, CPU time", *aa_columns], table),
        ("The goal is on wall-clock time (the issue's measure): the ratio of the medians. The 'per round' "
         "column gives the median and quartiles of each round's own ratio (its two fits ran back to back): "
         "their spread is how far this machine's noise moves one comparison. The last column divides the "
         "medians of the process's CPU time instead: less disturbed by other jobs on a shared machine; with "
         "several threads it also counts threads waiting at OpenMP barriers.\n"),
        *([aa_text] if aa_text else []),
        (f"Goal (every row <= {GOAL}): {'**met**' if met else '**not met**'} in this run."
         + (" The goal is for the defaults (grad_clip='auto': none with Adam); this run shows the share of "
            "the guard rail (grad_clip=1000)." if args.guard_rail else "")
         + (" Both contenders ran with torch.set_flush_denormal(True): a CPU's arithmetic on denormal "
            "numbers (below 1.2e-38) is slow, and the two loops meet different amounts of it (their losses "
            "differ in scale: the hand loop's mean squared error is 1/392 of aekit's mean per-sample "
            "0.5 x squared error), so this run measures the loops' own costs without that difference." if args.flush_denormal else "")
         + "\n"),
    ]
    return "\n".join(lines)


CONTENDERS = ("hand", "aekit", "hand again")  # the lists of times a saved row may hold


def save_run(path: Path, rows: list[dict], args: argparse.Namespace, load_start: str, command: str) -> None:
    """Every round's times of this run, with what it ran on, as JSON: written to a temporary file,
    then renamed (an interrupted run leaves no half-written file)."""
    from aekit._files import write_text

    run = {"command": command, "cpu": describe_cpu(), "cpu label": cpu_label(), "threads": torch.get_num_threads(),
           "pinned": args.pinned, "rows": args.rows, "repeats": args.repeats, "torch": torch.__version__,
           "aekit": aekit.__version__, "load at start": load_start, "load at end": uptime(),
           "results": [{key: row[key] for key in ("batch", "fit", "epochs", *CONTENDERS) if key in row}
                       for row in rows]}
    write_text(path, json.dumps(run, indent=1))


def load_runs(paths: list[str]) -> list[dict]:
    """Saved runs (``--save``) that may be pooled: one thread count, CPU and row count, the same rows."""
    runs = []
    for path in paths:
        try:
            runs.append(json.loads(Path(path).read_text()))
        except FileNotFoundError:
            raise SystemExit(f"--pool: no saved run at {path!r}") from None
        except (ValueError, UnicodeDecodeError) as err:
            raise SystemExit(f"--pool: {path!r} is not a run saved with --save ({err})") from None
        if not isinstance(runs[-1], dict) or "results" not in runs[-1]:
            raise SystemExit(f"--pool: {path!r} is not a run saved with --save (no 'results')")
    for key in ("threads", "cpu label", "rows"):
        values = {str(run.get(key)) for run in runs}
        if len(values) > 1:
            raise SystemExit(f"--pool: the runs differ in {key} ({', '.join(sorted(values))}); pool runs of one "
                             f"setting at a time")
    shapes = {tuple((r["batch"], r["fit"], r["epochs"]) for r in run["results"]) for run in runs}
    if len(shapes) > 1:
        raise SystemExit("--pool: the runs measured different batches or fit lengths; pool like runs only")
    return runs


def pooled_ratio(runs_rows: list[dict], contender: str = "aekit") -> float:
    """Median of ``contender``'s times over all rounds of the runs / the hand loop's."""
    return med([t for row in runs_rows for t in row[contender]]) / med([t for row in runs_rows for t in row["hand"]])


def bootstrap_interval(runs_rows: list[dict], contender: str = "aekit", draws: int = 2000,
                       seed: int = 0) -> tuple[float, float]:
    """95% interval of :func:`pooled_ratio` from resampling whole runs with replacement."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(runs_rows), size=(draws, len(runs_rows)))
    values = [pooled_ratio([runs_rows[i] for i in pick], contender) for pick in picks]
    low, high = np.quantile(values, [0.025, 0.975])
    return float(low), float(high)


def pool_report(runs: list[dict], paths: list[str], command: str) -> str:
    """The pooled table of saved runs, with the verdicts the issue's goal gives it."""
    first = runs[0]
    aa = all("hand again" in row for run in runs for row in run["results"])
    table, verdicts = [], []
    for index, row in enumerate(first["results"]):
        same = [run["results"][index] for run in runs]
        ratio, (low, high) = pooled_ratio(same), bootstrap_interval(same)
        per_run = ", ".join(f"{med(r['aekit']) / med(r['hand']):.3f}" for r in same)
        verdict = "**met**" if ratio <= GOAL else "**not met**"
        verdicts.append((ratio <= GOAL, high <= GOAL))
        cells = [row["batch"], f"{row['fit']} ({row['epochs']} epochs)", sum(len(r["hand"]) for r in same),
                 f"{ratio:.3f}", f"{low:.3f}-{high:.3f}", verdict, per_run]
        if aa:
            aa_low, aa_high = bootstrap_interval(same, "hand again")
            cells += [f"{pooled_ratio(same, 'hand again'):.3f}", f"{aa_low:.3f}-{aa_high:.3f}"]
        table.append(cells)
    columns = ["batch", "fit", "rounds", "aekit / hand, pooled", "95% interval (runs resampled)", f"<= {GOAL}",
               "each run's ratio"] + (["A/A pooled", "A/A 95% interval"] if aa else [])
    met, sure = all(v[0] for v in verdicts), all(v[1] for v in verdicts)
    loads = "; ".join(f"`{run['load at start'].split('load average: ')[-1]}`" for run in runs)
    lines = [
        f"### Autoencoder.fit / fused-Adam hand loop, {len(runs)} runs pooled: {first['threads']} thread(s)\n",
        (f"Written by `{command}`, from the runs saved by `{first['command']}` (and its like: "
         f"{', '.join(Path(p).name for p in paths)}). CPU: {first['cpu']}, {first['threads']} torch thread(s)"
         + (f", bound to CPU {', '.join(map(str, first['pinned']))}" if first.get("pinned") else "")
         + f", torch {first['torch']}, aekit {first['aekit']}; {first['rows']} Fashion-MNIST rows. Load averages "
         f"at each run's start: {loads}.\n"),
        markdown_table(columns, table),
        ("The pooled ratio is the median of aekit's fit times over every round of the runs divided by the hand "
         "loop's: the issue's ratio of medians, with the runs' rounds together. The interval resamples whole "
         "runs (2,000 draws): a process's own state moves all of its rounds at once, so runs are the "
         "independent draws. The A/A columns pool the hand loop timed a second time in every round: the "
         "machine's noise alone.\n"),
        (f"Goal (every row <= {GOAL}), pooled: {'**met**' if met else '**not met**'}"
         + (f"; every interval's upper end <= {GOAL} too." if sure else
            f"; {'not every' if met else 'and not every'} interval's upper end is <= {GOAL}.") + "\n"),
    ]
    return "\n".join(lines)


def region_name(args: argparse.Namespace, cpu: str) -> str:
    """The marked region of BENCHMARKS.md a ``--write`` run replaces: one per thread count, batch
    list, variant and CPU (its model name and widest unit: two "AMD EPYC" generations differ), so
    that runs split to fit a busy machine (e.g. one batch size per command) each keep their own
    table, command and load, and a run on another CPU adds its tables beside the others instead of
    replacing them."""
    variant = (" --guard-rail" if args.guard_rail else "") + (" --flush-denormal" if args.flush_denormal else "")
    variant += " --hand-gather index_select" if args.hand_gather == "index_select" else ""
    variant += " --pin" if getattr(args, "pin", False) else ""
    return f"{REGION} --threads {args.threads} --batches {args.batches}{variant} on {cpu}"


def pool_region_name(runs: list[dict]) -> str:
    """The region a ``--pool --write`` run replaces: one per thread count and CPU."""
    return f"{REGION} --pool, {runs[0]['threads']} thread(s), on {runs[0]['cpu label']}"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1, help="torch threads for both contenders (default 1)")
    parser.add_argument("--rows", type=int, default=20000, help="Fashion-MNIST training rows (default 20000)")
    parser.add_argument("--long-epochs", type=int, default=10, help="epochs of the long fit (default 10)")
    parser.add_argument("--batches", default="128,512", help="comma-separated batch sizes (default 128,512)")
    parser.add_argument("--only", choices=["short", "long"], default=None, help="run one of the two fit lengths")
    parser.add_argument("--repeats", type=int, default=3, help="alternating repeats (default 3)")
    parser.add_argument("--aa", action="store_true",
                        help="also time the hand loop a second time each round (an A/A control: the machine's noise)")
    parser.add_argument("--write", action="store_true", help="replace this script's section of BENCHMARKS.md")
    parser.add_argument("--guard-rail", action="store_true",
                        help="aekit with grad_clip=1000 (the default before 'auto'): the guard rail's share of the cost")
    parser.add_argument("--flush-denormal", action="store_true",
                        help="torch.set_flush_denormal(True) for both contenders: the loops without denormal arithmetic")
    parser.add_argument("--hand-gather", choices=sorted(GATHERS), default="index",
                        help="how the hand loop gathers a batch's rows: x[idx] (default, the idiom) or "
                             "torch.index_select (aekit's gather: the loops like with like)")
    parser.add_argument("--pin", action="store_true",
                        help="bind the process's threads to --threads CPUs (the last it may use), for both "
                             "contenders: no move between CPUs in the middle of a fit (Linux)")
    parser.add_argument("--count-calls", action="store_true",
                        help="time nothing: count each contender's Python-level calls per step and outside "
                             "the epochs (the same on every machine)")
    parser.add_argument("--single", choices=["hand", "aekit"], default=None,
                        help="run only this contender's short fit, --fits times after the warm-up, and print "
                             "nothing: for a tool that counts the whole process (valgrind, perf stat); the "
                             "difference between --fits N and --fits 0 is N fits' work")
    parser.add_argument("--fits", type=int, default=3, help="fits of --single (default 3)")
    parser.add_argument("--save", metavar="PATH", default=None,
                        help="also write every round's times of this run to PATH (JSON), for --pool")
    parser.add_argument("--pool", nargs="+", metavar="RUN", default=None,
                        help="time nothing: pool runs saved with --save (one thread count) into one table "
                             "(with --write: its own section of BENCHMARKS.md)")
    args = parser.parse_args(argv)
    command = "python benchmarks/loop_overhead.py " + " ".join(argv)
    if args.pool:
        runs = load_runs(args.pool)
        text = pool_report(runs, args.pool, command)
        print(text)
        if args.write:
            replace_region(ROOT / "BENCHMARKS.md", pool_region_name(runs), text)
            print(f"wrote its section of {ROOT / 'BENCHMARKS.md'}")
        return
    if args.save and not Path(args.save).resolve().parent.is_dir():
        raise SystemExit(f"--save: the folder of {args.save!r} does not exist")
    if args.save and Path(args.save).exists():
        raise SystemExit(f"--save: {args.save!r} already exists; give a new file name (a saved run is never replaced)")
    torch.set_num_threads(args.threads)
    args.pinned = pin_threads(args.threads) if args.pin else None
    if args.flush_denormal and not torch.set_flush_denormal(True):
        raise SystemExit("--flush-denormal: this CPU cannot flush denormals (torch.set_flush_denormal returned False)")
    load_start = uptime()
    X = load_rows(args.rows)
    check_same_network(X)
    lengths = {"short": SHORT_EPOCHS, "long": args.long_epochs}
    if args.only:
        lengths = {args.only: lengths[args.only]}
    batches = [int(b) for b in args.batches.split(",")]
    for batch in batches:  # untimed warm-up: thread pools, kernels and allocator caches for both
        hand_fit(X[:2048], batch, 1, gather=args.hand_gather)
        aekit_fit(X[:2048], batch, 1)
    if args.count_calls:
        print("\n\n".join(count_report(X, batch, args.hand_gather) for batch in batches))
        return
    if args.single:  # the same process up to here for both, so only the fits differ
        for _ in range(args.fits):
            for batch in batches:
                if args.single == "hand":
                    hand_fit(X, batch, SHORT_EPOCHS, gather=args.hand_gather)
                else:
                    aekit_fit(X, batch, SHORT_EPOCHS)
        return
    started = time.perf_counter()
    options = {"grad_clip": 1000.0} if args.guard_rail else {}
    rows = measure(X, batches, lengths, args.repeats, aa=args.aa, gather=args.hand_gather, **options)
    text = report(rows, args, load_start, command)
    print(f"\n{text}\n({(time.perf_counter() - started) / 60:.1f} minutes)")
    if args.write:
        replace_region(ROOT / "BENCHMARKS.md", region_name(args, cpu_label()), text)
        print(f"wrote its section of {ROOT / 'BENCHMARKS.md'}")
    if args.save:
        save_run(Path(args.save), rows, args, load_start, command)
        print(f"saved every round to {args.save}")


if __name__ == "__main__":
    main()
