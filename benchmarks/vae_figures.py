"""Figures for docs/variational.md: prior samples, the 2-D manifold grid, a latent scatter.

    python benchmarks/vae_figures.py --epochs 8 --n-train 20000 --out docs/images

Trains an MLP VAE with a 2-D latent on Fashion-MNIST (Bernoulli likelihood on grey levels) and
writes vae_samples.png, vae_manifold.png, vae_latent.png; prints the test ELBO and IWAE bound.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from aekit import TrainConfig, create_model, fit
from aekit.data import load_fashion_mnist
from aekit.evaluation import elbo, iwae_bound, latent_scatter
from aekit.models.generation import manifold_grid, sample_prior, save_image_grid


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--n-train", type=int, default=20000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="docs/images")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train, test = load_fashion_mnist("train"), load_fashion_mnist("test")
    scale = 255.0 if train.X.max() > 1 else 1.0
    x = torch.from_numpy(train.X[: args.n_train].astype(np.float32) / scale).reshape(-1, 1, 28, 28)
    xt = torch.from_numpy(test.X[:2000].astype(np.float32) / scale).reshape(-1, 1, 28, 28)
    torch.manual_seed(0)
    model = create_model("vae", (1, 28, 28), latent_dim=2, architecture="mlp", hidden_dims=[512, 256],
                         likelihood="bernoulli")
    start = time.perf_counter()
    fit(model, x, TrainConfig(epochs=args.epochs, batch_size=100, lr=1e-3, progress=False, early_stopping=None))
    seconds = time.perf_counter() - start
    model.eval()
    out = Path(args.out)
    save_image_grid(sample_prior(model, 64, seed=0), out / "vae_samples.png", ncol=8, scale=2)
    save_image_grid(manifold_grid(model, n=15), out / "vae_manifold.png", ncol=15, scale=1)
    latent_scatter(model, xt, out / "vae_latent.png", labels=np.asarray(test.y[:2000]), title="VAE posterior means")
    e = elbo(model, xt[:200]).mean().item()
    b = iwae_bound(model, xt[:200], k=1000).mean().item()
    print(f"2-D MLP VAE, {args.n_train} train images, {args.epochs} epochs, {seconds:.0f}s; test (200 images, grey "
          f"levels): ELBO {e:.1f} nats, IWAE k=1000 {b:.1f} nats; wrote {out}/vae_samples.png, vae_manifold.png, "
          "vae_latent.png")


if __name__ == "__main__":
    main()
