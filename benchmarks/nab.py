"""The Numenta Anomaly Benchmark (NAB) with aekit's streaming detector.

Runs :class:`aekit.estimators.streaming.StreamingAnomalyDetector` (default settings) on every CSV
under ``--data-dir`` (NAB's data layout: ``<category>/<name>.csv`` with ``timestamp,value``), each
file as a stream with NAB's probationary period (the first ``min(floor(0.15 n), 750)`` rows, which
NAB hands every detector). It writes NAB's results format, one CSV per file at the same relative
path under ``--out`` (``timestamp,value,anomaly_score``). No labels are needed for that.

With labels (``--labels``, default ``combined_windows.json`` beside or above the data folder) it
scores the results with :func:`aekit.evaluation.nab_score` and prints the normalised scores per
category and in total for NAB's three profiles, at the one threshold that maximises each profile's
total over the files scored (NAB's sweep), or at ``--threshold``. Published baselines in a
``baselines`` folder beside the data are scored over the same files: detectors with per-step
scores (``baselines/<detector>/``) under the same sweep, the others from their published per-file
standard scores (at their published thresholds). It also times a rolling-Gaussian detector (NAB's
windowed Gaussian: z-score against the last 6400 values, statistics refreshed every 100 rows) on
the same streams, for the time ratio.

    python benchmarks/nab.py --data-dir ../shared/datasets/nab/data --out /tmp/nab_results
    python benchmarks/nab.py ... --fold A          # alternate files in sorted order: 0, 2, 4, ...
    python benchmarks/nab.py ... --quick           # the first file of each category
    python benchmarks/nab.py ... --cv              # two-fold protocol over CV_GRID (out-of-fold scores)
    python benchmarks/nab.py ... --plot realKnownCause/nyc_taxi.csv --plot-out docs/images/nab_nyc_taxi.png
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.special import ndtr

from aekit._files import replace_file
from aekit.estimators.streaming import StreamingAnomalyDetector
from aekit.evaluation.nab import nab_score, probationary_length
from aekit.evaluation.nab_io import read_nab_labels, read_nab_series

PROFILES = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")
SHORT = {"standard": "standard", "reward_low_FP_rate": "low FP", "reward_low_FN_rate": "low FN"}
DETECTOR = "aekit streaming"


def read_stream(path: Path) -> tuple[list[str], np.ndarray]:
    """The ``timestamp`` strings and ``value`` numbers of one NAB data file."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        rows = list(reader)
    if header is None or "timestamp" not in header or "value" not in header:
        raise ValueError(f"{str(path)!r} must be a CSV with 'timestamp' and 'value' columns, got header {header}")
    t_col, v_col = header.index("timestamp"), header.index("value")
    try:
        values = np.array([float(row[v_col]) for row in rows], dtype=np.float64)
    except (ValueError, IndexError) as err:
        raise ValueError(f"'value' of {str(path)!r} must be a number on every row: {err}") from None
    return [row[t_col] for row in rows], values


