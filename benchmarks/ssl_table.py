"""Every self-supervised method under one protocol and one wall-clock budget (issue #19 item 2).

The readout is the one fixed in docs/benchmarks.md ("Self-supervised readout") before these runs:

- pretraining on the 60,000 Fashion-MNIST training images, labels unused; every method gets the
  same ``--budget-minutes`` of wall-clock time (CPU seconds and load reported beside it), with a
  warm-up + cosine learning rate laid over the budget; ``--long METHOD`` (or ``auto``: the best
  validation linear probe so far) gets one ``--long-minutes`` run;
- features: the frozen backbone's last map average-pooled to a 3 x 3 grid (conv: 256 x 4 x 4 ->
  2,304; ViT: its 256-wide patch tokens laid on their 4 x 4 patch grid -> 2,304);
- linear probe: standardised features, logistic regression (torch L-BFGS, 200 iterations), C from
  ``aekit.evaluation.probes.C_GRID`` chosen by accuracy on the last 10,000 training images with the
  probe fitted on the first 50,000 (rule: highest validation accuracy, the smaller C on a tie);
- kNN: temperature-weighted cosine, T = 0.07, k = 20 (k = 200 beside it), nothing chosen;
- 1%-label fine-tuning: ``finetune_probe(label_fraction=0.01, trainable="all")``, seeds 0 and 1,
  its epoch chosen on a stratified share of those 600 labelled rows.

Controls read out the same way: raw pixels (784 features; fine-tuned as a linear classifier) and
the same backbones randomly initialised (conv for the conv methods, ViT for mae / jepa).

Two steps, run in this order; each writes every finished entry to ``--results`` at once (an
interrupted run keeps what it measured, a rerun skips what is there):

    # 1. validation only: pretrain, choose C on the last 10,000 training images
    python benchmarks/ssl_table.py --select --budget-minutes 2.5 --workdir /tmp/ssl_table
    python benchmarks/ssl_table.py --select --long auto --long-minutes 12 --workdir /tmp/ssl_table
    # 2. the test set, read once with every setting fixed; prints the table and writes the page
    python benchmarks/ssl_table.py --final --workdir /tmp/ssl_table --page docs/results/ssl_table.md

``--probe-rows N`` fits the probe and the kNN bank on the first N training images only (cheaper;
C is still chosen on the last 10,000); ``--select --reread ENTRY`` reads a saved backbone again as
a new entry (by default with the fixed readout); ``--select --options JSON --tag TAG`` trains a
variant (e.g. ``--long rotation --options '{"augment": "small_gray"}' --tag crop``) as its own
entry ``rotation+crop (long)``, the variant's options laid over the method's fixed ones;
``--ema DECAY`` reads each trained method out a second time, with the moving average of its
weights, as the entry ``METHOD+ema`` (the same run: only the averaging differs). Several
``--select`` or ``--final`` processes may share one results file when their entries differ
(``--methods``). RESULTS.md gives the commands of the issue-#19 table. ``--limit N`` (first N training, N test images) and ``--data digits`` are
smoke tests.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import math
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from aekit._files import write_text
from aekit.evaluation import extract_features, finetune_probe, knn_probe, linear_probe
from aekit.evaluation.probes import C_GRID
from aekit.training import resolve_precision
from aekit.training.device import autocast
from aekit.ssl import (
    create_method,
    list_methods,
    load_backbone,
    make_backbone,
    save_backbone,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))  # machine_label, next to this file
from machine_label import cpu_label  # noqa: E402

POOL_GRID = 3  # fixed in docs/benchmarks.md
PROBE_ITERATIONS = 200
KNN_KS = (20, 200)
FINETUNE_SEEDS = (0, 1)
CONV = {"backbone": "conv", "backbone_options": {"out_features": 512, "channels": [64, 128, 256], "batch_norm": True}}
# patch 7: a 4 x 4 token grid of width 256, the same 256 x 4 x 4 map as the conv backbone's last one
VIT = {"backbone": "vit", "backbone_options": {"patch_size": 7, "dim": 256, "depth": 3, "heads": 4}}
VIT_METHODS = ("mae", "jepa")
VIEW_METHODS = ("simclr", "moco", "byol", "simsiam", "barlow_twins", "vicreg", "dino", "triplet")
# Fixed before the runs, not tuned: the library's preset for small grey images for every view-based
# method (the "simclr" preset's colour steps do nothing useful on one channel), and the settings that
# make rotation / jigsaw fit 28 x 28 images (jigsaw's 3 x 3 default does not divide 28).
METHOD_OPTIONS = {
    **{name: {"augment": "small_gray"} for name in VIEW_METHODS},
    "rotation": {"all_rotations": False},
    "jigsaw": {"grid": 2, "n_permutations": 24},
    # rotation as this table runs it, with inpainting, on one backbone (added after the runs above;
    # fixed, not tuned: the two tasks' table settings)
    "multitask": {"tasks": [{"method": "rotation", "options": {"all_rotations": False}}, {"method": "inpainting"}]},
    # I-JEPA as published, as the committed rows ran it: the library's anti-collapse defaults (chosen
    # on 20 epochs) read lower on this table's 5-minute validation (RESULTS.md), so they stay out
    "jepa": {"variance_weight": 0.0, "covariance_weight": 0.0, "target_layers": 1},
}
CONTROLS = {"raw pixels": None, "random-init conv": "conv", "random-init ViT": "vit"}
LONG_SUFFIX = " (long)"


# ----------------------------------------------------------------------------- methods and features
def image_methods(shape) -> list[str]:
    """The registered methods that can train on ``shape`` (grey images here: colorization needs RGB,
    masked_features needs vectors; both refuse such input when built)."""
    names = []
    for name in list_methods():
        try:
            build(name, shape, seed=0)
        except ValueError:
            continue
        names.append(name)
    return names


def architecture(name: str) -> dict:
    return VIT if name in VIT_METHODS else CONV


def backbone_spec(arch: dict, extra: dict | None) -> dict:
    """An architecture's backbone, with a variant's ``backbone_options`` (in ``--options``) laid
    over its options: e.g. ``{"convs_per_stage": [1, 2, 2]}`` keeps the last map (and so the
    readout's feature count) and deepens the network."""
    return {"backbone": arch["backbone"],
            "backbone_options": {**arch["backbone_options"], **(extra or {}).get("backbone_options", {})}}


def build(name: str, shape, seed: int, extra: dict | None = None):
    torch.manual_seed(seed)
    options = method_options(name, extra)
    options.pop("backbone_options", None)  # laid over the architecture's, below
    return create_method(name, shape, **backbone_spec(architecture(name), extra), **options)


def method_options(name: str, extra: dict | None) -> dict:
    """The fixed options of ``name``, with a variant's ``--options`` laid over them."""
    return {**METHOD_OPTIONS.get(name, {}), **(extra or {})}


VARIANT_SEP = "+"


def variant_name(name: str, tag: str) -> str:
    """``name`` (a method, or its long run) as the variant ``tag``: ``rotation (long)`` -> ``rotation+crop (long)``."""
    suffix = LONG_SUFFIX if name.endswith(LONG_SUFFIX) else ""
    return name.removesuffix(LONG_SUFFIX) + VARIANT_SEP + tag + suffix


def control_of(entry_name: str) -> str | None:
    """The control an entry reads (``random-init conv+deep``: ``random-init conv``), or None."""
    base = method_of(entry_name)
    return base if base in CONTROLS else None


def method_of(entry_name: str) -> str:
    """The method an entry trains: its name less the long-run suffix and a variant's ``+TAG``."""
    return entry_name.removesuffix(LONG_SUFFIX).split(VARIANT_SEP)[0]


def grid_features(backbone: nn.Module | None, X: np.ndarray) -> np.ndarray:
    """The fixed readout: pixels for the raw-pixel control, else the 3 x 3 pooled last map."""
    if backbone is None:
        return X.reshape(len(X), -1)
    return extract_features(backbone.eval(), X, pool_grid=POOL_GRID)  # a ViT's map: its tokens on the patch grid


def pixel_classifier_backbone(shape) -> nn.Module:
    """The raw-pixel control's "backbone" for fine-tuning: the identity on flattened pixels, so
    fine-tuning trains a linear classifier on pixels."""
    net = nn.Flatten()
    net.out_features = int(np.prod(shape))
    return net


# ----------------------------------------------------------------------------- pretraining
def make_ema(method: nn.Module, decay: float) -> AveragedModel:
    """An exponential moving average of ``method``'s weights and buffers (batch-norm statistics
    included), ``w_ema <- decay * w_ema + (1 - decay) * w`` after every optimizer step; its copy is
    channels-last like the model :func:`pretrain` trains."""
    if not 0 < decay < 1:
        raise ValueError(f"ema decay must be in (0, 1), got {decay!r}")
    ema = AveragedModel(method, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)
    ema.module.to(memory_format=torch.channels_last)
    return ema


def pretrain(method: nn.Module, X: np.ndarray, seconds: float, batch_size: int, lr: float, seed: int,
             warmup: float = 0.05, clock: str = "wall", weight_decay: float = 1e-5,
             optimizer: str = "adamw", ema: AveragedModel | None = None, precision: str = "fp32") -> dict:
    """Train until ``seconds`` of wall-clock time (``clock="cpu"``: of this process's CPU time,
    all threads) have passed, checked before every step.

    Not :func:`aekit.fit`: the budget here is time, not epochs, and the learning-rate schedule
    (linear warm-up over the first ``warmup`` of the budget, then a cosine to 0 at its end) is laid
    over that time, which fit's per-epoch schedulers cannot express. ``optimizer``: "adamw", or
    "sgd" (Nesterov momentum 0.9, the optimizer of RotNet and most ImageNet pretext-task papers).
    ``ema`` (from :func:`make_ema`): updated after every step, its time counted in the budget.
    ``precision``: "fp32", or "bf16" / "auto" as :class:`aekit.TrainConfig` reads them: the forward
    pass under CPU autocast to bfloat16 (weights, optimizer and the readout stay float32); 1.7x
    the steps in the same time on an AMD EPYC with AVX-512 BF16 (RESULTS.md), possibly fewer on a
    CPU without bf16 units, so a bf16 run's record says so beside the steps it made.
    """
    if precision not in ("fp32", "bf16", "auto"):  # fp16 would need a gradient scaler
        raise ValueError(f"precision must be 'fp32', 'bf16' or 'auto', got {precision!r}")
    amp_dtype = resolve_precision(precision, torch.device("cpu"))
    method = method.to(memory_format=torch.channels_last)  # faster convolutions on the CPU
    params = [p for p in method.parameters() if p.requires_grad]
    if optimizer == "adamw":
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    elif optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True, weight_decay=weight_decay)
    else:
        raise ValueError(f"optimizer must be 'adamw' or 'sgd', got {optimizer!r}")
    X = torch.as_tensor(X, dtype=torch.float32)
    batch_size = min(batch_size, len(X))
    gen = torch.Generator().manual_seed(seed)
    now = {"wall": time.perf_counter, "cpu": time.process_time}[clock]
    wall0, cpu0, steps, losses = time.perf_counter(), time.process_time(), 0, []
    start_time = now()
    method.train()
    while True:
        order = torch.randperm(len(X), generator=gen)
        for start in range(0, len(X) - batch_size + 1, batch_size):
            frac = (now() - start_time) / seconds
            if frac >= 1:
                method.to(memory_format=torch.contiguous_format).eval()
                if ema is not None:
                    ema.module.to(memory_format=torch.contiguous_format).eval()
                return {"steps": steps, "wall_s": time.perf_counter() - wall0, "cpu_s": time.process_time() - cpu0,
                        "final_loss": float(np.mean(losses[-20:])) if losses else None, "batch_size": batch_size,
                        "lr": lr, "weight_decay": weight_decay, "optimizer": optimizer,
                        "epochs": steps * batch_size / len(X), **({"precision": "bf16"} if amp_dtype else {})}
            scale = frac / warmup if frac < warmup else 0.5 * (1 + math.cos(math.pi * (frac - warmup) / (1 - warmup)))
            for group in opt.param_groups:
                group["lr"] = lr * scale
            x = X[order[start : start + batch_size]].contiguous(memory_format=torch.channels_last)
            with autocast(torch.device("cpu"), amp_dtype):
                loss = method.loss(x).total
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if ema is not None:
                ema.update_parameters(method)
            losses.append(float(loss.detach()))
            steps += 1


