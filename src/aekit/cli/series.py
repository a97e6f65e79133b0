"""``aekit detect-series``: per-step anomaly scores and flags for a long series, written to CSV."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from .app import common_options, load_data_arg, main, parse_ints, parse_options, refuse_existing, verbosity
from .types import RegistryChoice


@main.command("detect-series")
@click.argument("series")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="CSV of step, score, anomaly flag.")
@click.option("--window", type=click.IntRange(min=1), default=64, show_default=True, help="Window length in steps.")
@click.option("--stride", type=click.IntRange(min=1), default=1, show_default=True, help="Steps between windows.")
@click.option("--recipe", type=RegistryChoice("recipe"), default="conv1d", show_default=True,
              help="Sequence recipe (conv1d, lstm, gru, or any recipe taking (length, channels)).")
@click.option("--train-fraction", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
              help="Fit on this leading fraction of the rows (scaling too), score all rows.")
@click.option("--contamination", type=click.FloatRange(0, 0.5, min_open=True), default=0.01, show_default=True,
              help="Expected fraction of anomalous training steps; sets the flag threshold.")
@click.option("--scaling", type=click.Choice(["standard", "minmax", "none"]), default="standard", show_default=True)
@click.option("--latent-dim", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--hidden-dims", default=None, help="Recurrent layer widths for lstm/gru, e.g. 64,32.")
@click.option("--option", "options", multiple=True, metavar="KEY=VALUE",
              help="Further recipe option, value as JSON (repeatable), e.g. --option feedback=false.")
@click.option("--epochs", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=1e-3, show_default=True)
@click.option("--label-column", default=None, help="CSV column with per-step 0/1 labels: reported, never used to train.")
@click.option("--run-dir", type=click.Path(path_type=Path), default=None,
              help="Also write a run folder: the detector (model/), scores.csv and report.html with the series "
                   "and its scores, the score histogram and ROC/PR curves when labels exist.")
@click.option("--streaming", is_flag=True,
              help="Score each row from the rows before it only (StreamingAnomalyDetector, NAB's rules): learn on "
                   "the first --probation rows, then go on learning. Takes none of the model options above.")
@click.option("--probation", type=click.IntRange(min=1), default=None,
              help="With --streaming: rows learned before scoring starts [default: NAB's min(15% of rows, 750)].")
@common_options("limit", "seed", "device", "quiet", "verbose", "overwrite")
def detect_series(series, out, window, stride, recipe, train_fraction, contamination, scaling, latent_dim, hidden_dims,
                  options, epochs, batch_size, lr, label_column, run_dir, streaming, probation, limit, seed, device,
                  quiet, verbose, overwrite) -> None:
    """Fit a windowed sequence autoencoder on SERIES (rows = time steps, columns = channels) and
    write a per-step anomaly score and 0/1 flag to CSV (--streaming: score it as a stream).

    Example:

    \b
        aekit detect-series cpu_load.csv --window 64 --train-fraction 0.5 --out scores.csv
        aekit detect-series cpu_load.csv --label-column is_anomaly --out scores.csv --run-dir runs/cpu
        aekit detect-series cpu_load.csv --streaming --out scores.csv
    """
    from ..estimators import TimeSeriesAnomalyDetector
    from ..evaluation.metrics import auprc, auroc
    from ..runs.folders import write_scores_csv

    _refuse_model_options(streaming, probation)
    if out.suffix.lower() != ".csv":  # refuse before training, not after
        raise ValueError(f"--out must end in .csv, got {out.name!r}")
    refuse_existing(out, overwrite)
    if run_dir is not None:  # refuse before training, not after
        from .._files import check_target
        from ..runs.folders import RUN_FORMAT, RUN_MARKER

        check_target(run_dir, overwrite, RUN_MARKER, RUN_FORMAT, "--run-dir")
    if label_column is not None and label_column.isdigit():
        label_column = int(label_column)
    bundle = load_data_arg(series, "train", label_column, limit)
    if len(bundle.sample_shape) != 1:
        raise ValueError(f"SERIES must be a table of time steps x channels, got samples of shape {bundle.sample_shape}")
    X = bundle.flat()
    if streaming:
        _detect_stream(X, bundle.y, probation, out, seed)
        return
    n_train = int(round(len(X) * train_fraction))
    if n_train < window:
        raise ValueError(f"{n_train} training rows (--train-fraction {train_fraction} of {len(X)} rows) are fewer than "
                         f"--window {window}; use a shorter window or more rows")
    det = TimeSeriesAnomalyDetector(
        recipe, window=window, stride=stride, scaling=scaling, contamination=contamination, latent_dim=latent_dim,
        hidden_dims=parse_ints(hidden_dims, "--hidden-dims"), recipe_options=parse_options(options) or None,
        epochs=epochs, batch_size=batch_size, lr=lr, random_state=seed, device=device,
        verbose=verbosity(quiet, verbose),
    )
    if run_dir is not None:
        from ..runs.series import series_run

        _, scores = series_run(bundle, det, run_dir, n_train=n_train, overwrite=overwrite)
    else:
        det.fit(X[:n_train])
        scores = det.decision_scores_ if n_train == len(X) else det.decision_function(X)
    flags = (scores > det.threshold_).astype(int)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_scores_csv(out, scores, flags, bundle.y)
    click.echo(f"flagged {flags.sum()} of {len(flags)} steps (threshold {det.threshold_:.4g}); wrote {out}")
    y = bundle.y
    if y is not None and set(np.unique(y)) <= {0, 1} and len(np.unique(y)) == 2:
        click.echo(f"against the labels: AUROC {auroc(y, scores):.4f}, AUPRC {auprc(y, scores):.4f}")
    if run_dir is not None:
        from ..runs.folders import folder_contents

        click.echo(f"wrote {run_dir}/: {folder_contents(run_dir)}")


#: Options of the windowed autoencoder that a streaming detector has no use for.
_MODEL_OPTIONS = ("window", "stride", "recipe", "train_fraction", "contamination", "scaling", "latent_dim",
                  "hidden_dims", "options", "epochs", "batch_size", "lr", "run_dir", "device")


def _refuse_model_options(streaming: bool, probation) -> None:
    """--streaming takes none of the windowed model's options, and --probation needs --streaming:
    an option that would be ignored is an error."""
    ctx = click.get_current_context()
    given = (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.DEFAULT_MAP)
    if streaming:
        unused = [name for name in _MODEL_OPTIONS if ctx.get_parameter_source(name) in given]
        if unused:
            raise click.UsageError(f"--{unused[0].replace('_', '-')} is an option of the windowed autoencoder; "
                                   "--streaming takes --probation (and --label-column, --limit, --seed)")
    elif probation is not None:
        raise click.UsageError("--probation applies to --streaming only")


def _detect_stream(X: np.ndarray, y, probation: int | None, out: Path, seed: int = 0) -> None:
    from ..estimators.streaming import StreamingAnomalyDetector
    from ..evaluation.nab import probationary_length
    from ..runs.folders import write_scores_csv

    probation = probation or max(probationary_length(len(X)), 1)
    det = StreamingAnomalyDetector(random_state=seed)
    if probation < 2 * det.window or probation > len(X):
        raise ValueError(f"--probation {probation} must be between {2 * det.window} and the {len(X)} rows of SERIES")
    scores = det.score_stream(X, probation=probation)
    flags = (scores >= det.alarm_level).astype(int)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_scores_csv(out, scores, flags, y)
    click.echo(f"streamed {len(X)} steps (learned on the first {probation}); flagged {flags.sum()} "
               f"(score >= {det.alarm_level}); wrote {out}")
