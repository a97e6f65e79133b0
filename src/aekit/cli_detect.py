"""``aekit detect``: anomaly scores and flags for a data set, written to CSV."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from .cli import _load, main


@main.command()
@click.argument("data")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="CSV of index, score, anomaly flag.")
@click.option("--score-data", default=None, help="Score this data instead of the training data.")
@click.option("--recipe", default="deep", show_default=True, help="Autoencoder recipe (vae for elbo/iwae).")
@click.option("--score", "score_kind", type=click.Choice(["reconstruction", "elbo", "iwae", "latent"]),
              default="reconstruction", show_default=True)
@click.option("--contamination", type=click.FloatRange(0, 0.5, min_open=True), default=0.1, show_default=True)
@click.option("--estimators", type=click.IntRange(min=1), default=1, show_default=True, help="Ensemble size.")
@click.option("--epochs", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--label-column", default=None, help="CSV column with 0/1 labels: reported, never used to train.")
@click.option("--run-dir", type=click.Path(path_type=Path), default=None,
              help="Also write a run folder: the detector (model/), plots, scores.csv and report.html with the "
                   "score histogram, the threshold and ROC/PR curves when labels exist.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file or aekit run folder.")
def detect(data, out, score_data, recipe, score_kind, contamination, estimators, epochs, label_column, run_dir,
           seed, overwrite) -> None:
    """Fit an anomaly detector on DATA (unsupervised) and write scores and 0/1 flags to CSV."""
    from ._files import check_target
    from .estimators import AnomalyDetector
    from .evaluation.metrics import auprc, auroc
    from .run import RUN_FORMAT, RUN_MARKER, detect_run, write_scores_csv

    if out.suffix.lower() != ".csv":
        raise ValueError(f"--out must end in .csv, got {out.name!r}")
    if out.exists() and not overwrite:
        raise FileExistsError(f"{str(out)!r} already exists; pass --overwrite to replace it")
    if run_dir is not None:  # refuse before training, not after
        check_target(run_dir, overwrite, RUN_MARKER, RUN_FORMAT, "--run-dir")
    if label_column is not None and label_column.isdigit():
        label_column = int(label_column)
    train = _load(data, "train", label_column)
    target = train if score_data is None else _load(score_data, "train", label_column)
    det = AnomalyDetector(recipe, score=score_kind, contamination=contamination, n_estimators=estimators,
                          epochs=epochs, random_state=seed)
    if run_dir is not None:
        _, scores = detect_run(train, det, run_dir, score_data=None if score_data is None else target,
                               overwrite=overwrite)
    else:
        det.fit(train.flat())
        scores = det.decision_function(target.flat()) if score_data is not None else det.decision_scores_
    flags = (scores > det.threshold_).astype(int)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_scores_csv(out, scores, flags, target.y)
    click.echo(f"flagged {flags.sum()} of {len(flags)} samples (threshold {det.threshold_:.4g}); wrote {out}")
    if target.y is not None and set(np.unique(target.y)) <= {0, 1} and len(np.unique(target.y)) == 2:
        click.echo(f"against the labels: AUROC {auroc(target.y, scores):.4f}, AUPRC {auprc(target.y, scores):.4f}")
    if run_dir is not None:
        click.echo(f"run folder with the detector and report.html: {run_dir}/")
