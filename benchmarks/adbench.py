"""Anomaly detection on five ADBench sets: aekit vs PyOD's AutoEncoder, PCA and IsolationForest.

ADBench protocol: stratified 70/30 split, MinMax scaling fit on the training split, unsupervised
training on the (contaminated) training split, AUROC on the test split, seeds 1-3. Every
detector runs with its default settings; none is tuned per data set.

    python benchmarks/adbench.py [--data-dir ../shared/datasets/adbench] [--seeds 1 2 3] [--no-pyod] [--threads 1]

PyOD is optional (install it in a separate environment); without it its column is skipped.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

import aekit

DATASETS = ["6_cardio", "38_thyroid", "30_satellite", "28_pendigits", "26_optdigits"]
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "adbench"


def pca_scores(train, test):
    # PyOD's PCA detector: weighted distance to the principal axes (all components), which is
    # what the ADBench numbers report; here the same idea with sklearn's PCA.
    pca = PCA(random_state=0).fit(train)
    z = pca.transform(test)
    return (z**2 / np.maximum(pca.explained_variance_, 1e-12)).sum(axis=1)


def detectors(seed: int, with_pyod: bool):
    out = {
        "aekit AE": lambda tr, te: aekit.AnomalyDetector(random_state=seed, device="cpu").fit(tr).decision_function(te),
        "PCA": pca_scores,
        "IForest": lambda tr, te: -IsolationForest(random_state=seed).fit(tr).score_samples(te),
    }
    if with_pyod:
        from pyod.models.auto_encoder import AutoEncoder

        out["PyOD AE"] = lambda tr, te: AutoEncoder(random_state=seed, verbose=0).fit(tr).decision_function(te)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("AEKIT_ADBENCH_DIR", DEFAULT_DIR))
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--datasets", nargs="+", default=DATASETS)
    parser.add_argument("--no-pyod", action="store_true")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads for every detector (1: small networks gain nothing from more, "
                             "and extra threads stall on a shared machine)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    try:
        import pyod  # noqa: F401

        with_pyod = not args.no_pyod
    except ImportError:
        with_pyod = False

    table: dict[str, dict[str, list[float]]] = {}
    seconds: dict[str, float] = {}
    for name in args.datasets:
        data = np.load(Path(args.data_dir) / f"{name}.npz", allow_pickle=False)
        X, y = data["X"].astype(np.float64), data["y"].astype(int)
        for seed in args.seeds:
            X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
            scaler = MinMaxScaler().fit(X_tr)
            X_tr, X_te = scaler.transform(X_tr), np.clip(scaler.transform(X_te), -1, 2)
            for det, fn in detectors(seed, with_pyod).items():
                start = time.perf_counter()
                scores = fn(X_tr, X_te)
                seconds[det] = seconds.get(det, 0.0) + time.perf_counter() - start
                table.setdefault(det, {}).setdefault(name, []).append(100 * roc_auc_score(y_te, scores))
        print(f"done {name}", flush=True)

    names = [n.split("_", 1)[1] for n in args.datasets]
    print(f"\nAUROC x100, mean over seeds {args.seeds} (ADBench protocol)\n")
    print("| detector | " + " | ".join(names) + " | mean | total seconds |")
    print("|---" * (len(names) + 3) + "|")
    for det, per in table.items():
        means = [np.mean(per[n]) for n in args.datasets]
        cells = " | ".join(f"{m:.2f}" for m in means)
        print(f"| {det} | {cells} | **{np.mean(means):.2f}** | {seconds[det]:.0f} |")


if __name__ == "__main__":
    main()
