"""The HTML report of a run folder: one self-contained page a person would rather look at.

:func:`write_report` reads what ``aekit train`` left in a run folder (``summary.json``,
``run.json``, ``metrics.json``, ``arrays/*.npy``, the model) and writes ``report.html``, with
every figure embedded as a base64 PNG: the page needs no network and no other file. The page opens
on what a person looks at first (the headline numbers, the loss curves, the reconstructions, the
latent map) and ends with the configuration, folded. Sections appear only when they apply:

- always: headline numbers, loss curves (each loss part), reconstructions (input / corrupted input /
  output, one sample per class when labels exist), the 2-D latent map (coloured by label when
  labels exist), and at the end the configuration and data summary;
- ``aekit pretrain`` runs: the backbone's feature map in place of the latent map;
- ``aekit restore`` runs: PSNR/SSIM of the corrupted input and of the restored output, and a grid
  of corrupted / restored / clean held-out images;
- evaluations (``aekit evaluate``, :mod:`aekit.runs.evaluation`): the accuracy of each protocol and
  a confusion matrix per protocol;
- VAEs (a Gaussian latent), when :mod:`aekit.models.generation` is available: prior samples,
  interpolations, the manifold grid;
- detectors: the anomaly-score histogram with its threshold, and ROC/PR curves when labels exist
  (written into the run folder by :func:`add_detector_results`);
- self-supervised runs: probe accuracies (written by :func:`add_probe_results`).

The run's own plots (``loss.png``, ``reconstructions.png`` (``restoration.png`` for restore runs),
``latent.png``) are drawn here, once each (:func:`write_run_figures` draws them for a run without a
report); the report's other figures (scores, ROC/PR, probes, confusion matrices, VAE samples) are
kept in ``RUN/figures/``.
"""

from __future__ import annotations

import base64
import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import numpy as np

from .._files import write_text
from ..training.history import History
from .figures import (
    plot_confusion_matrix,
    plot_probe_accuracies,
    plot_roc_pr,
    plot_score_histogram,
    plot_series_scores,
)
from .plots import plot_latent_scatter, plot_loss_curves, plot_reconstructions

__all__ = ["RunData", "add_detector_results", "add_probe_results", "load_run", "pick_examples", "write_report",
           "write_run_figures"]

REPORT_NAME = "report.html"
EVALUATION_FILE = "evaluation.json"
N_EXAMPLES = 10  # columns of the reconstruction grid


@dataclass
class RunData:
    """What a run folder holds for the pictures (absent parts are None)."""

    folder: Path
    summary: dict[str, Any] = field(default_factory=dict)
    run_info: dict[str, Any] = field(default_factory=dict)
    history: History = field(default_factory=History)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    detector: dict[str, Any] = field(default_factory=dict)
    probe: dict[str, float] = field(default_factory=dict)
    evaluation: dict[str, dict[str, Any]] = field(default_factory=dict)  # protocol -> accuracies, confusion
    neighbours: dict[str, list] = field(default_factory=dict)  # text runs: word -> [[neighbour, cosine], ...]

    @property
    def kind(self) -> str:
        """What wrote the folder: "train" (also detect and demo), "pretrain", "restore" or "evaluate"."""
        return str(self.summary.get("kind", "train"))


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text()) if path.is_file() else None


def _check_run_folder(run_dir: str | os.PathLike) -> Path:
    folder = Path(run_dir)
    if not folder.is_dir() or not (folder / "summary.json").is_file():
        raise FileNotFoundError(
            f"run_dir {str(folder)!r} is not a run folder (no summary.json); give a folder written by `aekit train`, "
            "`pretrain`, `restore` or `evaluate --out`"
        )
    return folder


