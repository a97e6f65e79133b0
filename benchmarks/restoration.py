"""Restoration on Fashion-MNIST test images: PSNR/SSIM of the corrupted input vs the restored output.

One recipe per task (``denoise``, ``inpaint``, ``colorize``, ``superres``, ``dewatermark``), each a
conv autoencoder trained on ``--n-train`` training images for ``--epochs`` epochs, evaluated on
``--n-test`` test images corrupted with the task's own corruption (fixed seed). Fashion-MNIST is
grey, so colorization uses images tinted with a colour per class (the colour is predictable from
the garment's shape, not from its luminance alone). Prints a markdown table; writes one figure per
task (input / output / target) to ``--figures``.

    python benchmarks/restoration.py --n-train 10000 --n-test 2000 --epochs 5 --figures docs/images

Classical baselines (``aekit.applications.classical``; scikit-image and OpenCV from the ``bench``
extra) run on exactly the same corrupted test images: median and non-local-means filtering for
denoising, bicubic upsampling for super-resolution, biharmonic and fast-marching inpainting. Their
settings are chosen by PSNR on ``--n-val`` validation images carved from the *training* set (the
last 10,000 training images, which the autoencoders never see; corrupted with seed 0), never on
the test images, which are read once for the table (corrupted with seed 1). ``--no-classical``
skips them.

``--adversarial W`` adds a row: inpainting with the context encoder's adversarial term of weight W
(Pathak et al. 2016 used 0.001). The "sharpness" column is the mean absolute difference between
neighbouring pixels of the output over that of the clean targets (1 = as sharp as the real images;
squared error alone gives blurry fillings, below 1).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from aekit import TrainConfig, create_model, fit
from aekit.applications.classical import (
    classical_methods,
    evaluate_classical,
    select_classical,
)
from aekit.applications.restoration import evaluate_restoration, save_restoration_figure
from aekit.data import load_fashion_mnist

TASKS = ("denoise", "inpaint", "colorize", "superres", "dewatermark")
VALIDATION_START = 50000  # the protocol's validation images: the last 10,000 Fashion-MNIST training images
# One RGB tint per class for the colorization task (tab10-like colours).
PALETTE = np.array([
    [0.12, 0.47, 0.71], [1.00, 0.50, 0.05], [0.17, 0.63, 0.17], [0.84, 0.15, 0.16], [0.58, 0.40, 0.74],
    [0.55, 0.34, 0.29], [0.89, 0.47, 0.76], [0.20, 0.20, 0.60], [0.74, 0.74, 0.13], [0.09, 0.75, 0.81],
], dtype=np.float32)


def tint(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(n, 1, H, W) grey -> (n, 3, H, W) coloured by class."""
    return X * PALETTE[y][:, :, None, None]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n-train", type=int, default=10000)
    p.add_argument("--n-test", type=int, default=2000)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--latent-dim", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--tasks", default=",".join(TASKS))
    p.add_argument("--figures", default=None, help="folder for restoration_<task>.png")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--adversarial", type=float, default=0.0, help="also train inpainting with this adversarial weight")
    p.add_argument("--n-val", type=int, default=500, help="validation images (from the last 10,000 training images) "
                   "that choose the classical baselines' settings")
    p.add_argument("--no-classical", action="store_true", help="skip the classical baselines")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    os.environ.setdefault("AEKIT_FASHION_MNIST_DIR", "/work/shared/datasets/fashion-mnist")
    train, test = load_fashion_mnist("train", download=False), load_fashion_mnist("test", download=False)
    Xtr, ytr = train.X[: args.n_train].astype(np.float32), train.y[: args.n_train]
    Xte, yte = test.X[: args.n_test].astype(np.float32), test.y[: args.n_test]
    if args.n_train > VALIDATION_START:
        p.error(f"--n-train must be at most {VALIDATION_START}: the last 10,000 training images are the validation set")
    Xval = train.X[VALIDATION_START : VALIDATION_START + args.n_val].astype(np.float32)
    print(f"Fashion-MNIST: {len(Xtr)} train / {len(Xte)} test images, {args.epochs} epochs, "
          f"latent_dim {args.latent_dim}, {torch.get_num_threads()} thread(s)\n")
    rows, classical_rows = [], []
    runs = [(task, task, {}) for task in args.tasks.split(",")]
    if args.adversarial > 0:
        runs.append(("inpaint", f"inpaint + adversarial {args.adversarial:g}", {"adversarial": args.adversarial}))
    for task, label, options in runs:
        xtr, xte = (tint(Xtr, ytr), tint(Xte, yte)) if task == "colorize" else (Xtr, Xte)
        torch.manual_seed(0)
        model = create_model(task, xtr.shape[1:], latent_dim=args.latent_dim, **options)
        config = TrainConfig(epochs=args.epochs, batch_size=128, lr=args.lr, progress=False, early_stopping=None,
                             validation_split=0, device="cpu", seed=0)
        start = time.perf_counter()
        fit(model, torch.from_numpy(xtr), config)
        seconds = time.perf_counter() - start
        m, corrupted, restored = evaluate_restoration(model, xte, seed=1, return_images=True)
        m["sharpness"] = sharpness(np.clip(restored, 0, 1)) / sharpness(xte)
        rows.append((label, model.corruption.config(), m, seconds))
        if args.figures:
            os.makedirs(args.figures, exist_ok=True)
            mask_kept = np.clip(restored, 0, 1)
            name = task if not options else f"{task}_adversarial"
            save_restoration_figure(corrupted, mask_kept, xte, os.path.join(args.figures, f"restoration_{name}.png"),
                                    title=f"{label}: PSNR {m['psnr_corrupted']:.1f} -> {m['psnr_restored']:.1f} dB")
        print(f"  {label}: {seconds:.0f} s", flush=True)
        if not args.no_classical and not options:
            classical_rows += classical_baselines(task, model.corruption, Xval, xte, m, seconds)
    print("\n| task | corruption | PSNR input (dB) | PSNR restored (dB) | SSIM input | SSIM restored | sharpness | train s |")
    print("|---|---|---|---|---|---|---|---|")
    for label, spec, m, seconds in rows:
        opts = ", ".join(f"{k}={v}" for k, v in spec.items() if k != "name")
        print(f"| {label} | {spec['name']}({opts}) | {m['psnr_corrupted']:.2f} | {m['psnr_restored']:.2f} | "
              f"{m['ssim_corrupted']:.3f} | {m['ssim_restored']:.3f} | {m['sharpness']:.2f} | {seconds:.0f} |")
    if classical_rows:
        print(f"\nClassical baselines on the same corrupted test images; settings chosen by PSNR on {len(Xval)} "
              "validation images (training images 50,000+, corrupted with seed 0):\n")
        print("| task | method | settings (chosen on validation) | PSNR (dB) | SSIM | seconds |")
        print("|---|---|---|---:|---:|---:|")
        for task, method, settings, m, seconds in classical_rows:
            print(f"| {task} | {method} | {settings} | {m['psnr']:.2f} | {m['ssim']:.3f} | {seconds:.0f} |")


