"""Self-supervised pretraining on Fashion-MNIST under a fixed CPU budget, then frozen-backbone probes.

For each method: train on the 60k training images (labels unused) until ``--minutes`` of CPU
time of this process is spent (``--long-minutes`` for ``--long-method``; 15 minutes on 2 cores =
30 CPU-minutes), with a warm-up + cosine learning rate laid over the budget. Then probe the frozen
backbone on all 60k labelled training images and test on the 10k test images:

- linear probe on the last conv stage average-pooled to a ``--pool-grid`` x ``--pool-grid`` grid
  (the standard protocol for conv features), and on the globally pooled vector (grid 1);
  standardised features, multinomial logistic regression, C chosen on a held-out 10% of the
  training features (``--C auto``), torch L-BFGS;
- temperature-weighted cosine kNN (k=20, 200) on the grid features.

Baselines: raw pixels under the same probes, and the same backbones randomly initialised.
Optionally fine-tunes the long method's backbone and a scratch backbone on 1% of the labels.

The table of docs/results/ssl.md (run each under ``flock /tmp/aekit-bench.lock nice -n 0``):

    python benchmarks/ssl_fashion.py --methods "" --long-method simclr --long-minutes 30 --threads 2 \
        --C auto --extra-grids 3 --save /tmp/exp/simclr30 --finetune --finetune-seeds 2
    python benchmarks/ssl_fashion.py --minutes 1 --threads 1 --baselines all --C 1

``--pool-grid 3`` makes the 3x3 grid (best on held-out training images) the primary probe;
``--limit 1000`` is a quick smoke test.
"""

from __future__ import annotations

import argparse
import os
import platform

import numpy as np
import torch

from aekit.data import load_fashion_mnist
from aekit.evaluation import extract_features, fine_tune, knn_probe, linear_probe
from aekit.ssl import create_method, save_backbone

# Conv backbone sized for a CPU: three stride-2 3x3 convolutions (28 -> 14 -> 7 -> 4), batch norm;
# the last map (256 x 4 x 4) is what the probes pool.
BACKBONE = {"backbone": "conv", "backbone_options": {"out_features": 512, "channels": [64, 128, 256], "batch_norm": True}}
VIT = {"backbone": "vit", "backbone_options": {"patch_size": 4, "dim": 64, "depth": 3, "heads": 4}}
METHOD_OPTIONS = {
    "rotation": {"all_rotations": False},
    "jigsaw": {"grid": 2, "n_permutations": 24},
    "simclr": {"augment": "small_gray", "temperature": 0.2},
    "mae": VIT,
    "jepa": VIT,
}


def build(name: str, seed: int):
    torch.manual_seed(seed)
    options = {**BACKBONE, **METHOD_OPTIONS.get(name, {})}
    return create_method(name, (1, 28, 28), **options)


def pretrain(name: str, X: np.ndarray, cpu_seconds: float, batch_size: int, lr: float, seed: int, warmup: float = 0.05):
    """Train until ``cpu_seconds`` of this process's CPU time are spent (checked before every step).

    CPU time (``time.process_time``, all threads), not wall clock: the machine is shared, and
    wall-clock budgets would measure the neighbours' load. The learning rate rises linearly over the
    first ``warmup`` of the budget, then follows a cosine to 0 at the end of the budget (the loop of
    ``ssl_table.pretrain``, with its CPU clock).
    """
    method = build(name, seed)
    run = _ssl_table().pretrain(method, X, cpu_seconds, batch_size, lr, seed, warmup, clock="cpu")
    return method.eval(), run["steps"], run["cpu_s"], run["wall_s"]


