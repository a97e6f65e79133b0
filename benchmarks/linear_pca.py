"""The linear recipe reaches PCA's subspace with a user's settings (issue #19).

``Autoencoder("linear", k, epochs=300)``, every other option at its default (so the recipe's own
training defaults, ``aekit.models.recipes.LINEAR_TRAINING``), on standardised digits, for each k:
the largest principal angle between the decoder's columns (and the encoder's rows) and the top-k
principal subspace of the rows it trained on, beside the eigenvalue gap that makes that subspace
well defined (a slow direction when the gap is small).

    python benchmarks/linear_pca.py [--codes 2 3 ... 16] [--seed 0] [--params JSON]
    python benchmarks/linear_pca.py --select    # the candidates for the defaults, on validation data

``--select`` is how the defaults were chosen: each candidate setting on data other than digits
(two Gaussians with a known, digits-like spectrum and the breast-cancer set, standardised), the
largest angle over a few k per data set. Digits is read only by the table. ``--params`` gives
estimator parameters for the table instead of the defaults, e.g. the shared defaults for comparison.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from scipy.linalg import subspace_angles
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

import aekit

ADAM_SHORT_MEMORY = {"name": "adam", "betas": [0.9, 0.9]}
#: Candidate settings (estimator parameters) for the recipe's training defaults.
CANDIDATES = {
    "shared defaults (batch 128, lr 1e-3, val 0.1, patience 10)": {
        "batch_size": 128, "lr": 1e-3, "optimizer": "adam", "scheduler": None, "validation_split": 0.1,
        "early_stopping": 10},
    "batch 512, lr 0.1, cosine, no val": {
        "batch_size": 512, "lr": 0.1, "optimizer": "adam", "scheduler": "cosine", "validation_split": 0.0,
        "early_stopping": None},
    "full batch, lr 0.1, onecycle, no val": {
        "batch_size": 4096, "lr": 0.1, "optimizer": "adam", "scheduler": "onecycle", "validation_split": 0.0,
        "early_stopping": None},
    "full batch, lr 0.03, cosine, beta2 0.9, no val": {
        "batch_size": 4096, "lr": 0.03, "optimizer": ADAM_SHORT_MEMORY, "scheduler": "cosine",
        "validation_split": 0.0, "early_stopping": None},
    "full batch, lr 0.1, cosine, beta2 0.9, no val (chosen)": {
        "batch_size": 4096, "lr": 0.1, "optimizer": ADAM_SHORT_MEMORY, "scheduler": "cosine",
        "validation_split": 0.0, "early_stopping": None},
    "full batch, lr 0.2, cosine, beta2 0.9, no val": {
        "batch_size": 4096, "lr": 0.2, "optimizer": ADAM_SHORT_MEMORY, "scheduler": "cosine",
        "validation_split": 0.0, "early_stopping": None},
}


def gaussian(seed: int, n: int = 1800, d: int = 64) -> np.ndarray:
    """Rows with a power-law spectrum and random jitter (relative gaps of a few per cent, as
    digits has), in a random orthonormal basis; standardised."""
    rng = np.random.default_rng(seed)
    eigenvalues = np.sort(8.0 * np.arange(1, d + 1) ** -0.9 * np.exp(0.15 * rng.standard_normal(d)))[::-1]
    basis, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return StandardScaler().fit_transform(rng.standard_normal((n, d)) * np.sqrt(eigenvalues) @ basis.T)


VALIDATION = {  # name -> (data, the k to check)
    "gaussian seed 0": (lambda: gaussian(0), [2, 5, 9, 13, 16]),
    "gaussian seed 1": (lambda: gaussian(1), [2, 5, 9, 13, 15]),
    "breast cancer": (lambda: StandardScaler().fit_transform(load_breast_cancer().data), [2, 4, 6, 8, 10, 12]),
}


def angles(X: np.ndarray, k: int, seed: int, **params) -> tuple[float, float, float]:
    """(decoder angle, encoder angle, seconds) of one fit, in degrees, against PCA of the rows in
    the model's own (preprocessed) space; with a validation split the AE saw a subset of them.

    The encoder's rows are compared within the span of the data: a constant feature (digits has
    three) is 0 in every row, so its weights get no gradient and keep their random start, which
    changes no code."""
    start = time.perf_counter()
    ae = aekit.Autoencoder("linear", k, epochs=300, device="cpu", random_state=seed, **params).fit(X)
    seconds = time.perf_counter() - start
    rows = (X - ae.offset_) / ae.scale_
    components = PCA(k, svd_solver="full").fit(rows).components_.T
    _, singular, directions = np.linalg.svd(rows - rows.mean(0), full_matrices=False)
    span = directions[singular > 1e-8 * singular[0]]  # (rank, n_features), orthonormal rows
    decoder = ae.model_.decoder[0].weight.detach().double().numpy()
    encoder = span.T @ (span @ ae.model_.encoder[1].weight.detach().double().numpy().T)
    return (float(np.degrees(subspace_angles(decoder, components)).max()),
            float(np.degrees(subspace_angles(encoder, components)).max()), seconds)


def select(seed: int) -> None:
    print("| candidate | " + " | ".join(f"{name}: max angle (deg), k = {ks}" for name, (_, ks) in VALIDATION.items())
          + " |")
    print("|---|" + "---:|" * len(VALIDATION))
    data = {name: make() for name, (make, _) in VALIDATION.items()}
    for label, params in CANDIDATES.items():
        worst = [max(angles(data[name], k, seed, **params)[0] for k in ks) for name, (_, ks) in VALIDATION.items()]
        print(f"| {label} | " + " | ".join(f"{w:.2f}" for w in worst) + " |", flush=True)


def table(codes: list[int], seed: int, params: dict) -> None:
    X = StandardScaler().fit_transform(load_digits().data.astype(np.float64))
    eigenvalues = np.linalg.eigvalsh(np.cov(X.T, bias=True))[::-1]
    print("| k | eigenvalue gap λk - λk+1 (relative) | angle, decoder columns (deg) | angle, encoder rows in the data's span (deg) "
          "| seconds per fit |")
    print("|---:|---:|---:|---:|---:|")
    worst = 0.0
    for k in codes:
        decoder, encoder, seconds = angles(X, k, seed, **params)
        gap = eigenvalues[k - 1] - eigenvalues[k]
        worst = max(worst, decoder, encoder)
        print(f"| {k} | {gap:.3f} ({gap / eigenvalues[k - 1]:.3f}) | {decoder:.3f} | {encoder:.3f} | {seconds:.1f} |",
              flush=True)
    print(f"\nlargest angle over k = {codes[0]}..{codes[-1]}: {worst:.3f} degrees")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codes", type=int, nargs="+", default=list(range(2, 17)))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--select", action="store_true", help="compare the candidate defaults on validation data")
    parser.add_argument("--params", type=json.loads, default={}, help="estimator parameters as JSON (table only)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    select(args.seed) if args.select else table(args.codes, args.seed, args.params)


if __name__ == "__main__":
    main()
