"""``aekit detect``: anomaly scores and flags for a data set, written to CSV."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from .app import common_options, limit_bundle, limit_rows, load_data_arg, main, parse_ints, parse_options, refuse_existing, verbosity
from .types import RegistryChoice


_TABLE_SUFFIXES = (".csv", ".tsv", ".txt")


def _is_table(source: str) -> bool:
    path = Path(source).expanduser()
    return path.suffix.lower() in _TABLE_SUFFIXES and path.is_file()


def _read_table(source: str, label_column, as_text: bool):
    """A table file as ``(cells, column names, DataBundle for name and labels)``.

    A table of numbers is read by read_csv's fast parser; text or missing cells make read_csv
    refuse, and read_table reads the cells as strings. ``as_text`` reads strings only, so that a
    category "1" of a fitted text column stays "1". The detector encodes the cells itself
    (its ``encoder_`` is saved with it, and explanations name the file's columns).
    """
    from ..data import DataBundle, read_csv, read_table
    from ..data.tables import read_column_names

    name = Path(source).name
    if not as_text:
        try:
            bundle = read_csv(source, label_column)
            return bundle.X, read_column_names(source, label_column), bundle
        except ValueError:
            pass  # read_table reads it, or says what is wrong with it
    cells, names, labels = read_table(source, label_column)
    return cells, names, DataBundle(np.zeros((len(cells), 1), np.float32), labels, name)


@main.command()
@click.argument("data")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="CSV of index, score, anomaly flag.")
@click.option("--score-data", default=None, help="Score this data instead of the training data.")
@click.option("--recipe", type=RegistryChoice("recipe"), default="deep", show_default=True,
              help="Autoencoder recipe (vae for elbo/iwae).")
@click.option("--score", "score_kind", type=click.Choice(["reconstruction", "elbo", "iwae", "latent"]),
              default="reconstruction", show_default=True)
@click.option("--contamination", type=click.FloatRange(0, 0.5, min_open=True), default=0.1, show_default=True)
@click.option("--estimators", type=click.IntRange(min=1), default=None,
              help="Ensemble size (default: AnomalyDetector's n_estimators).")
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="Epochs (default: AnomalyDetector's).")
@click.option("--latent-dim", type=click.IntRange(min=1), default=None, help="Code size (default: sized from the data).")
@click.option("--hidden-dims", default=None, help="MLP widths, e.g. 64,32 (default: sized from the data).")
@click.option("--batch-size", type=click.IntRange(min=1), default=None, help="Default: AnomalyDetector's.")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=None, help="Default: AnomalyDetector's.")
@click.option("--option", "options", multiple=True, metavar="KEY=VALUE",
              help="Any other AnomalyDetector parameter, value as JSON (repeatable), e.g. --option n_neighbors=0.")
@click.option("--label-column", default=None, help="CSV column with 0/1 labels: reported, never used to train.")
@click.option("--missing", type=click.Choice(["error", "impute"]), default="error", show_default=True,
              help="Missing cells of a table (empty, NA, NaN, null, ?, ...): stop with an error naming the first, "
                   "or impute: numeric columns get the training median, text columns a 'missing' category.")
@click.option("--unseen", type=click.Choice(["ignore", "error"]), default="ignore", show_default=True,
              help="A text value of --score-data not in DATA: ignore (no category column set, so the row looks "
                   "unusual) or stop with an error.")
@click.option("--run-dir", type=click.Path(path_type=Path), default=None,
              help="Also write a run folder: the detector (model/), plots, scores.csv and report.html with the "
                   "score histogram, the threshold and ROC/PR curves when labels exist.")
@common_options("limit", "seed", "device", "quiet", "verbose", "overwrite")
def detect(data, out, score_data, recipe, score_kind, contamination, estimators, epochs, latent_dim, hidden_dims,
           batch_size, lr, options, label_column, missing, unseen, run_dir, limit, seed, device, quiet, verbose,
           overwrite) -> None:
    """Fit an anomaly detector on DATA (unsupervised) and write scores and 0/1 flags to CSV.

    A table (.csv/.tsv/.txt) may hold text columns, which are one-hot encoded, and missing cells
    (see --missing).

    Example:

    \b
        aekit detect transactions.csv --out scores.csv --run-dir runs/fraud
        aekit detect train.csv --score-data new.csv --label-column is_fraud --out scores.csv
    """
    from sklearn.utils._param_validation import InvalidParameterError

    from .._files import check_target
    from ..estimators import AnomalyDetector
    from ..evaluation.metrics import auprc, auroc
    from ..runs.folders import RUN_FORMAT, RUN_MARKER, detect_run, flagged_top_features, write_scores_csv

    given = {"n_estimators": estimators, "epochs": epochs, "latent_dim": latent_dim,
             "hidden_dims": parse_ints(hidden_dims, "--hidden-dims"), "batch_size": batch_size, "lr": lr}
    params = {k: v for k, v in given.items() if v is not None}
    extra = parse_options(options)
    unknown = sorted(set(extra) - set(AnomalyDetector().get_params()))
    if unknown:
        raise ValueError(f"--option: AnomalyDetector has no parameter {unknown[0]!r}; its parameters are "
                         f"{sorted(AnomalyDetector().get_params())}")
    chosen = dict(recipe=recipe, score=score_kind, contamination=contamination, missing=missing, unseen=unseen,
                  random_state=seed, device=device, verbose=verbosity(quiet, verbose))
    det = AnomalyDetector(**{**chosen, **params, **extra})  # --option overrides the named options
    if out.suffix.lower() != ".csv":
        raise ValueError(f"--out must end in .csv, got {out.name!r}")
    refuse_existing(out, overwrite)
    if run_dir is not None:  # refuse before training, not after
        check_target(run_dir, overwrite, RUN_MARKER, RUN_FORMAT, "--run-dir")
    if label_column is not None and label_column.isdigit():
        label_column = int(label_column)
    fit_input, names = None, None
    if _is_table(data):
        fit_input, names, train = _read_table(data, label_column, as_text=False)
        fit_input, train = limit_rows(fit_input, limit), limit_bundle(train, limit)
    else:
        train = load_data_arg(data, "train", label_column, limit)
    target, score_input = train, fit_input
    if score_data is not None:
        if _is_table(score_data):
            text = fit_input is not None and fit_input.dtype == object
            score_input, _, target = _read_table(score_data, label_column, as_text=text)
        else:
            target = load_data_arg(score_data, "train", label_column)
            score_input = None
    try:
        if run_dir is not None:
            _, scores = detect_run(train, det, run_dir, score_data=None if score_data is None else target,
                                   overwrite=overwrite, fit_input=fit_input, score_input=score_input,
                                   column_names=names)
        else:
            det.fit(train.flat() if fit_input is None else fit_input, column_names=names)
            X_scored = target.flat() if score_input is None else score_input
            scores = det.decision_function(X_scored) if score_data is not None else det.decision_scores_
    except InvalidParameterError:
        raise  # a parameter's problem, not the data's: its message names the parameter
    except ValueError as err:  # the table's own problems (missing cells, unseen categories) in CLI terms
        source = data if not hasattr(det, "decision_scores_") else (score_data or data)
        hint = str(err).replace("missing='impute'", "--missing impute").replace("unseen='ignore'", "--unseen ignore")
        raise ValueError(f"'{Path(source).name}': {hint}") from None
    flags = (scores > det.threshold_).astype(int)
    out.parent.mkdir(parents=True, exist_ok=True)
    X_scored = score_input if score_input is not None else target.flat()
    write_scores_csv(out, scores, flags, target.y, flagged_top_features(det, X_scored, flags))
    click.echo(f"flagged {flags.sum()} of {len(flags)} samples (threshold {det.threshold_:.4g}); wrote {out}")
    if target.y is not None and set(np.unique(target.y)) <= {0, 1} and len(np.unique(target.y)) == 2:
        click.echo(f"against the labels: AUROC {auroc(target.y, scores):.4f}, AUPRC {auprc(target.y, scores):.4f}")
    if run_dir is not None:
        click.echo(f"run folder with the detector and report.html: {run_dir}/")
