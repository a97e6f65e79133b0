"""Self-supervised pretraining on Fashion-MNIST under a fixed CPU budget, then frozen-backbone probes.

For each method: train for ``--minutes`` of wall clock (``--long-minutes`` for ``--long-method``)
on the 60k training images, then report the linear probe (standardised features, logistic
regression) and temperature-weighted cosine kNN (k=20, 200) on the 10k test images. Baselines: raw
pixels under the same probes, and the same backbone randomly initialised. Optionally fine-tunes the
long method's backbone and a scratch backbone on 1% of the labels.

    python benchmarks/ssl_fashion.py --methods rotation,simclr --minutes 2 --long-method simclr \
        --long-minutes 15 --finetune --threads 2
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch
from torch import nn

from aekit import TrainConfig, fit
from aekit.data import load_fashion_mnist
from aekit.evaluation import extract_features, fine_tune, knn_probe, linear_probe
from aekit.ssl import create_method

BACKBONE = {"backbone": "conv", "backbone_options": {"out_features": 512, "channels": [32, 64, 128], "batch_norm": True}}
VIT = {"backbone": "vit", "backbone_options": {"patch_size": 4, "dim": 64, "depth": 3, "heads": 4}}
METHOD_OPTIONS = {
    "rotation": {"all_rotations": False},
    "jigsaw": {"grid": 2, "n_permutations": 24},
    "mae": VIT,
    "jepa": VIT,
}


class BudgetSpent(Exception):
    pass


class Budgeted(nn.Module):
    """Stops training mid-epoch once the CPU budget is spent (the loop stops only between epochs).

    The budget is CPU time of this process (all its threads), not wall clock, because the machine
    is shared: wall-clock budgets would measure the neighbours' load.
    """

    def __init__(self, method: nn.Module, cpu_seconds: float) -> None:
        super().__init__()
        self.method = method
        self.deadline = time.process_time() + cpu_seconds
        self.steps = 0

    def loss(self, x):
        if time.process_time() > self.deadline:
            raise BudgetSpent
        self.steps += 1
        return self.method.loss(x)


def build(name: str, seed: int):
    torch.manual_seed(seed)
    options = {**BACKBONE, **METHOD_OPTIONS.get(name, {})}
    return create_method(name, (1, 28, 28), **options)


def pretrain(name: str, X: np.ndarray, minutes: float, batch_size: int, lr: float, seed: int):
    method = build(name, seed)
    wrapped = Budgeted(method, minutes * 60)
    start, cpu_start = time.perf_counter(), time.process_time()
    config = TrainConfig(epochs=1000, batch_size=batch_size, lr=lr, validation_split=0.0, early_stopping=None,
                         restore_best=False, progress=False, seed=seed, device="cpu")
    try:
        fit(wrapped, X, config)
    except BudgetSpent:
        pass
    return method.eval(), wrapped.steps, time.process_time() - cpu_start, time.perf_counter() - start


def probes(features_train, y_train, features_test, y_test) -> dict[str, float]:
    knn = knn_probe(features_train, y_train, features_test, y_test, ks=(20, 200))
    lin = linear_probe(features_train, y_train, features_test, y_test, max_iter=300)
    return {"linear": lin, "knn20": knn[20], "knn200": knn[200]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--methods", default="rotation,jigsaw,inpainting,augmentation_id,simclr,byol,simsiam,dino,mae,jepa")
    p.add_argument("--minutes", type=float, default=1.5, help="training budget per method, CPU minutes of this process")
    p.add_argument("--long-method", default=None, help="a method trained for --long-minutes instead")
    p.add_argument("--long-minutes", type=float, default=15.0)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--baselines", choices=["none", "raw", "all"], default="none",
                   help="also probe raw pixels (raw), and the random-init backbones (all)")
    p.add_argument("--finetune", action="store_true", help="1%% labels: long method's backbone vs scratch")
    p.add_argument("--probe-train", type=int, default=60000,
                   help="labelled training images the probes fit on (a fixed random subset; all 10k test images)")
    p.add_argument("--finetune-seeds", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    train, test = load_fashion_mnist("train"), load_fashion_mnist("test")
    Xtr, ytr, Xte, yte = train.X, train.y, test.X, test.y
    probe_idx = np.sort(np.random.default_rng(0).permutation(len(Xtr))[: args.probe_train])
    Xp, yp = Xtr[probe_idx], ytr[probe_idx]
    print(f"machine: {platform.processor() or platform.machine()}, torch threads {torch.get_num_threads()}, "
          f"torch {torch.__version__}; pretrain on {Xtr.shape}, probes fit on {len(Xp)} labelled train images, "
          f"tested on {Xte.shape}\n")
    rows = []
    if args.baselines != "none":
        t = time.perf_counter()
        rows.append(("raw pixels (784-d)", "-", "-", probes(Xp.reshape(len(Xp), -1), yp, Xte.reshape(len(Xte), -1), yte), time.perf_counter() - t))
        print(rows[-1], flush=True)
    if args.baselines == "all":
        for label, name in (("random-init conv backbone", "simclr"), ("random-init ViT backbone", "mae")):
            b = build(name, args.seed).backbone.eval()
            t = time.perf_counter()
            rows.append((label, "0", "0", probes(extract_features(b, Xp), yp, extract_features(b, Xte), yte), time.perf_counter() - t))
            print(rows[-1], flush=True)

    long_backbone = None
    names = [m for m in args.methods.split(",") if m]
    if args.long_method and args.long_method not in names:
        names.append(args.long_method)
    for name in names:
        minutes = args.long_minutes if name == args.long_method else args.minutes
        method, steps, cpu, wall = pretrain(name, Xtr, minutes, args.batch_size, args.lr, args.seed)
        t = time.perf_counter()
        res = probes(extract_features(method.backbone, Xp), yp, extract_features(method.backbone, Xte), yte)
        rows.append((name, f"{cpu / 60:.1f} ({wall / 60:.1f})", str(steps), res, time.perf_counter() - t))
        print(rows[-1], flush=True)
        if name == args.long_method:
            long_backbone = method.backbone

    print("\n| representation | train CPU min (wall) | steps (batch %d) | linear probe | kNN k=20 | kNN k=200 |" % args.batch_size)
    print("|---|---|---|---|---|---|")
    for label, minutes, steps, res, _ in rows:
        print(f"| {label} | {minutes} | {steps} | {res['linear']:.4f} | {res['knn20']:.4f} | {res['knn200']:.4f} |")
    print("| raw pixels, published (logistic / kNN k=5 / RBF SVC) | - | - | 0.842 / - / 0.897 | 0.854 (k=5) | - |")

    if args.finetune and long_backbone is not None:
        print("\n| fine-tuning, 1% labels (600 images), 30 epochs | test accuracy |")
        print("|---|---|")
        scratch = build(args.long_method, args.seed).backbone
        for label, b in ((f"pretrained ({args.long_method})", long_backbone), ("scratch (random init)", scratch)):
            accs = [fine_tune(b.train(), Xtr, ytr, Xte, yte, fraction=0.01, epochs=30, seed=s) for s in range(args.finetune_seeds)]
            print(f"| {label} | {np.mean(accs):.4f} (seeds 0-{args.finetune_seeds - 1}: {', '.join(f'{a:.4f}' for a in accs)}) |", flush=True)


if __name__ == "__main__":
    main()
