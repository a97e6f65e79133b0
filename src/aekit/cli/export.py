"""``aekit export``: write a trained autoencoder's encoder, decoder or both as an ONNX file or a
``torch.export`` program, for use outside Python (see :func:`aekit.export`)."""

from __future__ import annotations

import warnings
from pathlib import Path

import click

from ..io.export import FORMATS, PARTS
from .app import fail, main


@main.command("export")
@click.argument("model")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default=None,
              help="onnx (.onnx, needs aekit[export]) or torch-export (.pt2, torch.export.load reads it). "
                   "Default: from the suffix of --out.")
@click.option("--part", type=click.Choice(PARTS), default="full", show_default=True,
              help="encoder: features -> code (as `aekit encode`); decoder: code -> reconstruction; "
                   "full: features -> reconstruction (as `aekit reconstruct`).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="File to write: .onnx or .pt2.")
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file.")
def export_command(model, fmt, part, out, overwrite) -> None:
    """Export MODEL (a model folder or run folder of an autoencoder or VAE) for use outside Python.

    The graph takes a batch of any size, in float32. The model's input scaling is inside it, so it
    takes raw feature rows, as `aekit encode` does, and returns outputs in the same units.

    \b
    Example: aekit export runs/mine --format onnx --part encoder --out encoder.onnx
    """
    from ..io.export import write_export

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            path, info = write_export(model, out, format=fmt, part=part, overwrite=overwrite)
        except ImportError as err:  # the ONNX packages are an optional extra
            fail(str(err))
    for warning in caught:
        if issubclass(warning.category, UserWarning):
            click.echo(f"note: {warning.message}", err=True)
    signature = f"{info['input']['name']} {_shape(info['input'])} -> {info['output']['name']} {_shape(info['output'])}"
    click.echo(f"{info['estimator']} {part}: {signature}, float32; input scaling: {info['preprocessing']}")
    click.echo(f"wrote {path}")


def _shape(io: dict) -> str:
    return "(" + ", ".join(str(d) for d in io["shape"]) + ")"
