"""The ``aekit`` command group and what its command modules share: one-line errors, option parsing,
data loading and safe array output. Each command module registers its commands on :data:`main`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

import numpy as np
from .._files import replace_file

#: What --quiet means for every command that trains.
QUIET_HELP = "No progress output: no bar on a terminal, no per-epoch lines in a log."


def fail(message: str) -> None:
    click.echo(f"aekit: error: {message}", err=True)
    sys.exit(2)


class AekitGroup(click.Group):
    """Turns the library's clear exceptions into one-line messages and exit status 2, and takes
    the group's own ``--threads`` wherever it is written (``aekit train ... --threads 1`` too)."""

    def parse_args(self, ctx, args):
        args = list(args)
        front = []
        for i, arg in enumerate(args):
            if arg == "--":
                break
            if arg.startswith("--threads="):
                front = [args.pop(i)]
                break
            if arg == "--threads" and i + 1 < len(args):
                front = [args.pop(i), args.pop(i)]
                break
        return super().parse_args(ctx, front + args)

    def invoke(self, ctx):
        from ..io import ModelFolderError
        from ..training import TrainingDivergedError

        try:
            return super().invoke(ctx)
        except (ValueError, TypeError, FileNotFoundError, FileExistsError, ModelFolderError,
                TrainingDivergedError, KeyError) as err:
            msg = err.args[0] if isinstance(err, KeyError) and err.args else err
            fail(str(msg))


def parse_ints(value: str | None, name: str) -> list[int] | None:
    if value is None:
        return None
    try:
        return [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers such as 256,128, got {value!r}", param_hint=name)


def parse_options(pairs: tuple[str, ...]) -> dict:
    """``KEY=VALUE`` pairs; values are read as JSON when they parse, else kept as strings."""
    options = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--option")
        try:
            options[key] = json.loads(raw)
        except json.JSONDecodeError:
            options[key] = raw
    return options


def load_data_arg(data: str, split: str, label_column):
    from ..data import load_data

    return load_data(data, split=split, label_column=label_column) if label_column is not None else load_data(
        data, split=split
    )


@click.group(cls=AekitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aekit")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="CPU threads for torch (default: torch's choice, one per core). On a busy machine or "
                   "for small models, 1 is often much faster: a waiting thread stalls every step.")
def main(threads) -> None:
    """aekit: autoencoders and representation learning from unlabeled data.

    Start with `aekit demo`, then `aekit train DATA --recipe deep --out runs/mine`.
    DATA is a built-in name (digits, fashion-mnist) or a file: .csv/.tsv, .npz/.npy,
    IDX (MNIST format, .gz or not), or a folder of images.
    """
    if threads is not None:
        import torch

        torch.set_num_threads(threads)

def write_array(array: np.ndarray, out: Path, overwrite: bool) -> None:
    import os
    import tempfile

    if out.is_dir():  # even --overwrite must not turn a folder of the user's into a file
        raise FileExistsError(f"--out {str(out)!r} is a folder; give a file name ending in .npy or .csv")
    if out.exists() and not overwrite:
        raise FileExistsError(f"{str(out)!r} already exists; pass --overwrite to replace it")
    suffix = out.suffix.lower()
    if suffix not in (".npy", ".csv"):
        raise ValueError(f"--out must end in .npy or .csv, got {out.name!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=suffix, dir=out.parent)
    os.close(fd)
    try:
        if suffix == ".npy":
            np.save(tmp, array)
        else:
            np.savetxt(tmp, array.reshape(len(array), -1), delimiter=",", fmt="%.7g")
        replace_file(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
