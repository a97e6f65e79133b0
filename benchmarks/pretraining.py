"""Greedy layer-wise pretraining + fine-tuning vs training from scratch, with few Fashion-MNIST labels.

The same MLP encoder (784-512-256-128 by default) with a linear head is trained on ``--n-labels``
labelled training images (a class-balanced draw) either from scratch, or after unsupervised
pretraining on ``--n-unlabeled`` other training images without their labels: greedy layer-wise
denoising autoencoders, then the whole autoencoder end to end (:func:`aekit.greedy_pretrain`).
The pretrained network is fine-tuned two ways (:class:`aekit.SupervisedModel`): everything, or the
head only. Accuracy is on the 10,000 test images. ``--full`` also trains on all 60,000 labels.
Prints a markdown table. (:class:`aekit.PretrainedClassifier` wraps the same steps; the script
uses the functions so that one pretraining serves every fine-tuning variant.)

    python benchmarks/pretraining.py --n-labels 600 --n-unlabeled 20000 --pretrain-epochs 10 --full
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

import copy

from aekit import SupervisedModel, TrainConfig, create_model, fit, greedy_pretrain
from aekit.data import load_fashion_mnist

# Published raw-pixel results on the full 60k/10k split (Xiao et al. 2017, via DESIGN.md); not rerun here.
PUBLISHED = {"logistic regression": 0.842, "kNN (k=5)": 0.854, "RBF SVC": 0.897, "MLP(100)": 0.871}


def balanced_subset(y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    classes = np.unique(y)
    per = n // len(classes)
    return np.concatenate([rng.choice(np.flatnonzero(y == c), per, replace=False) for c in classes])


def _cfg(epochs: int, lr: float, patience: int, validation_split: float, seed: int) -> TrainConfig:
    return TrainConfig(epochs=epochs, batch_size=128, lr=lr, early_stopping=patience,
                       validation_split=validation_split, seed=seed, device="cpu", progress=False)


def _accuracy(model: SupervisedModel, X: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float((model.eval()(X).argmax(1) == y).float().mean())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n-labels", type=int, default=600)
    p.add_argument("--n-unlabeled", type=int, default=20000, help="pretraining images (labels unused)")
    p.add_argument("--pretrain-epochs", type=int, default=10)
    p.add_argument("--finetune-epochs", type=int, default=300)
    p.add_argument("--lr", type=float, default=1e-3, help="pretraining and whole-network fine-tuning")
    p.add_argument("--head-lr", type=float, default=1e-2, help="head-only fine-tuning")
    p.add_argument("--full-epochs", type=int, default=15, help="epochs with all 60k labels")
    p.add_argument("--hidden", default="512,256")
    p.add_argument("--latent-dim", type=int, default=128)
    p.add_argument("--masking", type=float, default=0.25, help="masking noise of each greedy layer (0: none)")
    p.add_argument("--full", action="store_true", help="also train on all 60k labels")
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    train, test = load_fashion_mnist("train"), load_fashion_mnist("test")
    Xtr, ytr = train.flat(), train.y
    Xte, yte = torch.from_numpy(test.flat()), torch.from_numpy(test.y)
    hidden = [int(v) for v in args.hidden.split(",")]
    layer_options = {"corruption": {"name": "masking", "p": args.masking}} if args.masking > 0 else None
    rows: list[tuple[int, str, str, float, float]] = []

    def run(seed, name, n, base, trainable, X, y, cfg):
        start = time.perf_counter()
        model = SupervisedModel(copy.deepcopy(base), 10, trainable=trainable)
        fit(model, (X, y), cfg)
        rows.append((seed, name, n, _accuracy(model, Xte, yte), time.perf_counter() - start))
        print(rows[-1], flush=True)

    for seed in range(args.first_seed, args.first_seed + args.seeds):
        rng = np.random.default_rng(seed)
        lab = balanced_subset(ytr, args.n_labels, rng)
        unl = rng.choice(np.setdiff1d(np.arange(len(Xtr)), lab), args.n_unlabeled, replace=False)
        X, y = torch.from_numpy(Xtr[lab]), torch.from_numpy(ytr[lab])
        n = str(args.n_labels)
        start = time.perf_counter()
        logreg = LogisticRegression(max_iter=2000).fit(Xtr[lab], ytr[lab])
        rows.append((seed, "raw pixels, logistic regression (measured)", n, logreg.score(Xte.numpy(), yte.numpy()),
                     time.perf_counter() - start))
        torch.manual_seed(seed)
        scratch = create_model("deep", (784,), latent_dim=args.latent_dim, hidden_dims=hidden)
        pretrained = copy.deepcopy(scratch)  # same initial weights
        start = time.perf_counter()
        pool = torch.from_numpy(np.concatenate([Xtr[lab], Xtr[unl]]))
        pre_cfg = _cfg(args.pretrain_epochs, args.lr, 10, 0.1, seed)
        greedy_pretrain(pretrained, pool, pre_cfg, layer_options=layer_options, finetune=pre_cfg)
        rows.append((seed, "(unsupervised pretraining itself)", "0", float("nan"), time.perf_counter() - start))
        small = _cfg(args.finetune_epochs, args.lr, 20, 0.1, seed)
        run(seed, "MLP from scratch", n, scratch, "all", X, y, small)
        run(seed, "pretrained, fine-tune all layers", n, pretrained, "all", X, y, small)
        run(seed, "pretrained, fine-tune head only", n, pretrained, "head", X, y,
            _cfg(args.finetune_epochs, args.head_lr, 20, 0.1, seed))
        if args.full:
            Xall, yall = torch.from_numpy(Xtr), torch.from_numpy(ytr)
            full = _cfg(args.full_epochs, args.lr, 5, 0.05, seed)
            run(seed, "MLP from scratch", "60000", scratch, "all", Xall, yall, full)
            run(seed, "pretrained, fine-tune all layers", "60000", pretrained, "all", Xall, yall, full)

    print(f"\nFashion-MNIST test accuracy (10,000 images); encoder 784-{'-'.join(map(str, hidden))}-{args.latent_dim}"
          f" + linear head; pretraining: greedy masking-noise ({args.masking}) layers + end to end, "
          f"{args.pretrain_epochs} epochs each, on {args.n_unlabeled} unlabeled + the labelled images; "
          f"{platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} threads\n")
    print("| seed | method | labels | test accuracy | seconds |")
    print("|---:|---|---:|---:|---:|")
    for seed, name, n, acc, sec in rows:
        print(f"| {seed} | {name} | {n} | {'' if acc != acc else f'{acc:.4f}'} | {sec:.0f} |")
    for name, acc in PUBLISHED.items():
        print(f"| | raw pixels, {name} (published, DESIGN.md; not rerun) | 60000 | {acc:.3f} | |")


if __name__ == "__main__":
    main()
