"""A user's first ``SelfSupervised(method)``: do the defaults beat raw pixels? (issue #19 item 2)

The check the issue describes, for every method that trains on grey images:

    SelfSupervised(method, input_shape=(1, 28, 28), epochs=20).fit(20k unlabeled images)
    -> transform -> aekit's linear probe (standardised features, logistic regression,
       C="auto": chosen on a held-out 10% of the probe's own 5k labelled rows)

beside the same probe on raw pixels. Every other option is the library's default: this measures
the defaults, not a tuned setting.

Rows (Fashion-MNIST, docs/benchmarks.md's protocol):
- unlabeled pretraining rows: training images 0..19,999 (labels unused);
- the probe's labelled rows: training images 20,000..24,999;
- validation: the last 10,000 training images; the test set is read only by ``--final``.

Two steps:

    # 1. choosing defaults: validation accuracy only; ``--set`` tries a candidate setting
    #    (JSON of SelfSupervised parameters) instead of the defaults
    python benchmarks/ssl_defaults.py --select --methods mae --set '{"lr": 0.002}'
    # 2. the library's defaults as shipped, read once on the test set (and on validation)
    python benchmarks/ssl_defaults.py --final

Each run appends its rows to ``--results`` (JSON lines) and prints a table of everything there.
``--limit N`` shrinks every part for a smoke test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

from aekit import SelfSupervised
from aekit.evaluation import linear_probe
from aekit.ssl import list_methods

sys.path.insert(0, str(Path(__file__).resolve().parent))  # machine_label, next to this file
from machine_label import cpu_label  # noqa: E402

N_UNLABELED, N_PROBE, N_VAL = 20_000, 5_000, 10_000
SHAPE = (1, 28, 28)
READOUT_GRIDS = (1, 2, 3)  # pool_grid values also read out on validation (the ``val_pool{g}`` fields)


def git_commit() -> str | None:
    """The checkout's commit, so that each row says which defaults it measured."""
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True,
                             cwd=Path(__file__).parent, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def load(with_test: bool, limit: int | None):
    from aekit.data import load_fashion_mnist

    train = load_fashion_mnist("train", download=False)
    X, y = train.X.astype(np.float32), train.y
    scale = 1 if limit is None else limit / N_UNLABELED
    n_u, n_p, n_v = (max(10, int(n * scale)) for n in (N_UNLABELED, N_PROBE, N_VAL))
    parts = {"unlabeled": X[:n_u], "probe": (X[n_u : n_u + n_p], y[n_u : n_u + n_p]),
             "val": (X[len(X) - n_v :], y[len(X) - n_v :])}
    if with_test:
        test = load_fashion_mnist("test", download=False)
        parts["test"] = (test.X.astype(np.float32)[: n_v], test.y[: n_v]) if limit else (test.X.astype(np.float32), test.y)
    return parts


def grey_image_methods() -> list[str]:
    """Methods that build for (1, 28, 28) images (colorization needs RGB, masked_features vectors)."""
    from aekit.ssl import create_method

    names = []
    for name in list_methods():
        try:
            create_method(name, SHAPE)
        except ValueError:
            continue
        names.append(name)
    return names


def readout(features, parts, split: str) -> float:
    Xp, yp = parts["probe"]
    Xe, ye = parts[split]
    return float(linear_probe(features(Xp), yp, features(Xe), ye, C="auto", backend="torch"))


def shipped(method: str, epochs: int, seed: int) -> SelfSupervised:
    return SelfSupervised(method, input_shape=SHAPE, epochs=epochs, random_state=seed)


def effective(params: dict) -> dict:
    """Estimator parameters with ``method_options`` resolved against the method's own defaults: a
    candidate given as options equals the defaults once the library ships those values."""
    import inspect

    from aekit.ssl.base import METHODS

    signature = inspect.signature(METHODS.get(params["method"]).__init__).parameters.values()
    options = {p.name: p.default for p in signature if p.default is not inspect.Parameter.empty}
    options.update(params.get("method_options") or {})
    out = {k: v for k, v in params.items() if k not in ("verbose", "method_options")}
    out["method_options"] = json.loads(json.dumps(options))  # tuples and lists alike
    return out


def load_saved(path: str, method: str, epochs: int, seed: int) -> SelfSupervised:
    """A model that ``--select --save-dir`` trained, read by ``--final --load`` instead of training
    it again; refused unless it was trained with what the library now ships as the defaults."""
    est = SelfSupervised.load(path)
    want, have = (effective(e.get_params()) for e in (shipped(method, epochs, seed), est))
    if have != want:
        raise SystemExit(f"--load {path}: trained with {have}, not the shipped defaults {want}")
    return est