def classical_baselines(task, corruption, Xval, Xte, ae_metrics, ae_seconds) -> list[tuple]:
    """Rows (task, method, settings, metrics, seconds): the corrupted input, the autoencoder, each classical method.

    Settings are chosen on the validation images (seed 0); the test images get the seed (1) that
    evaluate_restoration used for the autoencoder, hence the same corrupted images.
    """
    methods = classical_methods(task)
    if not methods:
        return []
    rows = [(task, "corrupted input", "", {"psnr": ae_metrics["psnr_corrupted"], "ssim": ae_metrics["ssim_corrupted"]}, 0),
            (task, "autoencoder", "", {"psnr": ae_metrics["psnr_restored"], "ssim": ae_metrics["ssim_restored"]}, ae_seconds)]
    for method in methods:
        start = time.perf_counter()
        best, _ = select_classical(method, Xval, corruption, seed=0)
        m = evaluate_classical(method, Xte, corruption, params=best, seed=1)
        assert abs(m["psnr_corrupted"] - ae_metrics["psnr_corrupted"]) < 1e-9, "not the same corrupted test images"
        settings = ", ".join(f"{k}={v}" for k, v in best.items()) or "(none)"
        rows.append((task, method, settings, {"psnr": m["psnr_restored"], "ssim": m["ssim_restored"]},
                     time.perf_counter() - start))
        print(f"  {task} / {method}: {settings}, {rows[-1][-1]:.0f} s", flush=True)
    return rows


def sharpness(images: np.ndarray) -> float:
    """Mean absolute difference between horizontally and vertically neighbouring pixels."""
    return float(np.mean(np.abs(np.diff(images, axis=-1))) + np.mean(np.abs(np.diff(images, axis=-2))))


if __name__ == "__main__":
    main()
