"""``aekit detect-series`` and ``aekit train --recipe`` with the sequence recipes."""

import csv

import numpy as np
import pytest
from click.testing import CliRunner

from aekit.cli import main
from aekit.data.synthetic_series import inject_anomalies, multi_sine


@pytest.fixture()
def series_csv(tmp_path):
    clean = multi_sine(1000, n_channels=2, period=20, noise=0.05, seed=0)
    bad, where = inject_anomalies(clean, ["spike"], per_kind=3, seed=0)
    path = tmp_path / "series.csv"
    np.savetxt(path, np.c_[bad, where["spike"]], delimiter=",", header="a,b,label", comments="", fmt="%.6g")
    return path


@pytest.mark.slow
def test_detect_series_writes_per_step_scores_and_flags(series_csv, tmp_path):
    out = tmp_path / "out" / "scores.csv"
    args = ["detect-series", str(series_csv), "--window", "30", "--stride", "3", "--epochs", "15",
            "--train-fraction", "0.5", "--option", "channels=[16,32]", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "against the labels: AUROC" in result.output
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 1000 and set(rows[0]) == {"index", "score", "anomaly", "label"}
    scores = np.array([float(r["score"]) for r in rows])
    labels = np.array([int(float(r["label"])) for r in rows])
    assert scores[labels == 1].min() > np.quantile(scores[labels == 0], 0.95)
    again = CliRunner().invoke(main, args)  # refuses to overwrite, before training
    assert again.exit_code == 2 and "already exists" in again.output


@pytest.mark.parametrize("args, message", [
    (["--window", "5000"], "fewer than --window 5000"),
    (["--recipe", "nope"], "recipe must be one of"),
    (["--recipe", "conv1d", "--option", "kernel_size=4"], "kernel_size must be a positive odd int"),
    (["--out-name", "scores.txt"], "--out must end in .csv"),
])
def test_detect_series_bad_input_is_one_line(series_csv, tmp_path, args, message):
    out = tmp_path / (args[1] if args[0] == "--out-name" else "s.csv")
    extra = [] if args[0] == "--out-name" else args
    result = CliRunner().invoke(main, ["detect-series", str(series_csv), "--epochs", "1", "--out", str(out), *extra])
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.slow
def test_train_accepts_sequence_recipes(tmp_path):
    X = multi_sine(24 * 16, n_channels=2, period=8, seed=0).reshape(24, 16, 2).astype(np.float32)
    np.save(tmp_path / "seq.npy", X)
    out = tmp_path / "run"
    args = ["train", str(tmp_path / "seq.npy"), "--recipe", "gru", "--latent-dim", "3", "--epochs", "2",
            "--hidden-dims", "8", "--out", str(out), "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    info = CliRunner().invoke(main, ["info", str(out)])
    assert "(16, 2)" in info.output


@pytest.mark.slow
def test_detect_series_run_dir_holds_the_detector_and_a_report_of_the_scores_in_time(series_csv, tmp_path):
    from aekit.estimators import load

    run = tmp_path / "run"
    args = ["detect-series", str(series_csv), "--window", "30", "--stride", "3", "--epochs", "3", "--label-column",
            "label", "--train-fraction", "0.5", "--option", "channels=[8]", "--out", str(tmp_path / "s.csv"),
            "--run-dir", str(run), "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert f"wrote {run}/:" in result.output and "report.html" in result.output
    page = (run / "report.html").read_text()
    assert "Anomaly score per step" not in page  # figures are embedded images, not text
    assert page.index('id="headline"') < page.index('id="detector"') < page.index('id="overview"')
    assert (run / "figures" / "series_scores.png").stat().st_size > 5000
    summary = __import__("json").loads((run / "summary.json").read_text())
    assert summary["kind"] == "detect-series" and summary["n_train"] == 500 and summary["n_steps"] == 1000
    assert 0.5 < summary["auroc"] <= 1
    scores = np.loadtxt(run / "scores.csv", delimiter=",", skiprows=1, usecols=1)
    assert np.allclose(scores, np.loadtxt(tmp_path / "s.csv", delimiter=",", skiprows=1, usecols=1))
    detector = load(run / "model")
    assert np.allclose(detector.decision_function(np.loadtxt(series_csv, delimiter=",", skiprows=1)[:, :2]), scores,
                       atol=1e-5)


@pytest.mark.slow  # 600 rows scored row by row (~0.2 s)
def test_detect_series_streaming_scores_each_row_from_the_past(tmp_path):
    x = np.sin(np.arange(600) / 8.0) + 0.05 * np.random.default_rng(0).normal(size=600)
    x[450] += 3.0
    labels = np.zeros(600, dtype=int)
    labels[445:460] = 1
    path = tmp_path / "stream.csv"
    np.savetxt(path, np.c_[x, labels], delimiter=",", header="value,label", comments="", fmt="%.6g")
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(main, ["detect-series", str(path), "--streaming", "--probation", "150",
                                       "--label-column", "label", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "streamed 600 steps (learned on the first 150); flagged 1 (score >= 0.3)" in result.output
    rows = list(csv.DictReader(out.open()))
    scores = np.array([float(r["score"]) for r in rows])
    assert len(rows) == 600 and np.all(scores[:150] == 0) and int(np.argmax(scores)) == 450
    assert [int(r["anomaly"]) for r in rows].index(1) == 450
    bad = CliRunner().invoke(main, ["detect-series", str(path), "--streaming", "--probation", "5", "--out",
                                    str(tmp_path / "b.csv")])
    assert bad.exit_code != 0 and "--probation 5 must be between 10 and the 600 rows" in bad.output


@pytest.mark.parametrize("extra, message", [
    (["--streaming", "--window", "16"], "--window is an option of the windowed autoencoder"),
    (["--streaming", "--epochs", "3"], "--epochs is an option of the windowed autoencoder"),
    (["--probation", "100"], "--probation applies to --streaming only"),
])
def test_streaming_refuses_options_it_would_ignore(tmp_path, extra, message):
    path = tmp_path / "s.csv"
    np.savetxt(path, np.sin(np.arange(300) / 5.0)[:, None], delimiter=",", header="v", comments="")
    result = CliRunner().invoke(main, ["detect-series", str(path), "--out", str(tmp_path / "o.csv"), *extra])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "o.csv").exists()
