"""``aekit train``, ``demo``, ``encode``, ``reconstruct``, ``info``, ``recipes`` and ``presets``."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np
import torch

from .app import (common_options, limit_bundle, load_data_arg, main, parse_ints, parse_options, refuse_existing,
                  verbosity,
                  write_array)
from ..training.config import PRECISIONS
from .types import PositiveFloatOrAuto, RegistryChoice

DEMO_OUT = "aekit-demo"


@main.command()
def presets() -> None:
    """List the named training configurations (use with `aekit train --preset NAME`).

    Example:

    \b
        aekit presets
        aekit train fashion-mnist --preset fashion-mnist-fast --out runs/fm
    """
    from ..runs.presets import PRESETS

    for name, params in sorted(PRESETS.items()):
        click.echo(f"{name:22s} " + " ".join(f"{k}={v}" for k, v in params.items()))


@main.command()
def recipes() -> None:
    """List the named model recipes.

    Example:

    \b
        aekit recipes
    """
    from ..models import list_recipes, recipe_help

    for name in list_recipes():
        click.echo(f"{name:14s} {recipe_help(name)}")


AUTO_DEFAULT = "[default: the recipe's own (docs/autoencoders.md), else %s]"


def _train_options(f):
    options = [
        click.option("--recipe", type=RegistryChoice("recipe"), default="deep", show_default=True,
                     help="Model recipe (see `aekit recipes`)."),
        click.option("--latent-dim", type=click.IntRange(min=1), default=8, show_default=True, help="Code size."),
        click.option("--epochs", type=click.IntRange(min=1), default=100, show_default=True, help="Maximum epochs."),
        # Training options left out are "auto": the recipe's own training defaults, else the shared ones.
        click.option("--batch-size", type=click.IntRange(min=1), default=None, help=AUTO_DEFAULT % 128),
        click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=None, help=AUTO_DEFAULT % "0.001"),
        click.option("--optimizer", default=None,
                     help="Any torch.optim optimizer by name (adam, adamw, sgd, ...). " + AUTO_DEFAULT % "adam"),
        click.option("--weight-decay", type=click.FloatRange(min=0), default=0.0, show_default=True),
        click.option("--grad-clip", type=PositiveFloatOrAuto(), default="auto", show_default=True,
                     help="Clip the gradient norm. auto: a guard rail of 1000 against one bad batch for SGD, "
                          "none for adaptive optimizers such as Adam, whose steps stay within a few times lr."),
        click.option("--hidden-dims", default=None, help="MLP widths, e.g. 256,128."),
        click.option("--input-shape", default=None,
                     help="Shape of one sample of flat data, e.g. 1,28,28 for images stored as rows."),
        click.option("--refine-codes", type=click.IntRange(min=0), default=0, show_default=True,
                     help="Gradient steps on each code at inference (saved with the model; see docs)."),
        click.option("--likelihood", type=RegistryChoice("likelihood", allow_json=True), default="gaussian",
                     show_default=True, help="Decoder distribution (gaussian = squared error): a name or a JSON "
                                             "spec such as '{\"name\": \"categorical\", \"n_levels\": 16}'."),
        click.option("--corruption", type=RegistryChoice("corruption", allow_json=True), default=None,
                     help="Input corruption during training (a denoising autoencoder): a name or a JSON spec "
                          "such as '{\"name\": \"masking\", \"p\": 0.3}'."),
        click.option("--option", "options", multiple=True, metavar="KEY=VALUE",
                     help="Further recipe option, value as JSON (repeatable), e.g. --option channels=[16,32]."),
        click.option("--preprocessing", type=click.Choice(["auto", "standard", "minmax", "center", "none"]),
                     default="auto", show_default=True),
        click.option("--validation-split", type=click.FloatRange(0, 1, max_open=True), default=None,
                     help=AUTO_DEFAULT % "0.1"),
        click.option("--patience", type=click.IntRange(min=1), default=None,
                     help="Early-stopping patience in epochs. " + AUTO_DEFAULT % 10),
        common_options("seed", "device", "quiet", "verbose"),
        click.option("--precision", type=click.Choice(PRECISIONS), default="fp32", show_default=True,
                     help="auto: bf16 where it is native and faster (CUDA, CPUs with AMX), else fp32. "
                          "fp16: autocast with loss scaling, for GPUs without bf16."),
        click.option("--scheduler", type=click.Choice(["none", "cosine", "step", "plateau", "onecycle"]),
                     default=None, help="Learning-rate schedule. " + AUTO_DEFAULT % "none"),
        click.option("--beta", type=click.FloatRange(min=0), default=None,
                     help="VAE (--recipe vae): weight of the KL term [default: 1]."),
        click.option("--kl-warmup", type=click.IntRange(min=0), default=None,
                     help="VAE: epochs over which beta rises linearly from 0 [default: 0, none]."),
        click.option("--capacity", type=click.FloatRange(min=0), default=None,
                     help="VAE: KL target in nats; the penalty becomes beta * |KL - capacity|."),
        click.option("--capacity-warmup", type=click.IntRange(min=0), default=None,
                     help="VAE: epochs over which the KL target rises from 0 to --capacity."),
        click.option("--preset", default=None,
                     help="Named configuration (see `aekit presets`); options given explicitly override it."),
        click.option("--overwrite", is_flag=True, help="Replace an existing run folder written by aekit."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _estimator(recipe, latent_dim, epochs, batch_size, lr, optimizer, weight_decay, grad_clip, hidden_dims, input_shape,
               refine_codes, likelihood, corruption, options, preprocessing, validation_split, patience, seed, device,
               precision, scheduler, beta, kl_warmup, capacity, capacity_warmup, preset, quiet, verbose):
    from ..estimators import Autoencoder, VariationalAutoencoder
    from ..runs.presets import preset as preset_params

    params = dict(
        recipe=recipe, latent_dim=latent_dim, hidden_dims=parse_ints(hidden_dims, "--hidden-dims"),
        likelihood=likelihood, corruption=corruption, recipe_options=parse_options(options) or None,
        preprocessing=preprocessing, epochs=epochs, batch_size=_auto(batch_size), lr=_auto(lr),
        optimizer=_auto(optimizer), weight_decay=weight_decay, grad_clip=grad_clip, refine_codes=refine_codes,
        input_shape=None if input_shape is None else tuple(parse_ints(input_shape, "--input-shape")),
        validation_split=_auto(validation_split), early_stopping=_auto(patience), random_state=seed, device=device,
        precision=precision, scheduler=None if scheduler == "none" else _auto(scheduler), 
        verbose=verbosity(quiet, verbose),
    )
    if preset is not None:  # the preset's values, except where an option was given on the command line
        ctx = click.get_current_context()
        cli_name = {"hidden_dims": "hidden_dims", "early_stopping": "patience", "random_state": "seed",
                    "recipe_options": "options", "verbose": "quiet"}
        given = (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.DEFAULT_MAP)  # before or after
        explicit = {k for k in params if ctx.get_parameter_source(cli_name.get(k, k)) in given}
        chosen = preset_params(preset)
        if chosen.get("recipe_options") and params["recipe_options"]:
            chosen["recipe_options"] = {**chosen["recipe_options"], **params["recipe_options"]}
        params.update({k: v for k, v in chosen.items() if k not in explicit or k == "recipe_options"})
    vae = {k: v for k, v in dict(beta=beta, kl_warmup=kl_warmup, capacity=capacity,
                                 capacity_warmup=capacity_warmup).items() if v is not None}
    if params["recipe"] == "vae":  # the VAE estimator: its KL options, sample(), likelihood scores
        return VariationalAutoencoder(**params, **vae)
    if vae:
        raise ValueError(f"--{next(iter(vae)).replace('_', '-')} is an option of the VAE: use --recipe vae")
    return Autoencoder(**params)


def _auto(value):
    """An option left out on the command line: the estimator's "auto" (the recipe's default)."""
    return "auto" if value is None else value


def _report(summary: dict, out: Path) -> None:
    click.echo(
        f"trained {summary['recipe']} on {summary['data']} ({summary['n_samples']} samples) for "
        f"{summary['epochs_trained']} epochs in {summary['fit_seconds']:.1f}s; "
        f"reconstruction MSE {summary['reconstruction_mse']:.5f}"
    )
    from ..runs.folders import folder_contents

    click.echo(f"wrote {out}/: {folder_contents(out)}")


@main.command()
@click.argument("data", required=False)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Run folder to create (required).")
@click.option("--split", type=click.Choice(["train", "test"]), default="train", show_default=True,
              help="Split of a built-in data set.")
@click.option("--label-column", default=None, help="CSV column holding labels (name or index).")
@common_options("limit")
@click.option("--condition-column", default=None, metavar="COL",
              help="Train a conditional model on these labels: a CSV column (name or index), or 'labels' for "
                   "DATA's own labels (built-in data sets, .npz files with y).")
@click.option("--condition-file", type=click.Path(path_type=Path), default=None,
              help="Train a conditional model on the labels in FILE (.csv/.txt/.npy, one per row of DATA).")
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=None,
              help="Write a resumable checkpoint into OUT/checkpoint every N epochs.")
@click.option("--resume", "resume", type=click.Path(path_type=Path), default=None, metavar="RUN_DIR",
              help="Continue the interrupted run in RUN_DIR (give no DATA or options).")
@_train_options
def train(data, out, split, label_column, limit, condition_column, condition_file, overwrite, checkpoint_every,
          resume, **kw) -> None:
    """Train an autoencoder on DATA and write a run folder with the model and plots.

    Under `torchrun --nproc_per_node=N -m aekit train ...` it trains with DistributedDataParallel.

    Example:

    \b
        aekit train digits --recipe conv --latent-dim 10 --epochs 30 --out runs/conv
        aekit train my_table.csv --label-column label --recipe vae --kl-warmup 10 --out runs/vae
    """
    from ..runs.folders import train_run
    from ..runs.resume import read_resume_info, train_resumable
    from ..training.distributed import env_world_size

    if resume is not None:  # everything comes from the run folder
        if data is not None:
            raise ValueError("give either DATA or --resume RUN_DIR, not both")
        saved = read_resume_info(resume)
        bundle = load_data_arg(saved["data"], saved["split"], saved["label_column"])
        from ..estimators.base import ESTIMATORS

        estimator = ESTIMATORS.get(saved["estimator"])(**saved["params"])  # a VAE run resumes as a VAE
        summary = train_resumable(bundle, estimator, resume, data=saved["data"],
                                  split=saved["split"], label_column=saved["label_column"],
                                  checkpoint_every=saved["checkpoint_every"], resume=True)
        if summary is not None:
            _report(summary, resume)
        return
    if data is None or out is None:
        raise click.UsageError("give DATA and --out (or --resume RUN_DIR)")
    if label_column is not None and label_column.isdigit():
        label_column = int(label_column)
    if condition_column is not None or condition_file is not None:  # a conditional model (e.g. a CVAE)
        from .vae import load_conditioned_data

        if checkpoint_every is not None or env_world_size() > 1:
            raise click.UsageError("--condition-column/--condition-file cannot be combined with --checkpoint-every "
                                   "or torchrun yet")
        bundle, labels = load_conditioned_data(data, split, label_column, condition_column, condition_file)
        bundle = limit_bundle(bundle, limit)
        labels = labels[: len(bundle)]
        _report(train_run(bundle, _estimator(**kw), out, overwrite=overwrite, condition=labels), out)
        return
    if checkpoint_every is not None or env_world_size() > 1:
        if limit is not None:
            raise click.UsageError("--limit cannot be combined with --checkpoint-every or torchrun: a resumed "
                                   "run reads DATA again, whole")
        summary = train_resumable(load_data_arg(data, split, label_column), _estimator(**kw), out, data=data, split=split,
                                  label_column=label_column, overwrite=overwrite, checkpoint_every=checkpoint_every)
        if summary is not None:
            _report(summary, out)
        return
    bundle = load_data_arg(data, split, label_column, limit)
    summary = train_run(bundle, _estimator(**kw), out, overwrite=overwrite)
    _report(summary, out)


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=DEMO_OUT, show_default=True)
@click.option("--epochs", type=click.IntRange(min=1), default=60, show_default=True)
@common_options("seed", "device", "quiet", "verbose", "overwrite")
def demo(out, epochs, seed, device, quiet, verbose, overwrite) -> None:
    """Train a small convolutional autoencoder on the built-in digits (under a minute on a laptop CPU).

    Example:

    \b
        aekit demo --out aekit-demo
    """
    import torch

    from ..data import load_digits
    from ..estimators import Autoencoder
    from ..runs.folders import train_run

    if click.get_current_context().find_root().params.get("threads") is None:
        # An 8x8 conv net is too small to share between threads: one is never slower, and on a
        # busy 2-core machine two ran this demo 80x slower (518 s vs 6.7 s of training).
        torch.set_num_threads(1)
    estimator = Autoencoder(
        recipe="conv", latent_dim=10, recipe_options={"channels": [16, 32]}, epochs=epochs, batch_size=64,
        lr=3e-3, random_state=seed, device=device, verbose=verbosity(quiet, verbose),
    )
    summary = train_run(load_digits(), estimator, out, overwrite=overwrite)
    _report(summary, out)


def _load_estimator(model: str):
    from ..estimators import Autoencoder

    path = Path(model)
    if (path / "model" / "config.json").is_file():  # a run folder: use its model
        path = path / "model"
    return Autoencoder.load(path)


def _with_refinement(est, steps: int | None):
    """``est`` with ``refine_codes=steps`` when given (see Autoencoder's ``refine_codes``)."""
    if steps is None:
        return est
    if "refine_codes" not in est.get_params():
        raise click.UsageError(f"--refine-codes: a {type(est).__name__} has no codes to refine")
    try:
        est.set_params(refine_codes=steps)._refine_settings()
    except ValueError as err:
        raise click.UsageError(f"--refine-codes: {err}") from None
    return est


@main.command()
@click.argument("model")
@click.argument("data")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Codes file (.npy or .csv).")
@click.option("--split", type=click.Choice(["train", "test"]), default="train", show_default=True)
@common_options("limit", "overwrite")
@click.option("--refine-codes", "refine", type=click.IntRange(min=0), default=None, metavar="STEPS",
              help="Refine each code with this many gradient steps through the decoder (default: the model's setting).")
def encode(model, data, out, split, limit, overwrite, refine) -> None:
    """Encode DATA with MODEL (a model folder or run folder) and write the codes.

    Example:

    \b
        aekit encode runs/conv digits --out codes.npy
    """
    est = _with_refinement(_load_estimator(model), refine)
    codes = est.transform(load_data_arg(data, split, None, limit).X)
    write_array(codes, out, overwrite)
    click.echo(f"wrote {codes.shape[0]} codes of size {codes.shape[1]} to {out}")


@main.command()
@click.argument("model")
@click.argument("data")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Reconstructions (.npy or .csv).")
@click.option("--grid", type=click.Path(path_type=Path), default=None, help="Also save a PNG grid.")
@click.option("--split", type=click.Choice(["train", "test"]), default="train", show_default=True)
@common_options("limit", "overwrite")
@click.option("--refine-codes", "refine", type=click.IntRange(min=0), default=None, metavar="STEPS",
              help="Refine each code with this many gradient steps through the decoder (default: the model's setting).")
def reconstruct(model, data, out, grid, split, limit, overwrite, refine) -> None:
    """Reconstruct DATA with MODEL and write the reconstructions (and their error).

    Example:

    \b
        aekit reconstruct runs/conv digits --out recon.npy --grid recon.png
    """
    from ..viz import plot_reconstructions

    est = _with_refinement(_load_estimator(model), refine)
    bundle = load_data_arg(data, split, None, limit)
    if grid is not None:
        refuse_existing(grid, overwrite, "--grid")
    recon = est.reconstruct(bundle.X)
    write_array(recon.reshape(len(recon), *bundle.sample_shape), out, overwrite)
    mse = float(np.mean((recon - bundle.flat()) ** 2))
    if grid is not None:
        plot_reconstructions({"input": bundle.flat(), "reconstruction": recon}, grid, bundle.sample_shape)
    click.echo(f"wrote {len(recon)} reconstructions to {out}; mean squared error {mse:.6f}")


@main.command()
@click.argument("model")
def info(model) -> None:
    """Describe a saved model of any kind (autoencoder, detector, SSL backbone, text model, ...):
    what it is, its input, its size and its training.

    Example:

    \b
        aekit info runs/conv
    """
    from ..estimators import describe, load

    est = load(model)
    for key, value in describe(est).items():
        click.echo(f"{key + ':':14s} {value}")
    network = getattr(est, "model_", None)
    if isinstance(network, torch.nn.Module):
        click.echo(f"modules:\n{network}")
