"""``aekit generate`` and ``aekit interpolate``: generation with a trained VAE model folder; and the
labels ``aekit train --condition-column / --condition-file`` conditions a model on."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from .app import load_data_arg, write_array, main


def _load_vae(model: str):
    """An estimator from a model folder or run folder; it must have a probabilistic encoder."""
    from ..estimators import Autoencoder, VariationalAutoencoder
    from ..io import read_model_folder

    path = Path(model)
    if (path / "model" / "config.json").is_file():  # a run folder: use its model
        path = path / "model"
    config, _, _ = read_model_folder(path)
    classes = {cls.__name__: cls for cls in (Autoencoder, VariationalAutoencoder)}
    name = config.get("estimator")
    if name not in classes:
        raise ValueError(f"{str(path)!r} holds a {name!r}; generate/interpolate need one of {sorted(classes)}")
    est = classes[name].load(path)
    if getattr(est.model_.latent, "n_params", 1) != 2:
        raise ValueError(
            f"{str(path)!r} is not a variational model (recipe {est.recipe!r}); train one with --recipe vae"
        )
    return est


TABLE_SUFFIXES = (".csv", ".tsv", ".txt")
CONDITION_HELP = "Class to generate: a class name of the model, or an index into its classes (conditional models)."


def load_conditioned_data(data: str, split: str, label_column, condition_column: str | None,
                          condition_file: Path | None):
    """``(bundle, labels)``: DATA and the labels a conditional model is trained on (None without
    --condition-column / --condition-file)."""
    from ..data.labels import read_label_file

    if condition_column is not None and condition_file is not None:
        raise click.UsageError("give --condition-column or --condition-file, not both")
    if condition_file is not None:
        bundle = load_data_arg(data, split, label_column)
        labels = read_label_file(condition_file)
        if len(labels) != len(bundle):
            raise ValueError(f"--condition-file {str(condition_file)!r} has {len(labels)} labels but DATA {data!r} "
                             f"has {len(bundle)} rows; give one label per row")
        return bundle, labels
    if condition_column is None:
        return load_data_arg(data, split, label_column), None
    path = Path(data).expanduser()
    if path.is_file() and path.suffix.lower() in TABLE_SUFFIXES:  # a column of the table
        column = int(condition_column) if condition_column.isdigit() else condition_column
        if label_column is not None and label_column != column:
            raise click.UsageError(f"--condition-column {condition_column!r} and --label-column {label_column!r} "
                                   "name different columns; a table has one label column")
        try:
            bundle = load_data_arg(data, split, column)
        except ValueError:
            if condition_column != "labels":
                raise
            bundle = load_data_arg(data, split, None)  # no column "labels": the table's own label column
    elif condition_column != "labels":
        raise click.UsageError(f"--condition-column {condition_column!r} names a table column, but DATA {data!r} "
                               "is not a .csv/.tsv/.txt table: use --condition-column labels for its own labels, "
                               "or --condition-file")
    else:
        bundle = load_data_arg(data, split, label_column)
    if bundle.y is None:
        raise ValueError(f"DATA {data!r} has no labels to condition on; give --condition-file FILE "
                         "(one label per row)")
    return bundle, bundle.y


def _condition(est, value: str | None, n: int, model: str):
    """The class indices (n,) for ``--condition`` (None for an unconditional model)."""
    import torch

    from ..estimators.conditions import describe_classes, resolve_class

    classes = getattr(est, "condition_classes_", None)
    if classes is None and est.model_.n_conditions:  # a hand-built conditional model: classes 0..K-1
        classes = np.arange(est.model_.n_conditions)
    if classes is None:
        if value is not None:
            raise click.UsageError(f"--condition: {model!r} is not a conditional model (train one with "
                                   "--condition-column or --condition-file)")
        return None
    if value is None:
        raise click.UsageError(f"{model!r} is a conditional model: pass --condition CLASS, one of "
                               f"{describe_classes(classes)} (or its index)")
    return torch.full((n,), resolve_class(value, classes))


def _save(est, x_model, out: Path, ncol: int | None, overwrite: bool) -> None:
    """Model-space samples -> input units -> a PNG grid, or a .npy/.csv array."""
    from ..models.generation import save_image_grid

    x = x_model.detach().cpu().numpy().reshape(len(x_model), -1).astype(np.float64) * est.scale_ + est.offset_
    if out.suffix.lower() == ".png":
        if out.exists() and not overwrite:
            raise FileExistsError(f"{str(out)!r} already exists; pass --overwrite to replace it")
        lo, hi = float(x.min()), float(x.max())
        if lo < 0 or hi > 1:  # show data outside [0, 1] on a min-max scale
            x = (x - lo) / max(hi - lo, 1e-12)
        save_image_grid(x.reshape(len(x), *est.input_shape_), out, ncol=ncol, scale=2)
    else:
        write_array(x.reshape(len(x), *est.input_shape_), out, overwrite)


@main.command()
@click.argument("model")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="A .png grid, or .npy/.csv samples.")
@click.option("-n", "--n-samples", "--n", "n_samples", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--sampled", is_flag=True, help="Draw x ~ p(x|z) instead of decoding its mean.")
@click.option("--temperature", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Prior standard deviation.")
@click.option("--manifold", type=click.IntRange(min=2), default=None,
              help="Instead: an N x N grid over latent dimensions 0 and 1 at Gaussian quantiles.")
@click.option("--condition", default=None, metavar="CLASS", help=CONDITION_HELP)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--overwrite", is_flag=True)
def generate(model, out, n_samples, sampled, temperature, manifold, condition, seed, overwrite) -> None:
    """Sample new data from MODEL's prior (or decode its 2-D manifold) and save it.

    Example:

    \b
        aekit generate runs/vae --n-samples 64 --out samples.png
    """
    from ..models.generation import manifold_grid, sample_prior

    est = _load_vae(model)
    if manifold is not None:
        c = _condition(est, condition, manifold * manifold, model)
        x, ncol, what = manifold_grid(est.model_, n=manifold, condition=c), manifold, "manifold grid"
    else:
        c = _condition(est, condition, n_samples, model)
        x = sample_prior(est.model_, n_samples, condition=c, sampled=sampled, temperature=temperature, seed=seed)
        ncol, what = None, "samples"
    _save(est, x, out, ncol, overwrite)
    click.echo(f"wrote {len(x)} {what}" + ("" if c is None else f" of class {condition}") + f" to {out}")


@main.command()
@click.argument("model")
@click.argument("data")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="A .png strip, or .npy/.csv.")
@click.option("--start", type=click.IntRange(min=0), default=0, show_default=True, help="Row of the first input.")
@click.option("--end", type=click.IntRange(min=0), default=1, show_default=True, help="Row of the second input.")
@click.option("--steps", type=click.IntRange(min=2), default=10, show_default=True)
@click.option("--method", type=click.Choice(["linear", "slerp"]), default="slerp", show_default=True)
@click.option("--split", type=click.Choice(["train", "test"]), default="test", show_default=True)
@click.option("--condition", default=None, metavar="CLASS",
              help="Class both rows are encoded and decoded as (conditional models): a class name or index.")
@click.option("--overwrite", is_flag=True)
def interpolate(model, data, out, start, end, steps, method, split, condition, overwrite) -> None:
    """Decode the path between the codes of rows START and END of DATA.

    Example:

    \b
        aekit interpolate runs/vae digits --start 0 --end 7 --out path.png
    """
    from ..models.generation import interpolate as interpolate_codes

    est = _load_vae(model)
    X = load_data_arg(data, split, None).flat()
    for name, row in (("--start", start), ("--end", end)):
        if row >= len(X):
            raise ValueError(f"{name} {row} is out of range: DATA has {len(X)} rows")
    x = est._to_model_space(est._validate_X(X[[start, end]], reset=False)[0])
    c = _condition(est, condition, 1, model)
    path = interpolate_codes(est.model_, x[0], x[1], steps=steps, method=method, condition=c)
    _save(est, path, out, steps, overwrite)
    click.echo(f"wrote {steps} {method} interpolation steps from row {start} to row {end} to {out}")
