"""The ``aekit`` command group and what its command modules share: one-line errors, option parsing,
data loading and safe array output. Each command module registers its commands on :data:`main`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

import numpy as np
from .._files import replace_file

#: What --quiet and --verbose mean for every command that trains.
QUIET_HELP = "No progress output: no bar on a terminal, no per-epoch lines in a log."
VERBOSE_HELP = "More progress output: a line per epoch on a terminal too, beside the bar."

#: The options every command that trains or samples takes, with one meaning everywhere. They may
#: also be written before the command (``aekit --seed 3 train digits``): see :class:`AekitGroup`.
GLOBAL_OPTIONS = ("seed", "device", "quiet", "verbose")


def _common_option(name: str):
    return {
        "seed": lambda: click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                                     help="Seed of every random choice (initialisation, shuffling, splits, "
                                          "sampling): the same seed gives the same result."),
        "device": lambda: click.option("--device", default="auto", show_default=True,
                                       help="auto, cpu, cuda, cuda:N or mps."),
        "quiet": lambda: click.option("--quiet", is_flag=True, help=QUIET_HELP),
        "verbose": lambda: click.option("--verbose", is_flag=True, help=VERBOSE_HELP),
        "limit": lambda: click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N",
                                      help="Use only the first N rows of DATA."),
        "overwrite": lambda: click.option("--overwrite", is_flag=True,
                                          help="Replace outputs that already exist (never done without it)."),
    }[name]()


def common_options(*names: str):
    """Decorate a command with the shared options ``names`` (see :func:`_common_option`), so that
    the same thing has the same name, type and help in every command."""

    def decorate(f):
        for name in reversed(names):
            f = _common_option(name)(f)
        return f

    return decorate


def verbosity(quiet: bool, verbose: bool) -> int:
    """0 for --quiet, 2 for --verbose, 1 otherwise; both at once is an error."""
    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose contradict each other; pass one")
    return 0 if quiet else 2 if verbose else 1


def limit_rows(array, limit: int | None):
    """The first ``limit`` rows (--limit), or all of them."""
    return array if limit is None else array[:limit]


def fail(message: str) -> None:
    click.echo(f"aekit: error: {message}", err=True)
    sys.exit(2)


class AekitGroup(click.Group):
    """Turns the library's clear exceptions into one-line messages and exit status 2, and takes
    the global options wherever they are written: ``--threads`` belongs to the group
    (``aekit train ... --threads 1`` too), and ``--seed``, ``--device``, ``--quiet`` and
    ``--verbose`` written before the command become that command's defaults."""

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


def load_data_arg(data: str, split: str, label_column, limit: int | None = None):
    """DATA as a :class:`~aekit.data.DataBundle`, cut to its first ``limit`` rows (--limit)."""
    from ..data import load_data

    bundle = load_data(data, split=split, label_column=label_column) if label_column is not None else load_data(
        data, split=split
    )
    return limit_bundle(bundle, limit)


def limit_bundle(bundle, limit: int | None):
    """``bundle`` cut to its first ``limit`` rows (--limit)."""
    import dataclasses

    if limit is None or limit >= len(bundle):
        return bundle
    return dataclasses.replace(bundle, X=bundle.X[:limit], y=None if bundle.y is None else bundle.y[:limit],
                               name=f"{bundle.name}[:{limit}]")


@click.group(cls=AekitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aekit")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="CPU threads for torch (default: torch's choice, one per core). On a busy machine or "
                   "for small models, 1 is often much faster: a waiting thread stalls every step.")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Default --seed of the command (for commands that train or sample).")
@click.option("--device", default=None, help="Default --device of the command (auto, cpu, cuda, cuda:N, mps).")
@click.option("--quiet", is_flag=True, default=None, help="The command's --quiet.")
@click.option("--verbose", is_flag=True, default=None, help="The command's --verbose.")
@click.pass_context
def main(ctx, threads, seed, device, quiet, verbose) -> None:
    """aekit: autoencoders and representation learning from unlabeled data.

    Start with `aekit demo`, then `aekit train DATA --recipe deep --out runs/mine`.
    DATA is a built-in name (digits, fashion-mnist) or a file: .csv/.tsv, .npz/.npy,
    IDX (MNIST format, .gz or not), or a folder of images.

    Options written before the command apply to it: `aekit --seed 3 train digits` is
    `aekit train digits --seed 3`; --threads works before or after the command.
    """
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    values = {"seed": seed, "device": device, "quiet": quiet, "verbose": verbose}
    given = {name: value for name, value in values.items()
             if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE}
    if given and ctx.invoked_subcommand is not None:
        command = ctx.command.get_command(ctx, ctx.invoked_subcommand)
        takes = {p.name for p in command.params}
        refused = [k for k in given if k not in takes]
        if refused:
            fail(f"`aekit {ctx.invoked_subcommand}` takes no --{refused[0]} (it neither trains nor samples)")
        ctx.default_map = {ctx.invoked_subcommand: given}


def refuse_existing(path: Path, overwrite: bool, option: str = "--out") -> None:
    """Every output file a command writes goes through here first: an existing file is replaced
    only with --overwrite, and a folder of the user's never turns into a file."""
    path = Path(path)
    if path.is_dir():
        raise FileExistsError(f"{option} {str(path)!r} is a folder; give a file name")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{option} {str(path)!r} already exists; pass --overwrite to replace it")


def write_array(array: np.ndarray, out: Path, overwrite: bool) -> None:
    import os
    import tempfile

    if out.is_dir():  # even --overwrite must not turn a folder of the user's into a file
        raise FileExistsError(f"--out {str(out)!r} is a folder; give a file name ending in .npy or .csv")
    refuse_existing(out, overwrite)
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