def load_run(run_dir: str | os.PathLike) -> RunData:
    """Read a run folder written by ``aekit train`` (or :func:`aekit.runs.train_run`), ``pretrain``,
    ``restore`` or ``evaluate``.

    Examples
    --------
    >>> run = load_run("aekit-demo")  # doctest: +SKIP
    >>> run.arrays["codes"].shape  # doctest: +SKIP
    (1797, 10)
    """
    folder = _check_run_folder(run_dir)
    history = _read_json(folder / "metrics.json")
    if not isinstance(history, dict) or "records" not in history:
        # older run folders only had the model's history; a restore run's metrics.json holds its PSNR/SSIM
        history = _read_json(folder / "model" / "history.json") or {}
    arrays = {}
    for path in sorted((folder / "arrays").glob("*.npy")):
        arrays[path.stem] = np.load(path, allow_pickle=False)
    return RunData(
        folder=folder,
        summary=_read_json(folder / "summary.json") or {},
        run_info=_read_json(folder / "run.json") or {},
        history=History.from_dict(history),
        arrays=arrays,
        detector=_read_json(folder / "detector.json") or {},
        probe=_read_json(folder / "probe.json") or {},
        evaluation=_read_json(folder / EVALUATION_FILE) or {},
        neighbours=_read_json(folder / "neighbours.json") or {},
    )


def add_detector_results(
    run_dir: str | os.PathLike, scores: np.ndarray, threshold: float | None = None, labels: np.ndarray | None = None,
    top_features: dict[int, str] | None = None,
) -> None:
    """Store anomaly scores (higher = more anomalous), the threshold, optional 0/1 labels and the
    flagged rows' top features (row index -> text) in a run folder, so that its report gets the
    detector sections.

    Examples
    --------
    >>> add_detector_results("runs/cardio", scores, threshold=0.8, labels=y)  # doctest: +SKIP
    """
    folder = _check_run_folder(run_dir)
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if scores.size == 0 or not np.all(np.isfinite(scores)):
        raise ValueError("scores must be a non-empty array of finite numbers")
    (folder / "arrays").mkdir(exist_ok=True)
    if labels is not None:
        labels = np.asarray(labels).ravel()
        if labels.shape != scores.shape:
            raise ValueError(f"labels must have one entry per score ({scores.size}), got shape {labels.shape}")
        np.save(folder / "arrays" / "score_labels.npy", (labels != 0).astype(np.int8))
    np.save(folder / "arrays" / "scores.npy", scores)
    info = {"threshold": None if threshold is None else float(threshold)}
    if top_features:
        info["top_features"] = {str(int(i)): str(text) for i, text in top_features.items()}
    (folder / "detector.json").write_text(json.dumps(info, indent=2))


def add_probe_results(run_dir: str | os.PathLike, accuracies: dict[str, float]) -> None:
    """Store probe accuracies (e.g. ``{"linear probe": 0.91, "raw pixels": 0.84}``) in a run folder.

    Examples
    --------
    >>> add_probe_results("runs/rotation", {"linear probe": 0.91})  # doctest: +SKIP
    """
    folder = _check_run_folder(run_dir)
    if not isinstance(accuracies, dict) or not accuracies:
        raise TypeError(f"accuracies must be a non-empty dict of name -> accuracy, got {accuracies!r}")
    clean = {str(k): float(v) for k, v in accuracies.items()}
    (folder / "probe.json").write_text(json.dumps(clean, indent=2))


