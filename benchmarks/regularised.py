"""Regularised autoencoders on held-out data: the issue-#3 checks at a larger budget than the tests.

Trains on ``--n-train`` images (digits by default, or Fashion-MNIST) and measures on held-out ones:
KL-sparse mean activation vs rho, encoder Jacobian norm of a CAE vs a plain AE of the same shape,
denoising error of a DAE vs a plain AE on noisy held-out images. Also draws the score field of a
DAE on points on a circle and the manifold tangents of the CAE. Prints a markdown table.

    python benchmarks/regularised.py --data digits --epochs 60 --figures docs/results/figures
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from aekit import TrainConfig, create_model, fit
from aekit.data import load_digits, load_fashion_mnist
from aekit.models.geometry import encoder_jacobian, manifold_tangents


def _cfg(epochs: int, lr: float, batch_size: int = 100) -> TrainConfig:
    return TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, progress=False, early_stopping=None,
                       validation_split=0, device="cpu")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", choices=["digits", "fashion-mnist"], default="digits")
    p.add_argument("--n-train", type=int, default=1400)
    p.add_argument("--n-test", type=int, default=397)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--noise", type=float, default=0.3, help="std of the Gaussian test noise (and DAE training noise)")
    p.add_argument("--figures", default=None, help="folder for score_field.png and tangents.png")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.data == "digits":
        bundle = load_digits()
        X = torch.from_numpy(bundle.flat() / max(1.0, float(bundle.flat().max())))
        train, test = X[: args.n_train], X[args.n_train : args.n_train + args.n_test]
    else:
        train = torch.from_numpy(load_fashion_mnist("train").flat()[: args.n_train])
        test = torch.from_numpy(load_fashion_mnist("test").flat()[: args.n_test])
    d = train.shape[1]
    rows = []

    start = time.perf_counter()
    kl = create_model("sparse-kl", (d,), latent_dim=64, rho=0.05)
    fit(kl, train, _cfg(args.epochs, 1e-2))
    act = kl.eval().encode(train)
    rows.append(("sparse-kl (rho=0.05): mean activation, train", f"{act.mean():.4f}", f"{time.perf_counter() - start:.0f}"))
    rows.append(("sparse-kl: mean activation, held-out", f"{kl.encode(test).mean():.4f}", ""))
    rows.append(("sparse-kl: largest per-unit abs(rho_hat - rho), train", f"{(act.mean(0) - 0.05).abs().max():.4f}", ""))

    norms = {}
    for weight in (0.5, 0.0):
        start = time.perf_counter()
        torch.manual_seed(0)
        model = create_model("contractive", (d,), latent_dim=64, weight=weight)
        fit(model, train, _cfg(args.epochs, 1e-2))
        norms[weight] = model.eval()
        jn = encoder_jacobian(model, test).pow(2).sum(dim=(1, 2)).mean().item()
        mse = (model.reconstruct(test) - test).pow(2).mean().item()
        label = "contractive (weight 0.5)" if weight else "same network, no penalty"
        rows.append((f"{label}: held-out squared Frobenius norm of J / MSE", f"{jn:.3f} / {mse:.4f}", f"{time.perf_counter() - start:.0f}"))

    noisy = test + args.noise * torch.randn(test.shape, generator=torch.Generator().manual_seed(1))
    rows.append((f"noisy held-out input itself (std {args.noise}): MSE to clean", f"{(noisy - test).pow(2).mean():.4f}", ""))
    for name in ("denoising", "deep"):
        start = time.perf_counter()
        torch.manual_seed(0)
        options = {"corruption": {"name": "gaussian", "std": args.noise}} if name == "denoising" else {}
        model = create_model(name, (d,), latent_dim=64, hidden_dims=[256], **options)
        fit(model, train, _cfg(args.epochs, 3e-3))
        err = (model.eval().reconstruct(noisy) - test).pow(2).mean().item()
        label = "denoising AE" if name == "denoising" else "plain AE, same shape, clean training"
        rows.append((f"{label}: MSE(reconstruct(noisy), clean)", f"{err:.4f}", f"{time.perf_counter() - start:.0f}"))

    if args.figures:
        from aekit.viz import plot_score_field, plot_tangents

        rng = np.random.default_rng(0)
        t = rng.uniform(0, 2 * np.pi, 2000)
        circle = (np.stack([np.cos(t), np.sin(t)], 1) + 0.05 * rng.normal(size=(2000, 2))).astype(np.float32)
        dae = create_model("denoising", (2,), latent_dim=16, hidden_dims=[64, 64], corruption={"name": "gaussian", "std": 0.2})
        fit(dae, circle, _cfg(60, 3e-3, 50))
        plot_score_field(dae, circle, f"{args.figures}/score_field.png", grid=21, title="DAE: r(x) - x on a circle")
        side = int(round(d**0.5))
        tangents, s = manifold_tangents(norms[0.5], test[:4], n_tangents=5)
        plot_tangents(test[:4].numpy(), tangents.numpy(), (side, side), f"{args.figures}/tangents.png", s.numpy())

    print(f"\n{args.data}: {len(train)} training / {len(test)} held-out images, {args.epochs} epochs, Adam\n")
    print("| measurement | value | seconds |")
    print("|---|---:|---:|")
    for name, value, sec in rows:
        print(f"| {name} | {value} | {sec} |")


if __name__ == "__main__":
    main()
