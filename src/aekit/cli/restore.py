"""``aekit restore``: train a restoration model (denoise, inpaint, colorize, superres, dewatermark)
and write the model, PSNR/SSIM metrics and a report with a corrupted/restored/clean figure."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from .app import common_options, load_data_arg, main, parse_options, verbosity, write_array

TASKS = ("denoise", "inpaint", "colorize", "superres", "dewatermark")
RESTORE_FORMAT = "aekit-restore"


@main.command()
@click.argument("data")
@click.option("--task", type=click.Choice(TASKS), required=True, help="The corruption to undo (a recipe of that name).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Run folder to create.")
@click.option("--split", type=click.Choice(["train", "test"]), default="train", show_default=True,
              help="Split of a built-in data set.")
@click.option("--test-fraction", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.1,
              show_default=True, help="Held-out images the metrics are measured on.")
@click.option("--limit", "--max-samples", "limit", type=click.IntRange(min=2), default=None, metavar="N",
              help="Use only the first N rows of DATA (--max-samples is the older name).")
@click.option("--latent-dim", type=click.IntRange(min=1), default=128, show_default=True)
@click.option("--epochs", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=128, show_default=True)
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=2e-3, show_default=True)
@click.option("--option", "options", multiple=True, metavar="KEY=VALUE",
              help="Recipe option, value as JSON (repeatable), e.g. --option std=0.5 or --option mode=random_block.")
@common_options("seed", "device", "quiet", "verbose", "overwrite")
def restore(data, task, out, split, test_fraction, limit, latent_dim, epochs, batch_size, lr, options, seed,
            device, quiet, verbose, overwrite) -> None:
    """Train a restoration model for TASK on the images in DATA; write model/, metrics.json, report.html,
    restoration.png (corrupted / restored / clean held-out images) and loss.png.

    The model learns to map corrupted images to clean ones; PSNR/SSIM of the corrupted input and of
    the restored output are measured on held-out images (e.g. `aekit restore --task inpaint digits --out runs/inp`).

    Example:

    \b
        aekit restore digits --task inpaint --epochs 10 --out runs/inpaint
    """
    import torch

    from .._files import atomic_folder
    from ..applications.restoration import evaluate_restoration
    from ..io import save_model
    from ..models import create_model
    from ..runs.folders import folder_contents
    from ..runs.restoration import write_restoration_run
    from ..training import TrainConfig, fit

    bundle = load_data_arg(data, split, None, limit)
    if not bundle.is_image:
        raise click.BadParameter(f"{task} needs images (channels, height, width); {data!r} holds vectors", param_hint="DATA")
    X = np.asarray(bundle.X, dtype=np.float32)
    if X.min() < 0 or X.max() > 1:
        raise click.BadParameter("restoration expects pixel values in [0, 1]", param_hint="DATA")
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = max(1, int(round(test_fraction * len(order))))
    if n_test >= len(order):
        raise click.BadParameter(f"{len(order)} images leave none to train on", param_hint="--test-fraction")
    train, test = X[order[n_test:]], X[order[:n_test]]
    if task == "colorize" and X.shape[1] == 1:
        click.echo("note: the images are grey (1 channel); colorize then reduces to a plain conv autoencoder")

    torch.manual_seed(seed)
    model = create_model(task, X.shape[1:], latent_dim=latent_dim, **parse_options(options))
    config = TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, early_stopping=None, validation_split=0,
                         seed=seed, device=device, progress=verbosity(quiet, verbose))
    with atomic_folder(out, overwrite=overwrite, marker="metrics.json", fmt=RESTORE_FORMAT, what="output") as tmp:
        history = fit(model, torch.from_numpy(train), config)
        model = model.cpu()
        metrics, corrupted, restored = evaluate_restoration(model, test, seed=seed, return_images=True)
        save_model(model, tmp / "model", history=history.to_dict())
        record = {"format": RESTORE_FORMAT, "task": task, "data": bundle.name, "n_train": len(train),
                  "n_test": len(test), "epochs": epochs, "corruption": model.corruption.config(),
                  "final_train_loss": history["train_total"][-1], **metrics}
        (tmp / "metrics.json").write_text(json.dumps(record, indent=2))
        params = {"task": task, "latent_dim": latent_dim, "epochs": epochs, "batch_size": batch_size, "lr": lr,
                  "options": parse_options(options), "seed": seed, "test_fraction": test_fraction, "limit": limit}
        write_restoration_run(tmp, out, record=record, history=history, clean=test, corrupted=corrupted,
                              restored=restored, labels=None if bundle.y is None else np.asarray(bundle.y)[order[:n_test]],
                              params=params)
    click.echo(f"{task}: PSNR {metrics['psnr_corrupted']:.2f} dB (corrupted) -> {metrics['psnr_restored']:.2f} dB "
               f"(restored), SSIM {metrics['ssim_corrupted']:.3f} -> {metrics['ssim_restored']:.3f} on {len(test)} "
               f"held-out images")
    click.echo(f"wrote {out}/: {folder_contents(out)}")


@main.command("restore-images")
@click.argument("model")
@click.argument("data")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Restored images: .npy or .csv.")
@click.option("--mask", "mask_file", default=None,
              help="Inpainting: a .npy of booleans (True = missing pixel) broadcastable to the images; only "
                   "those pixels are replaced, known ones are kept.")
@click.option("--split", type=click.Choice(["train", "test"]), default="test", show_default=True,
              help="Split of a built-in data set.")
@common_options("limit", "overwrite")
def restore_images(model, data, out, mask_file, split, limit, overwrite) -> None:
    """Restore the (corrupted) images in DATA with a trained MODEL: the run folder of
    `aekit restore` (or its model/ folder), or any autoencoder trained to undo a corruption.

    Example:

    \b
        aekit restore-images runs/inpaint damaged.npy --mask holes.npy --out restored.npy
    """
    from ..applications.restoration import restore as restore_fn
    from ..estimators import load

    est = load(model)
    images = load_data_arg(data, split, None, limit).X
    mask = None
    if mask_file is not None:
        mask = np.load(mask_file, allow_pickle=False).astype(bool)
    restored = restore_fn(est, images, mask=mask)
    write_array(restored, out, overwrite)
    click.echo(f"restored {len(restored)} images of shape {tuple(restored.shape[1:])}; wrote {out}")
