import json

import numpy as np
import pytest
from click.testing import CliRunner

from aekit.cli import main


@pytest.fixture()
def runner():
    return CliRunner()


def _ok(result):
    assert result.exit_code == 0, result.output
    return result.output


def test_help_everywhere(runner):
    assert "demo" in _ok(runner.invoke(main, ["--help"]))
    for cmd in ("train", "encode", "reconstruct", "info", "demo", "recipes"):
        assert "Usage" in _ok(runner.invoke(main, [cmd, "--help"]))


@pytest.mark.slow
def test_demo_writes_model_and_pngs(runner, tmp_path):
    out = tmp_path / "demo"
    text = _ok(runner.invoke(main, ["demo", "--out", str(out), "--epochs", "3", "--quiet"]))
    assert "reconstruction MSE" in text
    for name in ("loss.png", "reconstructions.png", "latent.png", "metrics.csv", "summary.json", "model/config.json"):
        assert (out / name).is_file() and (out / name).stat().st_size > 100, name
    assert json.loads((out / "summary.json").read_text())["epochs_trained"] == 3
    # the "wrote" line names exactly what is in the folder, the report first
    listed = text.split(f"wrote {out}/: ")[1].strip().split(", ")
    assert listed[0] == "report.html" and sorted(listed) == sorted(p.name + "/" * p.is_dir() for p in out.iterdir())
    # a second run refuses to overwrite, then replaces when asked
    again = runner.invoke(main, ["demo", "--out", str(out), "--epochs", "1", "--quiet"])
    assert again.exit_code == 2 and "already exists" in again.output
    _ok(runner.invoke(main, ["demo", "--out", str(out), "--epochs", "1", "--quiet", "--overwrite"]))


@pytest.mark.slow
def test_train_encode_reconstruct_info_on_csv(runner, tmp_path, digits_flat):
    X, y = digits_flat[0][:300], digits_flat[1][:300]
    csv = tmp_path / "d.csv"
    header = ",".join([f"p{i}" for i in range(64)] + ["label"])
    np.savetxt(csv, np.column_stack([X, y]), delimiter=",", header=header, comments="", fmt="%.5g")
    run = tmp_path / "run"
    _ok(runner.invoke(main, ["train", str(csv), "--out", str(run), "--latent-dim", "3", "--epochs", "3", "--quiet",
                             "--hidden-dims", "16", "--option", "activation=\"tanh\""]))
    assert "3 features" not in _ok(runner.invoke(main, ["info", str(run)]))
    codes = tmp_path / "codes.npy"
    _ok(runner.invoke(main, ["encode", str(run), str(csv), "--out", str(codes)]))
    assert np.load(codes).shape == (300, 3)
    recon = tmp_path / "recon.csv"
    assert "mean squared error" in _ok(runner.invoke(main, ["reconstruct", str(run / "model"), str(csv),
                                                           "--out", str(recon), "--grid", str(tmp_path / "g.png")]))
    assert np.loadtxt(recon, delimiter=",").shape == (300, 64)
    assert (tmp_path / "g.png").stat().st_size > 1000
    # refined codes reconstruct better than the encoder's own
    plain_mse = float(_ok(runner.invoke(main, ["reconstruct", str(run), str(csv), "--out", str(tmp_path / "p.npy")]))
                      .split("mean squared error ")[1])
    refined_mse = float(_ok(runner.invoke(main, ["reconstruct", str(run), str(csv), "--out", str(tmp_path / "r.npy"),
                                                 "--refine-codes", "20"])).split("mean squared error ")[1])
    assert refined_mse < plain_mse
    _ok(runner.invoke(main, ["encode", str(run), str(csv), "--out", str(tmp_path / "rc.npy"), "--refine-codes", "5"]))
    assert np.load(tmp_path / "rc.npy").shape == (300, 3)


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "missing.csv", "--out", "o"], "does not exist"),
        (["train", "digits", "--out", "o", "--recipe", "nope"], "recipe must be one of"),
        (["info", "no-such-model"], "does not exist"),
        (["train", "digits", "--out", "o", "--hidden-dims", "a,b"], "comma-separated"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(runner, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_detect_writes_scores_and_flags(runner, tmp_path):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(200, 5)), rng.normal(size=(10, 5)) * 8])
    y = np.r_[np.zeros(200), np.ones(10)].astype(int)
    csv_in = tmp_path / "t.csv"
    np.savetxt(csv_in, np.column_stack([X, y]), delimiter=",", header="a,b,c,d,e,label", comments="", fmt="%.6g")
    out = tmp_path / "scores.csv"
    text = _ok(runner.invoke(main, ["detect", str(csv_in), "--out", str(out), "--epochs", "15",
                                    "--contamination", "0.05"]))
    assert "AUROC" in text
    rows = np.genfromtxt(out, delimiter=",", names=True)
    assert len(rows) == 210 and rows["anomaly"].sum() == pytest.approx(10.5, abs=1.5)
    assert rows["score"][200:].mean() > rows["score"][:200].mean()
    again = runner.invoke(main, ["detect", str(csv_in), "--out", str(out)])
    assert again.exit_code == 2 and "already exists" in again.output