def stream_files(data_dir: Path, fold: str, quick: bool) -> list[str]:
    """File keys (``<category>/<name>.csv``) in sorted order; fold A/B alternate in that order."""
    keys = sorted(p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*.csv"))
    if not keys:
        raise ValueError(f"no .csv files under --data-dir {str(data_dir)!r}")
    if fold != "all":
        keys = keys[0::2] if fold == "A" else keys[1::2]
    if quick:  # the first file of each category
        seen, first = set(), []
        for key in keys:
            category = key.rsplit("/", 1)[0] if "/" in key else ""
            if category not in seen:
                seen.add(category)
                first.append(key)
        keys = first
    return keys


def rolling_gaussian_scores(values: np.ndarray, window: int = 6400, step: int = 100) -> np.ndarray:
    """NAB's windowed-Gaussian baseline, row by row: two-sided tail of the z-score against the
    last ``window`` values, mean and deviation refreshed every ``step`` rows."""
    scores = np.zeros(len(values))
    mean, std = 0.0, 1.0
    for t, value in enumerate(values):
        if t % step == 0 and t:
            past = values[max(0, t - window):t]
            mean, std = float(past.mean()), float(past.std()) or 1.0
        scores[t] = 1.0 - 2.0 * float(ndtr(-abs(value - mean) / std)) if t else 0.0
    return scores


def write_result(path: Path, timestamps: list[str], values: np.ndarray, scores: np.ndarray) -> None:
    """NAB's result CSV, written to a temporary file then renamed (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["timestamp", "value", "anomaly_score"])
            writer.writerows(zip(timestamps, values.tolist(), scores.tolist()))
        replace_file(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_streams(data_dir: Path, out: Path | None, keys: list[str], params: dict | None = None,
                time_gaussian: bool = True) -> tuple[dict, float, float]:
    """Score every file with ``StreamingAnomalyDetector(**params)``; write the results under ``out``
    (unless None). Returns results (key -> (timestamps, scores)), our seconds, the Gaussian's seconds."""
    results, ours, gaussian = {}, 0.0, 0.0
    for key in keys:
        timestamps, values = read_stream(data_dir / key)
        start = time.perf_counter()
        scores = StreamingAnomalyDetector(**(params or {})).score_stream(values, probation=probationary_length(len(values)))
        ours += time.perf_counter() - start
        if time_gaussian:
            start = time.perf_counter()
            rolling_gaussian_scores(values)
            gaussian += time.perf_counter() - start
        if out is not None:
            write_result(out / key, timestamps, values, scores)
        results[key] = (np.asarray(timestamps, dtype="datetime64[us]"), scores)
    return results, ours, gaussian


def baseline_rows(baselines: Path, keys: list[str], labels: dict) -> dict[str, dict[str, dict[str, float]]]:
    """detector -> profile -> {category or 'total': normalised score} over the files in ``keys``."""
    rows: dict[str, dict[str, dict[str, float]]] = {}
    for folder in sorted(p for p in baselines.iterdir() if p.is_dir()):
        if all((folder / key).is_file() for key in keys):
            results = {key: read_nab_series(folder / key) for key in keys}
            rows[folder.name] = {p: summary(nab_score(results, labels, p)) for p in PROFILES}
    for table in sorted(baselines.glob("*_standard_scores.csv")):
        name = table.name[: -len("_standard_scores.csv")]
        if name in rows or name == "null":
            continue
        with open(table, newline="", encoding="utf-8") as fh:
            per_file = {r["File"]: float(r["Score"]) for r in csv.DictReader(fh) if r["Profile"] == "standard"}
        if all(key in per_file for key in keys):
            rows[name] = {"standard": published_summary(per_file, keys, labels)}
    return rows


def published_summary(per_file: dict[str, float], keys: list[str], labels: dict) -> dict[str, float]:
    """Normalised standard scores from published raw per-file scores (null: -1, perfect: +1 per window)."""
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(key.rsplit("/", 1)[0], []).append(key)
    groups["total"] = keys

    def normalised(files):
        windows = sum(len(labels[k]) for k in files)
        return 100.0 * (sum(per_file[k] for k in files) + windows) / (2 * windows) if windows else float("nan")

    return {group: normalised(files) for group, files in groups.items()}


def summary(report) -> dict[str, float]:
    out = {category: group.normalised for category, group in report.categories.items()}
    out["total"] = report.score
    return out


def cell(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.1f}"  # n/a: a category without windows has no scale


def print_tables(ours: dict, baselines: dict, thresholds: dict) -> None:
    columns = [c for c in ours["standard"] if c != "total"] + ["total"]
    for profile in PROFILES:
        print(f"\n### {SHORT[profile]} profile (threshold for {DETECTOR}: {thresholds[profile]:.6g})\n")
        print("| detector | " + " | ".join(columns) + " |")
        print("|---" * (len(columns) + 1) + "|")
        for name, table in [(DETECTOR, ours), *baselines.items()]:
            if profile in table:
                cells = [cell(table[profile].get(c, float("nan"))) for c in columns]
                print(f"| {name} | " + " | ".join(cells) + " |")


# The two-fold protocol's grid (--cv): the knobs that are not HTM's published constants (window,
# suppression, alarm level), two values each; the likelihood's history (8640), short window (10),
# learning period and the range tolerance (0.05) stay at HTM's values. Kept small: each setting
# runs the detector on every file.
CV_GRID = {"window": [5, 10], "suppress": [0.1, 0.2], "alarm_level": [0.3, 0.5]}


def _raw_total(reports) -> float:
    """Normalised score of several reports' files together (their raw sums, then NAB's normalisation)."""
    score, null, perfect = (sum(getattr(r.total, f) for r in reports) for f in ("score", "null_score", "perfect_score"))
    return 100.0 * (score - null) / (perfect - null)


def cross_validate(data_dir: Path, out: Path, keys: list[str], labels: dict, grid: dict) -> dict:
    """NAB's two-fold protocol: choose the setting on fold A, score fold B with it, and the reverse.

    Returns and prints, per profile, the out-of-fold score of all files (each file scored with the
    setting chosen on the other fold) at one threshold swept over all of them (``swept``), and with
    each fold at the threshold swept on the other fold with the setting chosen there (``strict``:
    nothing about a file is chosen on it). The out-of-fold results are written under ``out``.
    """
    settings = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    folds = {"A": keys[0::2], "B": keys[1::2]}
    runs, fold_scores = [], []
    for params in settings:
        results, seconds, _ = run_streams(data_dir, None, keys, params, time_gaussian=False)
        reports = {f: nab_score({k: results[k] for k in folds[f]}, labels, "standard") for f in folds}
        runs.append(results)
        fold_scores.append(reports)
        print(f"{params}: fold A {reports['A'].score:.1f}, fold B {reports['B'].score:.1f} ({seconds:.0f} s)", flush=True)
    chosen = {f: max(range(len(settings)), key=lambda i: fold_scores[i][f].score) for f in folds}  # first on a tie
    other = {"A": "B", "B": "A"}
    for f in folds:
        print(f"chosen on fold {f}: {settings[chosen[f]]} (fold {f} {fold_scores[chosen[f]][f].score:.1f}, "
              f"used to choose) -> fold {other[f]} {fold_scores[chosen[f]][other[f]].score:.1f} (out of fold)")
    print("both folds chose the same setting" if chosen["A"] == chosen["B"] else "the folds chose different settings")
    oof = {k: runs[chosen[other[f]]][k] for f in folds for k in folds[f]}
    summary_rows = {}
    for profile in PROFILES:
        swept = nab_score(oof, labels, profile).score
        strict = [nab_score({k: oof[k] for k in folds[f]}, labels, profile,
                            threshold=nab_score({k: runs[chosen[other[f]]][k] for k in folds[other[f]]}, labels,
                                                profile).threshold) for f in folds]
        summary_rows[profile] = {"swept": swept, "strict": _raw_total(strict)}
        print(f"out of fold, all {len(keys)} files, {SHORT[profile]}: {swept:.1f} (one threshold swept over them), "
              f"{summary_rows[profile]['strict']:.1f} (each fold at the other fold's threshold)")
    for key, (_, scores) in oof.items():
        write_result(out / key, *read_stream(data_dir / key), scores)
    return {"settings": settings, "chosen": chosen, "oof": summary_rows}


def find_beside(data_dir: Path, name: str) -> Path | None:
    for folder in (data_dir, data_dir.parent):
        if (folder / name).exists():
            return folder / name
    return None


def plot_stream(data_dir: Path, key: str, results_dir: Path, labels: dict | None, threshold: float, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    timestamps, values = read_stream(data_dir / key)
    scores = read_nab_series(results_dir / key).scores
    ts = np.asarray(timestamps, dtype="datetime64[us]")
    probation = probationary_length(len(values))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 5), sharex=True, height_ratios=[2, 1])
    top.plot(ts, values, lw=0.6, color="0.2")
    for ax in (top, bottom):
        ax.axvspan(ts[0], ts[probation - 1], color="0.85", lw=0, label="probation" if ax is top else None)
        for i, (start, end) in enumerate((labels or {}).get(key, [])):
            ax.axvspan(start, end, color="tab:orange", alpha=0.3, lw=0, label="labelled window" if ax is top and not i else None)
    hits = np.flatnonzero(scores >= threshold)
    hits = hits[hits >= probation]
    top.scatter(ts[hits], values[hits], color="tab:red", zorder=3, s=25, label="detection")
    top.set_ylabel("value")
    top.legend(loc="upper left", fontsize=8)
    top.set_title(f"{key}: aekit streaming detector")
    bottom.plot(ts, scores, lw=0.7, color="tab:blue")
    bottom.axhline(threshold, color="tab:red", lw=0.8, ls="--", label=f"threshold {threshold:.3g}")
    bottom.set_ylabel("anomaly score")
    bottom.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".png")
    os.close(fd)
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    replace_file(tmp, out)
    print(f"wrote {out}")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True, help="folder of NAB-format CSVs (<category>/<name>.csv)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the result CSVs (same relative paths)")
    parser.add_argument("--labels", type=Path, default=None,
                        help="NAB's combined_windows.json (default: found beside or above --data-dir; none: no scoring)")
    parser.add_argument("--baselines", type=Path, default=None, help="folder of published baselines (default: found likewise)")
    parser.add_argument("--fold", choices=["A", "B", "all"], default="all",
                        help="A: files 0, 2, 4, ... in sorted order; B: the others (--cv uses both)")
    parser.add_argument("--cv", action="store_true",
                        help="two-fold protocol: choose among CV_GRID's settings on fold A and score fold B, and the "
                             "reverse; writes the out-of-fold results (needs labels)")
    parser.add_argument("--quick", action="store_true", help="only the first file of each category")
    parser.add_argument("--threshold", type=float, default=None, help="fixed detection threshold (default: NAB's sweep)")
    parser.add_argument("--overwrite", action="store_true", help="replace result files already in --out")
    parser.add_argument("--plot", default=None, metavar="KEY", help="also plot this file, e.g. realKnownCause/nyc_taxi.csv")
    parser.add_argument("--plot-out", type=Path, default=None, help="PNG path for --plot")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.data_dir.is_dir():
        raise SystemExit(f"--data-dir {str(args.data_dir)!r} is not a folder")
    if args.plot and not args.plot_out:
        raise SystemExit("--plot needs --plot-out PNG")
    if args.cv and (args.fold != "all" or args.plot or args.threshold is not None):
        raise SystemExit("--cv runs both folds itself and sweeps the thresholds: drop --fold, --threshold and --plot")
    keys = stream_files(args.data_dir, args.fold, args.quick)
    if args.plot and args.plot not in keys:
        keys.append(args.plot)
    existing = [k for k in keys if (args.out / k).exists()]
    if existing and not args.overwrite:
        raise SystemExit(f"{len(existing)} result file(s) already exist under {str(args.out)!r} (e.g. {existing[0]}); "
                         "pass --overwrite to replace them")
    if args.cv:
        labels_path = args.labels or find_beside(args.data_dir, "combined_windows.json")
        if labels_path is None:
            raise SystemExit("--cv chooses settings by their NAB scores: it needs labels (--labels combined_windows.json)")
        labels = read_nab_labels(labels_path)
        unlabelled = [k for k in keys if k not in labels]
        if unlabelled or len(keys) < 2:
            raise SystemExit(f"--cv needs labels for at least two files and for every file; {len(unlabelled)} have none "
                             f"(e.g. {unlabelled[:1]})")
        cross_validate(args.data_dir, args.out, keys, labels, CV_GRID)
        return 0
    results, ours, gaussian = run_streams(args.data_dir, args.out, keys)
    rows = sum(len(r[1]) for r in results.values())
    print(f"{len(keys)} streams, {rows} rows: {ours:.2f} s ({ours / len(keys):.3f} s per stream); rolling Gaussian "
          f"{gaussian:.2f} s; time ratio {ours / gaussian:.1f}x. Results in {args.out}")
    labels_path = args.labels or find_beside(args.data_dir, "combined_windows.json")
    if labels_path is None:
        print("no labels (combined_windows.json) found: scores written, not scored")
        return 0
    labels = read_nab_labels(labels_path)
    scored = [k for k in keys if k in labels]
    if not scored:
        print(f"the labels {str(labels_path)!r} name none of these files: not scored")
        return 0
    ours_rows, thresholds = {}, {}
    for profile in PROFILES:
        report = nab_score({k: results[k] for k in scored}, labels, profile, threshold=args.threshold)
        ours_rows[profile], thresholds[profile] = summary(report), report.threshold
    baselines_dir = args.baselines or find_beside(args.data_dir, "baselines")
    baselines = baseline_rows(baselines_dir, scored, labels) if baselines_dir else {}
    print(f"\nNAB normalised scores, {len(scored)} files ({args.fold if args.fold != 'all' else 'all files'}"
          f"{', quick' if args.quick else ''}); baselines with per-step scores swept on the same files, the others at "
          "their published thresholds")
    print_tables(ours_rows, baselines, thresholds)
    if args.plot:
        plot_stream(args.data_dir, args.plot, args.out, labels, thresholds["standard"], args.plot_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