# ----------------------------------------------------------------------------- readout
def choose_C(features: np.ndarray, y: np.ndarray, n_fit: int) -> dict:
    """Validation step: the probe fitted on rows ``[:n_fit]`` for each C of C_GRID, scored on the rest."""
    scores = {c: linear_probe(features[:n_fit], y[:n_fit], features[n_fit:], y[n_fit:], C=c,
                              max_iter=PROBE_ITERATIONS, backend="torch") for c in C_GRID}
    best = max(scores.values())
    C = min(c for c, s in scores.items() if s == best)  # the rule: best accuracy, smaller C on a tie
    return {"C": C, "val_linear": best, "val_linear_by_C": {str(c): s for c, s in scores.items()}}


def test_readout(backbone, finetune_net, data, ftr: np.ndarray, C: float, finetune_epochs: int) -> dict:
    """Final step, the only one that reads the test images: the probe refitted with the chosen C on
    the probe rows (features ``ftr``, the first ``len(ftr)`` training images), kNN on them, and the
    1%-label fine-tune (600 of all the training labels)."""
    Xtr, ytr, Xte, yte = data
    fte = grid_features(backbone, Xte)
    yprobe = ytr[: len(ftr)]
    out = {"dim": int(ftr.shape[1]), "test_linear": linear_probe(ftr, yprobe, fte, yte, C=C, max_iter=PROBE_ITERATIONS,
                                                                 backend="torch")}
    out.update({f"test_knn{k}": a for k, a in knn_probe(ftr, yprobe, fte, yte, ks=KNN_KS).items()})
    runs = [finetune_probe(finetune_net, Xtr, ytr, Xte, yte, label_fraction=0.01, trainable="all",
                           epochs=finetune_epochs, seed=s) for s in FINETUNE_SEEDS]
    out["test_finetune1pct"] = float(np.mean([r.accuracy for r in runs]))
    out["finetune1pct_by_seed"] = [r.accuracy for r in runs]
    out["finetune_best_epochs"] = [r.best_epoch for r in runs]
    return out


