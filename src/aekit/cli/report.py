"""``aekit report`` and ``aekit explore``: the pictures of a run folder as HTML pages."""

from __future__ import annotations

from pathlib import Path

import click

from .app import main


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where to write the page [default: RUN_DIR/report.html].")
def report(run_dir, out) -> None:
    """Write the self-contained HTML report of RUN_DIR (a folder from `aekit train`).

    Configuration, data summary, loss curves, reconstructions and the latent map, plus the
    sections that apply (VAE samples, anomaly scores, probe accuracies). Images are embedded:
    the page opens without network or other files.
    """
    from ..viz.report import write_report

    path = write_report(run_dir, out)
    click.echo(f"wrote {path}")


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where to write the page [default: RUN_DIR/explorer.html].")
@click.option("--grid", type=click.IntRange(2, 80), default=25, show_default=True,
              help="Decoded points per side of the latent plane.")
def explore(run_dir, out, grid) -> None:
    """Write the latent explorer of RUN_DIR: an HTML page where the pointer decodes the latent plane.

    The plane is the code when it is 2-D, else its first two principal components. Clicking a
    data point shows its input and reconstruction.
    """
    from ..viz.explorer import write_explorer

    path = write_explorer(run_dir, out, grid=grid)
    click.echo(f"wrote {path}")
