"""Every command that trains or measures writes a report: pretrain, restore, evaluate (tiny data, 1 epoch)."""

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from aekit import SelfSupervised
from aekit.cli import main

TINY_SSL = ["--epochs", "1", "--limit", "300", "--backbone-option", "out_features=16", "--backbone-option",
            "channels=[8]", "--quiet"]


def _sections(page: str) -> list[str]:
    return re.findall(r'<section id="([a-z]+)">', page)


def _ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def _wrote(output: str, folder) -> list[str]:
    """The entries the "wrote FOLDER/: ..." line names."""
    return output.split(f"wrote {folder}/: ")[1].strip().split(", ")


def _check_layout(page: str) -> None:
    """Headline first, configuration last and folded."""
    sections = _sections(page)
    assert sections[0] == "headline" and sections[-1] == "overview"
    config = page[page.index('<section id="overview">'):]
    assert config.index("<details>") < config.index("<h3>Configuration</h3>") < config.index("</details>")


@pytest.mark.slow
def test_pretrain_then_evaluate_reports(tmp_path):
    runner = CliRunner()
    run = tmp_path / "rot"
    text = _ok(runner.invoke(main, ["pretrain", "digits", "--method", "rotation", "--out", str(run), *TINY_SSL]))
    assert sorted(_wrote(text, run)) == sorted(p.name + "/" * p.is_dir() for p in run.iterdir())
    page = (run / "report.html").read_text()
    assert _sections(page) == ["headline", "losses", "latent", "overview"]
    _check_layout(page)
    # transform's default readout: the 8-channel last map pooled to 3 x 3
    assert "300 samples placed by the first two principal components of the 72-d backbone features, coloured by label" \
        in page
    codes = np.load(run / "arrays" / "codes.npy")
    index = np.load(run / "arrays" / "index.npy")
    from aekit.data import load_digits

    X = load_digits().X[:300]
    np.testing.assert_allclose(codes, SelfSupervised.load(run).transform(X[index]), atol=1e-5)

    # evaluate adds its accuracy, with a confusion matrix, to the run's report; one row per protocol
    linear = json.loads(_ok(runner.invoke(main, ["evaluate", str(run), "digits", "--limit", "400", "--json"])))
    assert linear["wrote"] == [str(run / "evaluation.json"), str(run / "report.html")]
    knn = json.loads(_ok(runner.invoke(main, ["evaluate", str(run), "digits", "--protocol", "knn", "--json"])))
    stored = json.loads((run / "evaluation.json").read_text())
    assert set(stored) == {"linear", "knn"} and stored["linear"]["accuracy"] == linear["accuracy"]
    confusion = np.asarray(stored["linear"]["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == linear["n_test"] == 450
    assert np.trace(confusion) / confusion.sum() == pytest.approx(linear["accuracy"])
    knn_confusion = np.asarray(stored["knn"]["confusion"])
    assert np.trace(knn_confusion) / knn_confusion.sum() == pytest.approx(knn["accuracy_k20"])
    page = (run / "report.html").read_text()
    assert _sections(page) == ["headline", "evaluation", "losses", "latent", "overview"]
    headline = page[:page.index('<section id="evaluation">')]
    assert f"<td>linear accuracy</td><td>{linear['accuracy']:.6g}</td>" in headline
    assert f"<td>knn accuracy (k=20)</td><td>{knn['accuracy_k20']:.6g}</td>" in headline
    assert (run / "figures" / "confusion_linear.png").stat().st_size > 1000
    assert "knn (k=20): rows are the true classes" in page

    # aekit report rebuilds it from the folder alone
    (run / "report.html").unlink()
    _ok(runner.invoke(main, ["report", str(run)]))
    assert _sections((run / "report.html").read_text()) == _sections(page)


@pytest.mark.slow
def test_evaluate_a_bare_model_folder_writes_its_report_under_out(tmp_path):
    X = np.random.default_rng(0).random((120, 64)).astype(np.float32)
    SelfSupervised("rotation", input_shape=(1, 8, 8), epochs=1, backbone_options={"out_features": 8, "channels": [4]}
                   ).fit(X).save(tmp_path / "bare")
    runner = CliRunner()
    text = _ok(runner.invoke(main, ["evaluate", str(tmp_path / "bare"), "digits", "--protocol", "knn"]))
    assert "not a run folder: pass --out DIR" in text and sorted(p.name for p in (tmp_path / "bare").iterdir()) == [
        "config.json", "history.json", "model.safetensors"]  # nothing added to a model folder
    out = tmp_path / "eval"
    text = _ok(runner.invoke(main, ["evaluate", str(tmp_path / "bare"), "digits", "--out", str(out)]))
    assert f"wrote {out / 'evaluation.json'}, {out / 'report.html'}" in text
    page = (out / "report.html").read_text()
    assert _sections(page) == ["headline", "evaluation", "overview"]
    assert "aekit evaluate: " in page and '<td>linear accuracy</td>' in page
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    result = runner.invoke(main, ["evaluate", str(tmp_path / "bare"), "digits", "--out", str(tmp_path / "mine")])
    assert result.exit_code != 0 and "is not a run folder" in result.output


@pytest.mark.slow
def test_restore_writes_a_report(tmp_path):
    out = tmp_path / "den"
    text = _ok(CliRunner().invoke(main, ["restore", "--task", "denoise", "digits", "--out", str(out), "--limit", "300",
                                         "--epochs", "1", "--latent-dim", "8", "--option", "channels=[4,8]", "--quiet"]))
    assert sorted(_wrote(text, out)) == sorted(p.name + "/" * p.is_dir() for p in out.iterdir())
    page = (out / "report.html").read_text()
    assert _sections(page) == ["headline", "losses", "reconstructions", "overview"]
    _check_layout(page)
    metrics = json.loads((out / "metrics.json").read_text())
    headline = page[:page.index('<section id="losses">')]
    assert f"<td>PSNR</td><td>{metrics['psnr_corrupted']:.6g}</td><td>{metrics['psnr_restored']:.6g}</td>" in headline
    assert "Rows: corrupted input, restored, clean; columns: one sample per class in turn" in page
    assert (out / "restoration.png").stat().st_size > 1000 and not (out / "reconstructions.png").exists()
    # the stored held-out images are the ones measured: clean vs restored gives the restored MSE
    arrays = {name: np.load(out / "arrays" / f"{name}.npy") for name in ("inputs", "reconstructions")}
    assert np.mean((arrays["inputs"] - arrays["reconstructions"]) ** 2) == pytest.approx(metrics["mse_restored"],
                                                                                          rel=1e-4)