# -- HTML -----------------------------------------------------------------------------------------
_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1.5rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
.sub { color: #666; margin-top: 0; } nav a { margin-right: 0.9rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
td, th { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f5f5f5; } .cols { display: flex; flex-wrap: wrap; gap: 2rem; }
figure { margin: 0.5rem 0 1.2rem; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.88rem; }
details > summary { cursor: pointer; color: #444; margin: 0.4rem 0; }
</style>
</head>
<body>
<h1>$title</h1>
<p class="sub">$subtitle</p>
<nav>$nav</nav>
$sections
</body>
</html>
""")


def _table(rows: dict[str, Any], header: tuple[str, str] = ("", "")) -> str:
    head = f"<tr><th>{html.escape(header[0])}</th><th>{html.escape(header[1])}</th></tr>" if any(header) else ""
    body = "".join(
        f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(_fmt(v))}</td></tr>" for k, v in rows.items()
    )
    return f"<table>{head}{body}</table>"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _figure(path: Path, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _section(anchor: str, title: str, body: str) -> tuple[str, str, str]:
    return anchor, title, f'<section id="{anchor}"><h2>{html.escape(title)}</h2>\n{body}\n</section>'


def _sample_shape(run: RunData) -> tuple[int, ...] | None:
    shape = run.summary.get("sample_shape")
    return tuple(shape) if shape else None


def _model_name(run: RunData) -> str:
    s = run.summary
    return str(s.get("recipe") or s.get("method") or s.get("task") or "model")


def pick_examples(n_rows: int, n: int = N_EXAMPLES, labels: np.ndarray | None = None) -> np.ndarray:
    """Which of ``n_rows`` stored examples the reconstruction grid shows: a spread, not the first rows.

    With ``labels`` (one per stored row, or more: the first ``n_rows`` are used) the classes take
    turns in sorted order, one sample each, until ``n`` are picked, so ten classes and ``n=10``
    give one sample per class. Without labels, ``n`` evenly spaced rows (the stored rows are
    already a fixed-seed shuffle of the data).

    Examples
    --------
    >>> pick_examples(6, 3, labels=np.array([0, 0, 1, 1, 2, 2])).tolist()
    [0, 2, 4]
    >>> pick_examples(100, 5).tolist()
    [0, 25, 50, 74, 99]
    """
    n = min(int(n), int(n_rows))
    if n <= 0:
        return np.zeros(0, dtype=int)
    if labels is not None and len(labels) >= n_rows:
        labels = np.asarray(labels)[:n_rows]
        members = [np.flatnonzero(labels == c) for c in np.unique(labels)]
        picks: list[int] = []
        for depth in range(n_rows):  # round robin over the classes; ends as soon as n are picked
            picks += [int(m[depth]) for m in members if depth < len(m)][: n - len(picks)]
            if len(picks) == n:
                break
        return np.asarray(picks, dtype=int)
    return np.unique(np.linspace(0, n_rows - 1, n).round().astype(int))


# -- sections -------------------------------------------------------------------------------------
# The numbers of summary.json worth a first look, in the order they are shown.
_HEADLINE = {
    "reconstruction_mse": "reconstruction MSE (all samples)",
    "val_total": "final validation loss",
    "train_total": "final training loss",
    "accuracy": "held-out masked-token accuracy",
    "baseline_accuracy": "unigram baseline accuracy",
    "vocabulary": "vocabulary (words)",
    "auroc": "AUROC",
    "auprc": "average precision",
    "threshold": "anomaly threshold",
    "n_flagged": "flagged samples",
    "feature_dim": "feature dimension",
    "epochs_trained": "epochs",
    "best_epoch": "best epoch",
    "fit_seconds": "training time (s)",
}


def _accuracy_label(protocol: str, key: str) -> str:
    k = key.removeprefix("accuracy").removeprefix("_k")
    return f"{protocol} accuracy" + (f" (k={k})" if k else "")


def _accuracies(result: dict[str, Any]) -> dict[str, float]:
    return {k: v for k, v in result.items() if k.startswith("accuracy") and isinstance(v, (int, float))}


def _headline(run: RunData) -> tuple[str, str, str] | None:
    s = run.summary
    rows = {}
    for protocol, result in run.evaluation.items():
        rows.update({_accuracy_label(protocol, k): v for k, v in _accuracies(result).items()})
    rows.update({f"{name} accuracy": v for name, v in run.probe.items()})
    rows.update({label: s[key] for key, label in _HEADLINE.items() if s.get(key) is not None})
    parts = []
    if "psnr_restored" in s:  # a restore run: the output against the corrupted input it started from
        compare = {metric: (s.get(f"{metric.lower()}_corrupted"), s.get(f"{metric.lower()}_restored"))
                   for metric in ("PSNR", "SSIM", "MSE")}
        body = "".join(f"<tr><td>{m}</td><td>{_fmt(a)}</td><td>{_fmt(b)}</td></tr>" for m, (a, b) in compare.items())
        parts.append("<table><tr><th>against the clean images</th><th>corrupted input</th><th>restored output</th>"
                     f"</tr>{body}</table><p>PSNR in dB; means over the {s.get('n_test', '?')} held-out images.</p>")
    if rows:
        parts.append(_table(rows, ("", "value")))
    if not parts:
        return None
    return _section("headline", "Headline numbers", "\n".join(parts))


def _configuration(run: RunData) -> tuple[str, str, str]:
    s = run.summary
    data = {k: s[k] for k in ("data", "n_samples", "sample_shape") if k in s}
    labels = run.arrays.get("labels")
    if labels is not None:
        classes, counts = np.unique(labels, return_counts=True)
        data["classes (in the shown subset)"] = ", ".join(f"{c}: {n}" for c, n in zip(classes[:20], counts[:20]))
    training = {k: v for k, v in s.items() if k not in data}
    params = run.run_info.get("params", {})
    body = (f"<details><summary>{len(params)} settings, the data and every number of summary.json</summary>"
            f'<div class="cols"><div><h3>Data</h3>{_table(data)}<h3>Run</h3>{_table(training)}</div>'
            f"<div><h3>Configuration</h3>{_table(params, ('parameter', 'value'))}</div></div></details>")
    return _section("overview", "Configuration and data", body)


def _losses(run: RunData) -> tuple[str, str, str] | None:
    if not len(run.history):
        return None
    path = plot_loss_curves(run.history, run.folder / "loss.png", title=f"{_model_name(run)} loss")
    return _section("losses", "Loss curves", _figure(path, "Per-sample loss by epoch; solid = train, dashed = validation."))


# Rows of the reconstruction grid (array name -> row label) and its file, by the kind of run.
_GRID_ROWS = {
    "restore": ({"corrupted": "corrupted input", "reconstructions": "restored", "inputs": "clean"}, "restoration.png"),
    "train": ({"inputs": "input", "corrupted": "corrupted input", "reconstructions": "output"}, "reconstructions.png"),
}


def _reconstructions(run: RunData) -> tuple[str, str, str] | None:
    if "inputs" not in run.arrays or "reconstructions" not in run.arrays:
        return None
    names, filename = _GRID_ROWS.get(run.kind, _GRID_ROWS["train"])
    n_stored = len(run.arrays["inputs"])
    labels = run.arrays.get("labels")
    picked = pick_examples(n_stored, int(run.run_info.get("figures", {}).get("n_examples", N_EXAMPLES)), labels)
    rows = {label: run.arrays[name][picked] for name, label in names.items() if name in run.arrays}
    flat = {k: v.reshape(len(v), -1) for k, v in rows.items()}
    path = plot_reconstructions(flat, run.folder / filename, _sample_shape(run), n=len(picked))
    which = (f"one sample per class in turn (classes {', '.join(str(c) for c in labels[picked])})"
             if labels is not None and len(labels) >= n_stored else f"{len(picked)} samples spread over the stored ones")
    diff = run.arrays["inputs"].reshape(n_stored, -1) - run.arrays["reconstructions"].reshape(n_stored, -1)
    caption = (f"Rows: {', '.join(rows)}; columns: {which}. Mean squared error of the output over the "
               f"{n_stored} stored samples: {float(np.mean(diff ** 2)):.4g}.")
    return _section("reconstructions", "Reconstructions", _figure(path, caption))


def _latent(run: RunData) -> tuple[str, str, str] | None:
    codes = run.arrays.get("codes")
    if codes is None or len(codes) < 2:
        return None
    method = run.run_info.get("figures", {}).get("latent_method", "pca")
    features = run.kind == "pretrain"
    title = "Feature map" if features else "Latent map"
    path = plot_latent_scatter(codes, run.folder / "latent.png", run.arrays.get("labels"), method=method, title=title)
    what = f"{codes.shape[1]}-d backbone features" if features else f"{codes.shape[1]}-d code"
    how = "the code itself" if codes.shape[1] <= 2 else (
        f"the first two {'principal components' if method == 'pca' else 't-SNE coordinates'} of the {what}")
    coloured = ", coloured by label" if run.arrays.get("labels") is not None else ""
    return _section("latent", title, _figure(path, f"{len(codes)} samples placed by {how}{coloured}."))


def _evaluation(run: RunData, figdir: Path) -> tuple[str, str, str] | None:
    """The accuracy of each evaluation protocol, and its confusion matrix when predictions were kept."""
    if not run.evaluation:
        return None
    keys = list(dict.fromkeys(k for r in run.evaluation.values() for k in _accuracies(r)))
    columns = keys + ["n_train", "n_test", "feature_dim", "data"]
    names = {k: _accuracy_label("", k).strip() for k in keys}
    head = "".join(f"<th>{html.escape(names.get(c, c))}</th>" for c in ["protocol"] + columns)
    body = "".join(
        f"<tr><td>{html.escape(p)}</td>" + "".join(f"<td>{html.escape(_fmt(r.get(c, '')))}</td>" for c in columns) + "</tr>"
        for p, r in run.evaluation.items()
    )
    parts = [f"<table><tr>{head}</tr>{body}</table>"]
    for protocol, result in run.evaluation.items():
        confusion = result.get("confusion")
        if not confusion:
            continue
        confusion = np.asarray(confusion, dtype=np.int64)
        classes = [str(c) for c in result.get("classes", range(len(confusion)))]
        per_class = np.diag(confusion) / np.maximum(confusion.sum(1), 1)
        worst = int(np.argmin(per_class))
        path = plot_confusion_matrix(confusion, classes, figdir / f"confusion_{protocol}.png",
                                     title=f"{protocol}: confusion matrix")
        of = f" ({result['confusion_of']})" if result.get("confusion_of") else ""
        caption = (f"{protocol}{of}: rows are the true classes, columns the predicted ones, each row as a fraction of "
                   f"its {int(confusion.sum(1).min())}-{int(confusion.sum(1).max())} test samples; the diagonal is "
                   f"the per-class accuracy (lowest: class {classes[worst]}, {per_class[worst]:.3f}).")
        parts.append(_figure(path, caption))
    return _section("evaluation", "Evaluation", "\n".join(parts))


_TOP_ROWS = 20  # flagged rows shown with their top features


def _detector(run: RunData, figdir: Path) -> tuple[str, str, str] | None:
    scores = run.arrays.get("scores")
    if scores is None:
        return None
    labels = run.arrays.get("score_labels")
    threshold = run.detector.get("threshold")
    parts = []
    series = run.arrays.get("series")
    if series is not None:  # a detect-series run: the scores in time first (of a long series, its start)
        n_train, n = run.summary.get("n_train"), min(len(series), len(scores))
        shown_labels = None if labels is None else labels[:n]
        parts.append(_figure(plot_series_scores(series[:n], scores[:n], figdir / "series_scores.png", threshold,
                                                shown_labels, n_train=n_train),
                             "The series and its per-step anomaly score; red dots: flagged steps"
                             + ("; shaded: labelled anomalies" if labels is not None else "")
                             + ("; dotted line: end of the training part." if n_train and n_train < n else ".")))
    parts.append(_figure(plot_score_histogram(scores, figdir / "scores.png", threshold, labels),
                         "Distribution of anomaly scores" + (" with the decision threshold." if threshold is not None
                                                             else ".")))
    if labels is not None and 0 < int(np.sum(labels != 0)) < len(labels):
        path, metrics = plot_roc_pr(scores, labels, figdir / "roc_pr.png")
        parts.append(_table({"AUROC": metrics["auroc"], "average precision": metrics["average_precision"]}))
        parts.append(_figure(path, "ROC and precision-recall curves against the given labels."))
    top = run.detector.get("top_features") or {}
    if top:  # the highest-scoring flagged rows first
        shown = sorted(top, key=lambda i: -scores[int(i)])[:_TOP_ROWS]
        rows = {f"row {i} (score {scores[int(i)]:.3g})": top[i] for i in shown}
        parts.append(f"<h3>Why the top flagged rows were flagged</h3>{_table(rows, ('row', 'top features (contribution)'))}"
                     f"<p>{len(shown)} of {len(top)} flagged rows; every flagged row is in scores.csv.</p>")
    return _section("detector", "Anomaly detection", "\n".join(parts))


def _probe(run: RunData, figdir: Path) -> tuple[str, str, str] | None:
    if not run.probe:
        return None
    path = plot_probe_accuracies(run.probe, figdir / "probe.png")
    body = _table(run.probe, ("probe", "accuracy")) + _figure(path, "Accuracy of classifiers trained on the frozen features.")
    return _section("probe", "Probe accuracies", body)


def _neighbours(run: RunData) -> tuple[str, str, str] | None:
    if not run.neighbours:
        return None
    rows = {word: ", ".join(f"{n} ({s:.2f})" for n, s in found) for word, found in run.neighbours.items()}
    return _section("neighbours", "Nearest neighbours", _table(rows, ("word", "nearest words (cosine)")))


def _is_vae(estimator: Any) -> bool:
    latent = getattr(getattr(estimator, "model_", None), "latent", None)
    return getattr(latent, "name", None) == "gaussian"


def _vae(run: RunData, figdir: Path, estimator: Any) -> tuple[str, str, str] | None:
    """Prior samples, interpolations and the manifold grid, from :mod:`aekit.models.generation`."""
    if not _is_vae(estimator):
        return None
    from .vae_sections import vae_figures  # needs the generation module; None when it is absent

    figures = vae_figures(run, figdir, estimator)
    if not figures:
        return None
    return _section("vae", "Generation", "\n".join(_figure(p, c) for p, c in figures))


def run_autoencoder(folder: str | os.PathLike) -> Any:
    """The autoencoder of a run folder: its model, or a detector run's first member."""
    from ..estimators import AnomalyDetector, Autoencoder

    model_dir = Path(folder) / "model"
    config = _read_json(model_dir / "config.json") or {}
    if config.get("estimator") == AnomalyDetector.__name__:
        return getattr(AnomalyDetector.load(model_dir), "estimators_", [None])[0]  # None: one batched network
    return Autoencoder.load(model_dir)


def _load_estimator(folder: Path) -> Any:
    if not (folder / "model" / "config.json").is_file():
        return None
    try:
        return run_autoencoder(folder)
    except Exception:  # noqa: BLE001 - a model this build cannot read still gets the other sections
        return None


_TITLES = {"train": "aekit run", "pretrain": "aekit pretrain", "restore": "aekit restore",
           "evaluate": "aekit evaluate", "detect-series": "aekit detect-series", "word2vec": "aekit word2vec",
           "masked-lm": "aekit masked-lm"}


def _title(run: RunData) -> tuple[str, str]:
    s = run.summary
    subject = s.get("model") if run.kind == "evaluate" else _model_name(run)
    title = f"{_TITLES.get(run.kind, 'aekit run')}: {subject} on {s.get('data', 'data')}"
    facts = []
    if s.get("epochs_trained") is not None:
        facts.append(f"{s['epochs_trained']} epochs")
    if s.get("latent_dim") is not None:
        facts.append(f"latent dimension {s['latent_dim']}")
    facts.append(f"aekit {run.run_info.get('aekit_version', '?')}")
    return title, ", ".join(facts)


def write_run_figures(run_dir: str | os.PathLike) -> list[Path]:
    """Draw a run folder's own plots (loss curves, reconstructions, latent map) without the page.

    What a run written with ``report=False`` gets; :func:`write_report` draws the same files.
    """
    run = load_run(run_dir)
    for draw in (_losses, _reconstructions, _latent):
        draw(run)
    names = ("loss.png", _GRID_ROWS.get(run.kind, _GRID_ROWS["train"])[1], "latent.png")
    return [run.folder / name for name in names if (run.folder / name).is_file()]


def write_report(run_dir: str | os.PathLike, out: str | os.PathLike | None = None, *, estimator: Any = None) -> Path:
    """Write the self-contained HTML report of a run folder and return its path.

    The page opens on the headline numbers, the loss curves, the reconstructions and the latent
    map; the configuration comes last, folded.

    Parameters
    ----------
    run_dir : path
        A folder written by ``aekit train`` / ``demo`` / ``pretrain`` / ``restore`` / ``evaluate --out``
        or :func:`aekit.runs.train_run`.
    out : path, optional
        Where to write the page; ``RUN_DIR/report.html`` by default.
    estimator : Autoencoder, optional
        The fitted model, when at hand; else it is loaded from ``RUN_DIR/model`` if a section needs it.

    Examples
    --------
    >>> from aekit.viz import write_report
    >>> write_report("aekit-demo")  # doctest: +SKIP
    PosixPath('aekit-demo/report.html')
    """
    run = load_run(run_dir)
    figdir = run.folder / "figures"  # created by the first figure drawn into it
    if estimator is None and run.summary.get("recipe") is not None:
        estimator = _load_estimator(run.folder)
    sections = [_headline(run), _evaluation(run, figdir), _losses(run), _reconstructions(run), _latent(run),
                _vae(run, figdir, estimator), _detector(run, figdir), _probe(run, figdir), _neighbours(run),
                _configuration(run)]
    sections = [s for s in sections if s is not None]
    title, subtitle = _title(run)
    page = _PAGE.substitute(
        title=html.escape(title),
        subtitle=html.escape(subtitle),
        nav="".join(f'<a href="#{a}">{html.escape(t)}</a>' for a, t, _ in sections),
        sections="\n".join(body for _, _, body in sections),
    )
    target = Path(out) if out is not None else run.folder / REPORT_NAME
    write_text(target, page)
    return target
