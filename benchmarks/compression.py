"""Rate-distortion on Fashion-MNIST: a quantized autoencoder code vs PCA at the same bytes per image.

For each code size d, a ``deep`` autoencoder (MLP encoder and mirrored decoder) is trained on
``--n-train`` training images; its code is quantized to ``--bits`` bits per dimension (ranges fit
on the training codes) and bit-packed, giving ``ceil(d * bits / 8)`` bytes per test image. PCA
(fit on the same training images) gets exactly the same bytes: its coefficients quantized the same
way at 4, 6 and 8 bits, with as many components as fit. Distortion is measured on ``--n-test``
test images; raw images count one byte per pixel (784 bytes).

    python benchmarks/compression.py --codes 4,8,16,32 --n-train 10000 --n-test 2000 --epochs 15
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from aekit import TrainConfig, create_model, fit
from aekit.applications.compression import autoencoder_codec, rate_distortion
from aekit.data import load_fashion_mnist


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--codes", default="4,8,16,32", help="autoencoder code sizes")
    p.add_argument("--bits", type=int, default=8)
    p.add_argument("--n-train", type=int, default=10000)
    p.add_argument("--n-test", type=int, default=2000)
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--hidden-dims", default="512,256")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--likelihood", default="gaussian", help="gaussian (squared error) or bernoulli (cross-entropy)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    os.environ.setdefault("AEKIT_FASHION_MNIST_DIR", "/work/shared/datasets/fashion-mnist")
    Xtr = load_fashion_mnist("train", download=False).flat()[: args.n_train].astype(np.float32)
    Xte = load_fashion_mnist("test", download=False).flat()[: args.n_test].astype(np.float32)
    hidden = tuple(int(h) for h in args.hidden_dims.split(","))
    print(f"Fashion-MNIST: {len(Xtr)} train / {len(Xte)} test images; deep AE {hidden} ({args.likelihood}), "
          f"{args.epochs} epochs of batch {args.batch_size}, lr {args.lr}, "
          f"code quantized to {args.bits} bits; {torch.get_num_threads()} thread(s)\n")
    table = []
    for d in (int(c) for c in args.codes.split(",")):
        torch.manual_seed(0)
        model = create_model("deep", (784,), latent_dim=d, hidden_dims=hidden, likelihood=args.likelihood)
        config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, progress=False, early_stopping=None,
                             validation_split=0, device="cpu", seed=0, scheduler="cosine")
        start = time.perf_counter()
        fit(model, torch.from_numpy(Xtr), config)
        seconds = time.perf_counter() - start
        rows = rate_distortion(autoencoder_codec(model), Xtr, Xte, bits=args.bits)
        table.append((d, rows, seconds))
        print(f"  d={d}: {seconds:.0f} s", flush=True)
    print("\n| bytes/image | ratio | AE (d x bits) PSNR | AE MSE | best PCA at same bytes | PCA PSNR | PCA MSE |"
          " PCA 8-bit PSNR | AE - best PCA (dB) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for d, rows, _ in table:
        ae, pcas = rows[0], rows[1:]
        best = max(pcas, key=lambda r: r["psnr"])
        pca8 = next((r for r in pcas if r["bits"] == 8), None)
        print(f"| {ae['bytes_per_image']} | {ae['compression_ratio']:.0f} | {d} x {ae['bits']}: {ae['psnr']:.2f} | "
              f"{ae['mse']:.4f} | {best['n_dims']} x {best['bits']} | {best['psnr']:.2f} | {best['mse']:.4f} | "
              f"{pca8['psnr'] if pca8 else float('nan'):.2f} | {ae['psnr'] - best['psnr']:+.2f} |")


if __name__ == "__main__":
    main()