def _ssl_table():
    """benchmarks/ssl_table.py, a sibling script rather than a package module."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("ssl_table", Path(__file__).with_name("ssl_table.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def probes(backbone, data, args) -> dict[str, float]:
    """Linear probes (grid and global pooling) and kNN of a frozen backbone; raw pixels when None."""
    Xtr, ytr, Xte, yte = data
    conv = backbone is not None and hasattr(backbone, "feature_map")
    if backbone is None:
        grid_tr, grid_te = Xtr.reshape(len(Xtr), -1), Xte.reshape(len(Xte), -1)
    elif conv:
        grid_tr, grid_te = (extract_features(backbone, X, pool_grid=args.pool_grid) for X in (Xtr, Xte))
    else:  # ViT: its output vector (mean-pooled tokens)
        grid_tr, grid_te = (extract_features(backbone, X) for X in (Xtr, Xte))
    res = {"dim": grid_tr.shape[1]}
    C = "auto" if args.C == "auto" else float(args.C)
    res["linear"], res["C"] = linear_probe(grid_tr, ytr, grid_te, yte, C=C, max_iter=args.max_iter, backend="torch", return_C=True)
    if res["C"] != 1.0:  # also the untuned probe (scikit-learn's default C), to show what tuning adds
        res["linear_C1"] = linear_probe(grid_tr, ytr, grid_te, yte, C=1.0, max_iter=args.max_iter, backend="torch")
    if conv:
        g_tr, g_te = (extract_features(backbone, X, pool_grid=1) for X in (Xtr, Xte))
        res["linear_global"] = linear_probe(g_tr, ytr, g_te, yte, C=res["C"], max_iter=args.max_iter, backend="torch")
        for g in args.extra_grids:
            e_tr, e_te = (extract_features(backbone, X, pool_grid=g) for X in (Xtr, Xte))
            res[f"linear_grid{g}"] = linear_probe(e_tr, ytr, e_te, yte, C=res["C"], max_iter=args.max_iter, backend="torch")
    print("   ", {k: v for k, v in res.items()}, flush=True)
    knn = knn_probe(grid_tr, ytr, grid_te, yte, ks=(20, 200))
    res["knn20"], res["knn200"] = knn[20], knn[200]
    return res


def row(label, backbone, budget, steps, res) -> str:
    glob = f"{res['linear_global']:.4f}" if "linear_global" in res else "-"
    return (f"| {label} | {backbone} | {budget} | {steps} | {res['linear']:.4f} ({res['dim']}-d, C={res['C']:g}) | "
            f"{glob} | {res['knn20']:.4f} | {res['knn200']:.4f} |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--methods", default="rotation,jigsaw,inpainting,augmentation_id,simclr,byol,simsiam,dino,mae,jepa")
    p.add_argument("--minutes", type=float, default=2.0, help="training budget per method, CPU minutes of this process")
    p.add_argument("--long-method", default=None, help="a method trained for --long-minutes instead")
    p.add_argument("--long-minutes", type=float, default=30.0, help="CPU minutes (30 = 15 minutes on 2 cores)")
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (AdamW, warm-up + cosine over the budget)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--baselines", choices=["none", "raw", "all"], default="none",
                   help="also probe raw pixels (raw), and the random-init backbones (all)")
    p.add_argument("--pool-grid", type=int, default=2, help="linear probe / kNN on the last conv map pooled to this grid")
    p.add_argument("--C", default="auto", help="'auto' (chosen on 10%% of the training features) or a number")
    p.add_argument("--extra-grids", type=lambda v: [int(g) for g in v.split(",") if g], default=[],
                   help="comma-separated further grids for the linear probe (same C), printed with the row")
    p.add_argument("--save", default=None, help="folder to save the long method's backbone to (safetensors + JSON)")
    p.add_argument("--max-iter", type=int, default=200, help="L-BFGS iterations of the linear probe")
    p.add_argument("--finetune", action="store_true", help="1%% labels: long method's backbone vs scratch")
    p.add_argument("--finetune-seeds", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="smoke test: only the first N train and N test images")
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    train, test = load_fashion_mnist("train"), load_fashion_mnist("test")
    data = (train.X.astype(np.float32), train.y, test.X.astype(np.float32), test.y)
    if args.limit:
        data = tuple(a[: args.limit] for a in data)
    print(f"machine: {platform.processor() or platform.machine()}, torch threads {torch.get_num_threads()}, "
          f"torch {torch.__version__}, load average at start {os.getloadavg()[0]:.1f}; pretrain on {data[0].shape}, "
          f"probes fit on all {len(data[1])} labelled train images, tested on {data[2].shape}\n", flush=True)
    header = ("| representation | backbone | pretraining CPU min (wall min) | steps (batch %d) | linear probe, %dx%d grid "
              "| linear probe, global pool | kNN k=20 | kNN k=200 |" % (args.batch_size, args.pool_grid, args.pool_grid))
    rows = []
    if args.baselines != "none":
        rows.append(row("raw pixels", "-", "-", "-", probes(None, data, args)))
        print(rows[-1], flush=True)
    if args.baselines == "all":
        for label, name, kind in (("random-init conv backbone", "simclr", "conv"), ("random-init ViT backbone", "mae", "ViT")):
            rows.append(row(label, kind, "0", "0", probes(build(name, args.seed).backbone.eval(), data, args)))
            print(rows[-1], flush=True)

    long_backbone = None
    names = [m for m in args.methods.split(",") if m]
    if args.long_method and args.long_method not in names:
        names.append(args.long_method)
    for name in names:
        minutes = args.long_minutes if name == args.long_method else args.minutes
        method, steps, cpu, wall = pretrain(name, data[0], minutes * 60, args.batch_size, args.lr, args.seed)
        kind = "ViT" if name in ("mae", "jepa") else "conv"
        method = method.to(memory_format=torch.contiguous_format)
        rows.append(row(name, kind, f"{cpu / 60:.1f} ({wall / 60:.1f})", str(steps), probes(method.backbone, data, args)))
        print(rows[-1], f"load average {os.getloadavg()[0]:.1f}", flush=True)
        if name == args.long_method:
            long_backbone = method.backbone
            if args.save:
                save_backbone(method, args.save, overwrite=True)

    print("\n" + header + "\n|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print("| raw pixels, published (logistic / kNN k=5 / RBF SVC) | - | - | - | 0.842 / - / 0.897 | - | 0.854 (k=5) | - |")

    if args.finetune and long_backbone is not None:
        print("\n| fine-tuning, 1% labels (600 images), 30 epochs | test accuracy |")
        print("|---|---|")
        scratch = build(args.long_method, args.seed).backbone
        for label, b in ((f"pretrained ({args.long_method})", long_backbone), ("scratch (random init)", scratch)):
            accs = [fine_tune(b.train(), data[0], data[1], data[2], data[3], fraction=0.01, epochs=30, seed=s)
                    for s in range(args.finetune_seeds)]
            print(f"| {label} | {np.mean(accs):.4f} (seeds 0-{args.finetune_seeds - 1}: {', '.join(f'{a:.4f}' for a in accs)}) |", flush=True)


if __name__ == "__main__":
    main()
