"""``aekit report`` and ``aekit explore``: the pictures of a run folder as HTML pages."""

from __future__ import annotations

from pathlib import Path

import click

from .app import main, refuse_existing


def _check_out(out: Path | None, overwrite: bool) -> None:
    """A page the user names with --out replaces nothing of theirs unless asked to; the run
    folder's own page (no --out) is aekit's and is rebuilt."""
    if out is not None:
        refuse_existing(out, overwrite)


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where to write the page [default: RUN_DIR/report.html, which is rebuilt].")
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file.")
def report(run_dir, out, overwrite) -> None:
    """Write the self-contained HTML report of RUN_DIR (a folder from `aekit train`, `pretrain`,
    `restore` or `evaluate --out`).

    Headline numbers, loss curves, reconstructions and the latent map first, plus the sections
    that apply (VAE samples, anomaly scores, probe accuracies, evaluation table and confusion
    matrices); the configuration last, folded. Images are embedded: the page opens without network
    or other files.

    Example:

    \b
        aekit report runs/conv --out report.html
    """
    from ..viz.report import write_report

    _check_out(out, overwrite)
    path = write_report(run_dir, out)
    click.echo(f"wrote {path}")


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where to write the page [default: RUN_DIR/explorer.html, which is rebuilt].")
@click.option("--grid", type=click.IntRange(2, 80), default=25, show_default=True,
              help="Decoded points per side of the latent plane.")
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file.")
def explore(run_dir, out, grid, overwrite) -> None:
    """Write the latent explorer of RUN_DIR: an HTML page where the pointer decodes the latent plane.

    The plane is the code when it is 2-D, else its first two principal components. Clicking a
    data point shows its input and reconstruction.

    Example:

    \b
        aekit explore runs/conv --out explorer.html
    """
    from ..viz.explorer import write_explorer

    _check_out(out, overwrite)
    path = write_explorer(run_dir, out, grid=grid)
    click.echo(f"wrote {path}")
