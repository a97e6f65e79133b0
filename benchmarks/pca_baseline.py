"""The foundation's two classic checks on scikit-learn's digits, as a table.

1. A linear autoencoder trained with squared error spans PCA's principal subspace
   (Bourlard & Kamp 1988): the largest principal angle between its decoder's columns and PCA's
   components, untied and tied.
2. The deep (MLP) recipe beats PCA with the same code size on held-out reconstruction MSE.

    python benchmarks/pca_baseline.py [--codes 2 4 8 16] [--seed 0]

The same checks (k = 8) run in ``tests/estimators/test_autoencoder_estimator.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.linalg import subspace_angles
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import aekit


def linear_angle(X: np.ndarray, k: int, tied: bool, seed: int) -> float:
    ae = aekit.Autoencoder(
        "linear", latent_dim=k, epochs=1000, lr=1e-2, batch_size=len(X), scheduler="cosine",
        validation_split=0, early_stopping=None, preprocessing="none", recipe_options={"tied": tied},
        device="cpu", random_state=seed,
    ).fit(X)
    columns = ae.model_.encoder[1].weight.T if tied else ae.model_.decoder[0].weight
    components = PCA(k).fit(X).components_.T
    return float(np.degrees(subspace_angles(columns.detach().numpy(), components)).max())


def held_out_mse(X: np.ndarray, k: int, seed: int) -> tuple[float, float]:
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    A, B = scaler.transform(X_train), scaler.transform(X_test)
    pca = PCA(k).fit(A)
    mse_pca = float(np.mean((pca.inverse_transform(pca.transform(B)) - B) ** 2))
    ae = aekit.Autoencoder("deep", latent_dim=k, epochs=60, preprocessing="none", device="cpu", random_state=seed).fit(A)
    return float(np.mean((ae.reconstruct(B) - B) ** 2)), mse_pca


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codes", type=int, nargs="+", default=[2, 4, 8, 16])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    X = load_digits().data.astype(np.float64)
    standardized = StandardScaler().fit_transform(X)
    print("| code size k | linear AE vs PCA: largest angle, untied (deg) | tied (deg) "
          "| held-out MSE, deep AE | held-out MSE, PCA | AE / PCA | seconds |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for k in args.codes:
        start = time.perf_counter()
        untied, tied = (linear_angle(standardized, k, t, args.seed) for t in (False, True))
        mse_ae, mse_pca = held_out_mse(X, k, args.seed)
        print(f"| {k} | {untied:.3f} | {tied:.3f} | {mse_ae:.3f} | {mse_pca:.3f} | {mse_ae / mse_pca:.2f} "
              f"| {time.perf_counter() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
