"""benchmarks/nab.py runs on any folder of NAB-format CSVs: results without labels, scores with them."""

import csv
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

_spec = importlib.util.spec_from_file_location("nab_benchmark", Path(__file__).resolve().parents[1] / "benchmarks" / "nab.py")
nab_benchmark = importlib.util.module_from_spec(_spec)
sys.modules["nab_benchmark"] = nab_benchmark
_spec.loader.exec_module(nab_benchmark)


def _write_stream(path: Path, n: int, spike: int | None, seed: int) -> list[str]:
    stamps = [str(t).replace("T", " ") for t in np.arange("2020-01-01T00:00", n * 5, 5, dtype="datetime64[m]")]
    values = np.sin(np.arange(n) / 8.0) + 0.05 * np.random.default_rng(seed).normal(size=n)
    if spike is not None:
        values[spike] += 3.0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([["timestamp", "value"], *zip(stamps, values.round(6).tolist())])
    return stamps


@pytest.mark.slow  # two streams of 400 rows, row by row (~0.5 s)
def test_results_are_written_without_labels_then_scored_with_them(tmp_path, capsys):
    data = tmp_path / "data"
    stamps = _write_stream(data / "catA" / "one.csv", 400, spike=300, seed=0)
    _write_stream(data / "catB" / "two.csv", 400, spike=None, seed=1)
    out = tmp_path / "results"
    assert nab_benchmark.main(["--data-dir", str(data), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "2 streams, 800 rows" in printed and "no labels (combined_windows.json) found" in printed
    rows = list(csv.DictReader((out / "catA" / "one.csv").open()))
    assert len(rows) == 400 and list(rows[0]) == ["timestamp", "value", "anomaly_score"]
    scores = np.array([float(r["anomaly_score"]) for r in rows])
    assert np.all(scores[:60] == 0) and int(np.argmax(scores)) == 300  # probation: 15% of 400 rows
    assert (out / "catB" / "two.csv").is_file()
    with pytest.raises(SystemExit, match="already exist"):  # results are not overwritten unasked
        nab_benchmark.main(["--data-dir", str(data), "--out", str(out)])

    labels = tmp_path / "combined_windows.json"
    labels.write_text(json.dumps({"catA/one.csv": [[stamps[295], stamps[310]]], "catB/two.csv": []}))
    assert nab_benchmark.main(["--data-dir", str(data), "--out", str(out), "--labels", str(labels), "--overwrite"]) == 0
    printed = capsys.readouterr().out
    # found on row 300, the 6th of the window's 16 rows, no false positive: 100 * (s(-11/16) / s(-1) + 1) / 2 = 97.5
    assert "| aekit streaming | 97.5 | n/a | 97.5 |" in printed, printed


def test_folds_alternate_files_in_sorted_order(tmp_path):
    for name in ("a/1.csv", "a/2.csv", "b/3.csv", "b/4.csv", "b/5.csv"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("timestamp,value\n")
    assert nab_benchmark.stream_files(tmp_path, "A", False) == ["a/1.csv", "b/3.csv", "b/5.csv"]
    assert nab_benchmark.stream_files(tmp_path, "B", False) == ["a/2.csv", "b/4.csv"]
    assert nab_benchmark.stream_files(tmp_path, "all", True) == ["a/1.csv", "b/3.csv"]