def run_one(method: str | None, settings: dict, parts, splits, epochs: int, seed: int,
            save_dir: str | None = None, load: str | None = None) -> dict:
    row = {"method": method or "raw pixels", "settings": settings, "epochs": epochs, "seed": seed, "commit": git_commit(),
           "cpu": cpu_label(), "threads": torch.get_num_threads(), "load_average": round(os.getloadavg()[0], 1)}
    if method is None:
        def features(X):
            return X.reshape(len(X), -1)
    else:
        if load:
            est = load_saved(load, method, epochs, seed)
            row["loaded_from"] = load
        else:
            t0 = time.perf_counter()
            est = shipped(method, epochs, seed).set_params(**settings).fit(parts["unlabeled"])
            row["fit_s"] = round(time.perf_counter() - t0, 1)
            if save_dir:
                tag = hashlib.sha1(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:8]
                row["saved_to"] = str(Path(save_dir) / f"{method}-{tag}")
                est.save(row["saved_to"])
        row["final_loss"] = float(est.history_.records[-1]["train_total"]) if est.history_.records else None
        features = est.transform
    for split in splits:
        row[split] = readout(features, parts, split)
    if method is not None and callable(getattr(est.backbone_, "feature_map", None)):
        # the other readouts of the same backbone, for choosing the default readout (validation only)
        for grid in READOUT_GRIDS:
            probe = est.set_params(pool_grid=grid).transform
            row[f"val_pool{grid}"] = readout(probe, parts, "val")
        est.set_params(pool_grid=settings.get("pool_grid"))
    return row


def verdicts(rows: list[dict]) -> list[str]:
    """For each method's last ``--final`` row: does it beat the raw-pixel probe on test?"""
    final, readings = {}, {}
    for r in rows:
        if r.get("step") == "final" and "test" in r:
            final[r["method"]] = r
            readings[r["method"]] = readings.get(r["method"], 0) + 1
    raw = final.get("raw pixels")
    if raw is None:
        return []
    methods = [m for m in final if m != "raw pixels"]
    beat = [m for m in methods if final[m]["test"] > raw["test"]]
    lines = [f"- {m}: {final[m]['test']:.4f} vs raw pixels {raw['test']:.4f}, "
             f"{'beats' if m in beat else 'does not beat'} raw pixels"
             + (f" (test reading {readings[m]} of this method: the defaults changed after reading {readings[m] - 1})"
                if readings[m] > 1 else "") for m in methods]
    lines.append(f"- Every method's defaults beat raw pixels on test: {'met' if len(beat) == len(methods) else 'not met'} "
                 f"({len(beat)} of {len(methods)})")
    return lines


def print_table(rows: list[dict]) -> None:
    print("| method | settings | epochs | seed | fit s | val | val, pool_grid 1 / 2 / 3 | test | threads | load |")
    print("|---|---|---:|---:|---:|---:|---|---:|---:|---:|")
    seen: dict[tuple, int] = {}
    for r in rows:
        key = (r["method"], r.get("step"))
        seen[key] = seen.get(key, 0) + 1
        if r.get("step") == "final" and seen[key] > 1:
            r = {**r, "method": f"{r['method']} (test reading {seen[key]})"}
        settings = json.dumps(r["settings"]) if r["settings"] else "defaults"
        test = f"{r['test']:.4f}" if "test" in r else "-"
        pools = " / ".join(f"{r[f'val_pool{g}']:.4f}" for g in READOUT_GRIDS if f"val_pool{g}" in r) or "-"
        print(f"| {r['method']} | {settings} | {r['epochs']} | {r['seed']} | {r.get('fit_s', '-')} | "
              f"{r['val']:.4f} | {pools} | {test} | {r['threads']} | {r['load_average']} |")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    step = p.add_mutually_exclusive_group(required=True)
    step.add_argument("--select", action="store_true", help="validation only (choosing defaults)")
    step.add_argument("--final", action="store_true", help="the shipped defaults, test set read once")
    p.add_argument("--methods", nargs="*", help="default: every method that trains on grey images, and raw pixels")
    p.add_argument("--set", default="{}", help="--select: JSON of SelfSupervised parameters to try instead of the defaults")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--limit", type=int, default=None, help="smoke test: N unlabeled rows, the rest scaled")
    p.add_argument("--results", default="benchmarks/results/ssl_defaults.jsonl")
    p.add_argument("--table-only", action="store_true", help="print the table of --results and stop")
    p.add_argument("--save-dir", default=None, help="--select: save each trained model in this folder")
    p.add_argument("--load", default=None, help="--final, one method: read this saved model (it must have been "
                                                "trained with the shipped defaults) instead of training again")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    results = Path(args.results)
    if not args.table_only:
        settings = json.loads(args.set)
        if args.final and settings:
            raise SystemExit("--final measures the shipped defaults: --set is for --select")
        parts = load(with_test=args.final, limit=args.limit)
        splits = ("val", "test") if args.final else ("val",)
        methods = args.methods if args.methods is not None else ["raw pixels", *grey_image_methods()]
        results.parent.mkdir(parents=True, exist_ok=True)
        for name in methods:
            row = run_one(None if name == "raw pixels" else name, {} if name == "raw pixels" else settings,
                          parts, splits, args.epochs, args.seed, args.save_dir, args.load)
            row["step"] = "final" if args.final else "select"
            row["limit"] = args.limit
            with results.open("a") as f:  # one line per finished row: an interrupted run keeps them
                f.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()] if results.exists() else []
    print_table(rows)
    print("\n".join(["", *verdicts(rows)]))


if __name__ == "__main__":
    main()