# ----------------------------------------------------------------------------- results file
def load_results(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {"entries": {}}


def save_entry(path: Path, name: str, entry: dict, machine_now: dict) -> dict:
    """Add or replace one entry and return the whole file. Under a lock, re-reading the file first:
    several ``--select`` processes (disjoint ``--methods``) may share one results file. Written
    through a temporary file, so an interruption never leaves half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        results = load_results(path)
        results["machine"] = machine_now
        results["entries"][name] = entry
        write_text(path, json.dumps(results, indent=1))
    return results


def machine() -> dict:
    return {"cpu": cpu_label(cores=True), "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
            "load_average": round(os.getloadavg()[0], 1)}


# ----------------------------------------------------------------------------- data
def load_data(name: str, limit: int | None, with_test: bool):
    """(train X, train y, test X, test y, number of fit rows: the rest of train validates); the test
    arrays are None unless ``with_test`` (the select step never opens the test file)."""
    if name == "fashion":
        from aekit.data import load_fashion_mnist

        train = load_fashion_mnist("train")
        Xtr, ytr, Xte, yte = train.X.astype(np.float32), train.y, None, None
        if with_test:
            test = load_fashion_mnist("test")
            Xte, yte = test.X.astype(np.float32), test.y
    elif name == "digits":  # 8 x 8 images: a smoke test of the code paths, seconds
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        X = (X / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
        Xtr, ytr, Xte, yte = X[:1400], y[:1400], X[1400:], y[1400:]
    else:
        raise ValueError(f"--data must be 'fashion' or 'digits', got {name!r}")
    if not with_test:
        Xte = yte = None
    if limit:
        Xtr, ytr = Xtr[:limit], ytr[:limit]
        Xte, yte = (None, None) if Xte is None else (Xte[:limit], yte[:limit])
    # Fashion-MNIST: the last 10,000 training images validate (docs/benchmarks.md); smaller sets: the last 1/6
    n_val = 10_000 if len(Xtr) == 60_000 else len(Xtr) // 6
    return Xtr, ytr, Xte, yte, len(Xtr) - n_val


# ----------------------------------------------------------------------------- steps
def reread_name(source: str, probe_rows: int | None) -> str:
    return f"{source} [probe {probe_rows or 'all'}]"


def select_entries(name: str, data, args, source: dict | None = None) -> Iterator[tuple[str, dict]]:
    """Pretrain ``name`` (a method, or a control when it is a key of CONTROLS) and choose its C.
    With ``source`` (an entry of the results file), no training: that entry's saved backbone is
    read out again with this run's ``--probe-rows``. With ``--ema DECAY`` a trained method gives
    a second entry, ``NAME+ema``: the same run read out with its weights' moving average, so the
    two readings differ by the averaging alone (same seed, same steps).
    """
    Xtr, ytr, _, _, n_fit = data
    shape = Xtr.shape[1:]
    control = control_of(name)
    entry: dict = {"kind": "control" if control else "method", "machine_at_start": machine(),
                   "seed": args.seed}
    method_name = method_of(name)
    ema = None
    if source is not None:
        entry.update({k: v for k, v in source.items() if k in ("kind", "architecture", "options", "budget_minutes",
                                                                 "pretrain", "long")})
        entry["reread_of"] = args.reread
        entry["long"] = is_long(args.reread, source)
        backbone = None if entry["architecture"] == "pixels" else load_backbone(source["backbone_path"])
    elif control:
        arch = CONTROLS[control]
        entry["architecture"] = arch or "pixels"
        backbone = None
        if arch is not None:
            torch.manual_seed(args.seed)
            spec = backbone_spec(CONV if arch == "conv" else VIT, args.options if control != name else None)
            if control != name:
                entry["options"] = {"backbone_options": args.options["backbone_options"]}  # laid over the table's
            backbone = make_backbone(shape, spec["backbone"], spec["backbone_options"]).eval()
    else:
        minutes = args.long_minutes if name.endswith(LONG_SUFFIX) else args.budget_minutes
        method = build(method_name, shape, args.seed, args.options)
        entry["architecture"] = "vit" if method_name in VIT_METHODS else "conv"
        entry["options"] = method_options(method_name, args.options)
        entry["budget_minutes"] = minutes
        entry["long"] = name.endswith(LONG_SUFFIX)
        ema = make_ema(method, args.ema) if args.ema is not None else None
        entry["pretrain"] = pretrain(method, Xtr, minutes * 60, args.batch_size, args.lr, args.seed,
                                     weight_decay=args.weight_decay, optimizer=args.optimizer, ema=ema,
                                     precision=args.precision)
        if ema is not None:
            entry["pretrain"]["ema_decay"] = args.ema
        backbone = method.readout_backbone  # the encoder the method is read out with (jepa: context or EMA target)
    yield name, read_out(entry, backbone, name, data, args)  # saved before the moving average is read
    if ema is not None:
        ema_name = variant_name(name, "ema")
        ema_entry = {**entry, "machine_at_start": machine(), "ema_of": name}
        yield ema_name, read_out(ema_entry, ema.module.readout_backbone, ema_name, data, args)


def read_out(entry: dict, backbone: nn.Module | None, name: str, data, args) -> dict:
    """The validation readout of ``entry``: save the backbone, its probe-row features, and C."""
    Xtr, ytr, _, _, n_fit = data
    entry = dict(entry)
    t0 = time.perf_counter()
    n_probe = min(args.probe_rows or n_fit, n_fit)
    rows = np.r_[0:n_probe, n_fit : len(Xtr)]  # the probe's fit rows, then the validation rows
    stem = Path(args.workdir) / name.replace(" ", "_")
    if backbone is not None:
        entry["backbone_path"] = str(stem)
        save_backbone(backbone, stem, overwrite=True)
    features = grid_features(backbone, Xtr[rows])
    entry["probe_rows"] = n_probe
    # the final step refits on these rows' features: the probe rows, or all training rows (the
    # protocol's refit after the choice) when --probe-rows is not given
    entry["refit_rows"] = len(Xtr) if args.probe_rows is None else n_probe
    entry["features_path"] = str(stem) + "-train-features.npy"
    np.save(entry["features_path"], features[: entry["refit_rows"]])
    entry.update(choose_C(features, ytr[rows], n_probe))
    entry["select_readout_s"] = time.perf_counter() - t0
    return entry


def final_entry(name: str, entry: dict, data, args) -> dict:
    Xtr, ytr, Xte, yte, _ = data
    shape = Xtr.shape[1:]
    if entry["architecture"] == "pixels":
        backbone, net = None, pixel_classifier_backbone(shape)
    else:
        backbone = load_backbone(entry["backbone_path"])
        net = backbone
    t0 = time.perf_counter()
    out = test_readout(backbone, net, (Xtr, ytr, Xte, yte), np.load(entry["features_path"]), entry["C"],
                       args.finetune_epochs)
    out["final_readout_s"] = time.perf_counter() - t0
    out["machine_at_final"] = machine()
    return out


# ----------------------------------------------------------------------------- table and verdicts
def fmt(v, digits=4) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def table(results: dict) -> str:
    entries = results["entries"]
    lines = [("| representation | backbone | budget (min, wall) | steps (epochs) | CPU s | C (val acc) | "
             "linear probe (test) | kNN k=20 (test) | kNN k=200 (test) | 1%-label fine-tune (test, 2 seeds) |"),
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, e in entries.items():
        p, f = e.get("pretrain"), e.get("final", {})
        budget = f"{e['budget_minutes']:g}" if p else "-"
        steps = f"{p['steps']} ({p['epochs']:.1f})" + (f", {p['precision']}" if p.get("precision") else "") if p else "-"
        cpu = f"{p['cpu_s']:.0f}" if p else "-"
        changed = (e.get("options") or {}).get("backbone_options")  # a variant's backbone, not the table's
        arch = e["architecture"] + (" (" + ", ".join(f"{k} {v}" for k, v in changed.items()) + ")" if changed else "")
        lines.append(f"| {name} | {arch} | {budget} | {steps} | {cpu} | {e['C']:g} ({fmt(e['val_linear'])}) | "
                     f"{fmt(f.get('test_linear'))} | {fmt(f.get('test_knn20'))} | {fmt(f.get('test_knn200'))} | "
                     f"{fmt(f.get('test_finetune1pct'))} |")
    return "\n".join(lines)


def is_long(name: str, entry: dict) -> bool:
    return entry.get("long", name.endswith(LONG_SUFFIX))


def verdicts(results: dict, goal_linear: float = 0.92) -> list[str]:
    """The issue's goals, computed from test numbers of the final step (validation numbers choose only)."""
    entries = {n: e for n, e in results["entries"].items() if "final" in e}
    out = []
    methods = {n: e for n, e in entries.items() if e["kind"] == "method" and not is_long(n, e) and "reread_of" not in e}
    beaten, missed = [], []
    for n, e in methods.items():
        ref = random_init_of(e, entries)
        if ref is None:
            continue
        (beaten if e["final"]["test_linear"] > ref["final"]["test_linear"] else missed).append(
            f"{n} {e['final']['test_linear']:.4f} vs {ref['final']['test_linear']:.4f}")
    if methods:
        out.append(f"Every method beats its random-init backbone on the linear probe: "
                   f"{'met' if not missed else 'not met'} ({len(beaten)} of {len(beaten) + len(missed)} do"
                   + (f"; not: {', '.join(missed)}" if missed else "") + ").")
    long = [(n, e) for n, e in entries.items() if is_long(n, e)]
    for n, e in long:
        # raw pixels read out the same way: with the same probe rows
        raw = next((r for r in entries.values() if r["architecture"] == "pixels"
                    and r.get("probe_rows") == e.get("probe_rows")), None)
        acc = e["final"]["test_linear"]
        out.append(f"The long run ({n}) reaches {goal_linear} on the linear probe: "
                   f"{'met' if acc >= goal_linear else 'not met'} ({acc:.4f}).")
        ref = random_init_of(e, entries)
        if ref is not None:
            r = ref["final"]["test_linear"]
            out.append(f"It beats the same backbone randomly initialised on the linear probe: "
                       f"{'met' if acc > r else 'not met'} ({acc:.4f} vs {r:.4f}).")
        if raw:
            k, r = e["final"]["test_knn20"], raw["final"]["test_knn20"]
            out.append(f"Its kNN (k=20) beats raw pixels' (probe rows {e.get('probe_rows')}): "
                       f"{'met' if k > r else 'not met'} ({k:.4f} vs {r:.4f}).")
    return out


def random_init_of(entry: dict, entries: dict) -> dict | None:
    """The read-out random-init control of ``entry``'s backbone: its architecture with the same
    ``backbone_options`` (a variant's, e.g. ``strides``, or none), read with the same probe rows;
    or None."""
    wanted = (entry.get("options") or {}).get("backbone_options")
    for name, e in entries.items():
        control = control_of(name)
        if (control is not None and CONTROLS[control] == entry["architecture"]
                and (e.get("options") or {}).get("backbone_options") == wanted
                and e.get("probe_rows") == entry.get("probe_rows")):
            return e
    return None


def cpu_note(results: dict) -> list[str]:
    """A line naming each CPU and its rows when the rows were trained on more than one: a wall-clock
    budget buys a different number of steps on each."""
    by_cpu: dict[str, list[str]] = {}
    for name, entry in results["entries"].items():
        cpu = entry.get("machine_at_start", {}).get("cpu")
        if cpu:
            by_cpu.setdefault(cpu, []).append(name)
    if len(by_cpu) < 2:
        return []
    return ["Rows from more than one CPU (the same budget buys each a different number of steps): "
            + "; ".join(f"{cpu}: {', '.join(names)}" for cpu, names in by_cpu.items()) + "."]


def page(results: dict, command: str) -> str:
    m = results.get("machine", {})
    entries = results["entries"].values()
    probe_rows = ", ".join(str(n) for n in sorted({e["probe_rows"] for e in entries if "probe_rows" in e}))
    refit_rows = ", ".join(str(n) for n in sorted({e.get("refit_rows", e["probe_rows"]) for e in entries
                                                   if "probe_rows" in e}))
    budgets = ", ".join(f"{b:g}" for b in sorted({e["budget_minutes"] for e in entries if "budget_minutes" in e}))
    seeds = ", ".join(str(n) for n in sorted({e.get("seed", 0) for e in entries}))  # entries before seeds were recorded: 0
    return "\n".join([
        "# Self-supervised methods under one budget (generated by benchmarks/ssl_table.py)",
        "",
        f"Command: `{command}` (after the `--select` steps recorded in the JSON file beside this page).",
        (f"Machine: {m.get('cpu', '?')}, torch {m.get('torch', '?')}, {m.get('torch_threads', '?')} torch threads in "
         "the step that wrote this page; each entry's threads and load average are in the JSON file."),
        *cpu_note(results),
        "",
        (f"Pretraining budgets: {budgets} minutes of wall clock; seed (initial weights, batch order): {seeds}. Each row's final linear probe and kNN bank "
         f"use its first `refit_rows` training images (here {refit_rows}; a `[probe all]` row: all of them). "
         f"C (val acc): the probe strength chosen with the probe fitted on the row's first `probe_rows` "
         f"training images (here {probe_rows}) and scored on the last 10,000, and that validation accuracy: "
         "used to choose, not a result. The test columns are results, read once per row after every choice "
         "(RESULTS.md says which representations were read twice, as two rows)."
         + (" Steps marked bf16: pretrained under CPU autocast to bfloat16 (`--precision bf16`)."
            if any((e.get("pretrain") or {}).get("precision") for e in entries) else "")),
        "",
        table(results),
        "",
        "## Verdicts (computed from the test columns)",
        "",
        *[f"- {v}" for v in verdicts(results)],
        "",
    ])


# ----------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--select", action="store_true", help="pretrain and choose C on validation; never reads test")
    mode.add_argument("--final", action="store_true", help="read the test set once for every selected entry")
    p.add_argument("--methods", default="all",
                   help="comma-separated method names, or 'all' (every image method); with --final, the entries "
                        "to read (controls and long runs by their names in the results file)")
    p.add_argument("--controls", default="auto",
                   help="comma-separated controls ('' for none); auto: raw pixels and the random-init backbone of "
                        "each architecture the selected methods use")
    p.add_argument("--budget-minutes", type=float, default=2.5, help="wall-clock pretraining budget per method")
    p.add_argument("--long", default=None, help="a method for one long run, or 'auto': best validation probe so far")
    p.add_argument("--long-minutes", type=float, default=12.0)
    p.add_argument("--options", type=json.loads, default=None,
                   help="--select: JSON options laid over the fixed ones of each method run; needs --tag")
    p.add_argument("--tag", default=None,
                   help="--select: name of the variant --options makes; its entries are 'METHOD+TAG'")
    p.add_argument("--reread", default=None,
                   help="--select: no training; read the saved backbone of this entry again with this run's "
                        "--probe-rows, as a new entry 'ENTRY [probe N]'")
    p.add_argument("--workdir", required=True, help="folder for the backbones and (default) the results file")
    p.add_argument("--results", default=None, help="results JSON (default WORKDIR/ssl_table.json)")
    p.add_argument("--page", default=None, help="--final: also write the markdown page here")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --page")
    p.add_argument("--probe-rows", type=int, default=None,
                   help="fit the probe and the kNN bank on the first N training images only (default: all "
                        "50,000 fit rows); C is still chosen on the last 10,000")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=2e-3, help="peak AdamW learning rate (warm-up + cosine over the budget)")
    p.add_argument("--weight-decay", type=float, default=1e-5, help="weight decay during pretraining")
    p.add_argument("--optimizer", choices=("adamw", "sgd"), default="adamw",
                   help="pretraining optimizer: AdamW, or SGD with Nesterov momentum 0.9")
    p.add_argument("--ema", type=float, default=None, metavar="DECAY",
                   help="--select: also read each trained method out with the exponential moving average of its "
                        "weights (decay per step), as its own entry 'METHOD+ema'")
    p.add_argument("--precision", choices=("fp32", "bf16", "auto"), default="fp32",
                   help="pretraining precision, as TrainConfig's: bf16 autocast makes more steps on a CPU with bf16 units")
    p.add_argument("--finetune-epochs", type=int, default=30)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", default="fashion", help="'fashion' (Fashion-MNIST) or 'digits' (smoke test)")
    p.add_argument("--limit", type=int, default=None, help="smoke test: first N training and N test images")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    results_path = Path(args.results or Path(args.workdir) / "ssl_table.json")
    results = load_results(results_path)
    results["machine"] = machine()
    data = load_data(args.data, args.limit, with_test=args.final)
    shape = data[0].shape[1:]
    entries = results["entries"]

    if (args.options is None) != (args.tag is None):
        raise SystemExit("--options and --tag go together: a variant needs its own entry name")
    if args.ema is not None and not 0 < args.ema < 1:
        raise SystemExit(f"--ema must be a decay in (0, 1), e.g. 0.999, got {args.ema!r}")
    if args.options is not None and not isinstance(args.options, dict):
        raise SystemExit(f"--options must be a JSON object, got {args.options!r}")
    if args.select:
        available = image_methods(shape)
        methods = available if args.methods == "all" else [m for m in args.methods.split(",") if m]
        bad = [m for m in methods if m not in available]
        if bad:
            raise SystemExit(f"--methods: {bad} cannot train on images of shape {shape}; choose from {available}")
        if args.controls == "auto":
            names = ["raw pixels"] + [f"random-init {'ViT' if arch is VIT else 'conv'}"
                                      for arch in (CONV, VIT) if any(architecture(m) is arch for m in methods)]
        else:
            names = [c for c in args.controls.split(",") if c]
        unknown = [c for c in names if c not in CONTROLS]
        if unknown:
            raise SystemExit(f"--controls: unknown {unknown}; expected some of {list(CONTROLS)}")
        names += methods
        if args.long:
            long = args.long
            if long == "auto":
                scored = {n: e["val_linear"] for n, e in entries.items()
                          if e["kind"] == "method" and not is_long(n, e) and "reread_of" not in e}
                if not scored:
                    raise SystemExit("--long auto needs selected methods in the results file first")
                long = max(scored, key=scored.get)  # the rule: the best validation linear probe
            if long not in available:
                raise SystemExit(f"--long: {long!r} is not one of {available}")
            names = [long + LONG_SUFFIX]  # a --long step runs only the long entry
        if args.tag:
            # a variant's backbone gets its own random-init control; the other controls are the table's
            names = [variant_name(n, args.tag) for n in names
                     if n not in CONTROLS or (CONTROLS[n] and "backbone_options" in args.options)]
        sources = {}
        if args.reread:
            if args.reread not in entries:
                raise SystemExit(f"--reread: no entry {args.reread!r} in {results_path}; have {list(entries)}")
            names = [reread_name(args.reread, args.probe_rows)]
            sources[names[0]] = entries[args.reread]
        for name in names:
            if name in entries:
                print(f"{name}: selected already, skipped", flush=True)
                continue
            for done, e in select_entries(name, data, args, sources.get(name)):
                entries[done] = e
                save_entry(results_path, done, e, machine())
                print(f"{done}: C={e['C']:g} val linear {e['val_linear']:.4f} "
                      f"{e.get('pretrain', {})} load {os.getloadavg()[0]:.1f}", flush=True)
    else:
        wanted = None if args.methods == "all" else {m.strip() for m in args.methods.split(",") if m.strip()}
        for name, entry in entries.items():
            if wanted is not None and name not in wanted:
                continue
            if "final" in entry:
                print(f"{name}: test read already, skipped (a test set is read once)", flush=True)
                continue
            entry["final"] = final_entry(name, entry, data, args)
            results = save_entry(results_path, name, entry, machine())
            print(f"{name}: {json.dumps({k: v for k, v in entry['final'].items() if k.startswith('test')})}", flush=True)
        print(table(results))
        print("\n".join(verdicts(results)))
        if args.page:
            target = Path(args.page)
            if target.exists() and not args.overwrite:
                raise SystemExit(f"--page {target} exists; pass --overwrite to replace it")
            write_text(target, page(results, "python benchmarks/ssl_table.py --final " + " ".join(
                f"--{k.replace('_', '-')} {v}" for k, v in (("workdir", args.workdir), ("threads", args.threads)))))
    return results


if __name__ == "__main__":
    main()