@pytest.mark.slow
def test_detect_run_dir_holds_detector_scores_and_report(runner, tmp_path):
    from aekit import AnomalyDetector
    from aekit.viz import write_report

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(200, 5)), rng.normal(size=(10, 5)) * 8])
    y = np.r_[np.zeros(200), np.ones(10)].astype(int)
    csv_in = tmp_path / "t.csv"
    np.savetxt(csv_in, np.column_stack([X, y]), delimiter=",", header="a,b,c,d,e,label", comments="", fmt="%.6g")
    run = tmp_path / "run"
    _ok(runner.invoke(main, ["detect", str(csv_in), "--out", str(tmp_path / "s.csv"), "--epochs", "50",
                             "--run-dir", str(run)]))
    scores = np.genfromtxt(run / "scores.csv", delimiter=",", names=True)["score"]
    np.testing.assert_allclose(scores, np.genfromtxt(tmp_path / "s.csv", delimiter=",", names=True)["score"])
    det = AnomalyDetector.load(run / "model")
    np.testing.assert_allclose(det.decision_scores_, scores, rtol=1e-6)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["auroc"] > 0.9 and summary["n_flagged"] == int((scores > det.threshold_).sum())
    page = (run / "report.html").read_text()
    assert 'id="detector"' in page and "ROC" in page
    write_report(run)  # rebuilt later from the folder alone
    assert 'id="detector"' in (run / "report.html").read_text()
    assert "Why the top flagged rows were flagged" in page
    top = np.genfromtxt(run / "scores.csv", delimiter=",", names=True, dtype=None, encoding="utf-8")["top_features"]
    flagged = scores > det.threshold_
    assert all(t and t.count(";") <= 2 for t in top[flagged]) and not any(top[~flagged])  # up to 3 per flagged row
    assert set(top[np.argmax(scores)].replace(";", " ").split()) & {"a", "b", "c", "d", "e"}
    explore = runner.invoke(main, ["explore", str(run)])  # one batched network: no latent plane to explore
    assert explore.exit_code == 2 and "no single latent space" in explore.output
    again = runner.invoke(main, ["detect", str(csv_in), "--out", str(tmp_path / "s2.csv"), "--run-dir", str(run)])
    assert again.exit_code == 2 and "already exists" in again.output and not (tmp_path / "s2.csv").exists()


def test_threads_option_sets_torch_threads(runner):
    import torch

    try:
        _ok(runner.invoke(main, ["--threads", "2", "recipes"]))
        assert torch.get_num_threads() == 2
        bad = runner.invoke(main, ["--threads", "0", "recipes"])
        assert bad.exit_code == 2 and "--threads" in bad.output
        _ok(runner.invoke(main, ["recipes", "--threads", "1"]))  # also after the subcommand
        assert torch.get_num_threads() == 1
        _ok(runner.invoke(main, ["recipes", "--threads=2"]))
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(1)


def test_train_takes_the_estimators_training_options(runner, tmp_path, digits_flat):
    from aekit import Autoencoder

    np.save(tmp_path / "x.npy", digits_flat[0][:200])
    run = tmp_path / "run"
    _ok(runner.invoke(main, ["train", str(tmp_path / "x.npy"), "--out", str(run), "--recipe", "conv", "--epochs", "1",
                             "--input-shape", "1,8,8", "--optimizer", "adamw", "--weight-decay", "0.01",
                             "--grad-clip", "5", "--refine-codes", "2", "--quiet"]))
    est = Autoencoder.load(run)
    assert est.input_shape_ == (1, 8, 8)
    params = est.get_params()
    assert (params["optimizer"], params["weight_decay"], params["grad_clip"], params["refine_codes"]) == (
        "adamw", 0.01, 5.0, 2)


def test_train_a_vae_with_kl_warm_up_and_capacity(runner, tmp_path, digits_flat):
    from aekit import VariationalAutoencoder

    np.save(tmp_path / "x.npy", digits_flat[0][:200] / 16)
    run = tmp_path / "run"
    _ok(runner.invoke(main, ["train", str(tmp_path / "x.npy"), "--out", str(run), "--recipe", "vae", "--epochs", "3",
                             "--latent-dim", "2", "--beta", "4", "--kl-warmup", "2", "--capacity", "3",
                             "--capacity-warmup", "2", "--validation-split", "0", "--quiet"]))
    est = VariationalAutoencoder.load(run)
    assert est.history_["beta"] == [0.0, 2.0, 4.0] and est.history_["capacity"] == [0.0, 1.5, 3.0]
    bad = runner.invoke(main, ["train", str(tmp_path / "x.npy"), "--out", str(tmp_path / "o"), "--kl-warmup", "2"])
    assert bad.exit_code == 2 and "--kl-warmup is an option of the VAE" in bad.output
