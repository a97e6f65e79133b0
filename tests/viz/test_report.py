import base64
import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.metrics import roc_auc_score

from aekit.viz import add_detector_results, add_probe_results, load_run, write_report
from aekit.viz.report import pick_examples


def _embedded_pngs(page: str) -> list[np.ndarray]:
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(b))).convert("L"), dtype=float)
            for b in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)]


@pytest.mark.slow
def test_run_folder_keeps_metrics_and_arrays(tiny_run):
    out, est, bundle, summary = tiny_run
    history = json.loads((out / "metrics.json").read_text())
    with open(out / "metrics.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(history["records"]) == summary["epochs_trained"] == 4
    for row, record in zip(rows, history["records"]):
        assert float(row["val_total"]) == pytest.approx(record["val_total"], rel=1e-12)
    run = load_run(out)
    index = run.arrays["index"]
    assert sorted(index.tolist()) == list(range(400))  # every row, shuffled
    np.testing.assert_allclose(run.arrays["codes"], est.transform(bundle.X[index]), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(run.arrays["labels"], bundle.y[index])
    n = len(run.arrays["inputs"])
    assert run.arrays["inputs"].shape == run.arrays["corrupted"].shape == (n, 1, 8, 8)
    np.testing.assert_allclose(run.arrays["inputs"], bundle.X[index[:n]])
    # gaussian corruption moved the pixels, by about its std (0.1 by default, in preprocessed units)
    assert 0.01 < np.std(run.arrays["corrupted"] - run.arrays["inputs"]) < 1.0


@pytest.mark.slow
def test_report_is_self_contained_with_the_sections_that_apply(tiny_run):
    out, *_ = tiny_run
    page = (out / "report.html").read_text()
    assert not re.search(r'(src|href)="(https?:)?//', page), "the report must not load anything from the network"
    for anchor in ("overview", "losses", "reconstructions", "latent"):
        assert f'<section id="{anchor}">' in page
    for absent in ("detector", "probe", "vae"):
        assert f'<section id="{absent}">' not in page
    assert "Rows: input, corrupted input, output; columns: one sample per class in turn (classes 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)." in page
    # what a person looks at first comes first; the configuration is last, folded
    order = [page.index(f'<section id="{a}">') for a in ("headline", "losses", "reconstructions", "latent", "overview")]
    assert order == sorted(order)
    config = page[page.index('<section id="overview">'):]
    assert config.index("<details>") < config.index("<h3>Configuration</h3>") < config.index("</details>")
    assert "<td>reconstruction MSE (all samples)</td>" in page[:page.index('<section id="losses">')]
    images = _embedded_pngs(page)
    assert len(images) == 3
    for im in images:
        assert im.shape[0] > 100 and im.shape[1] > 100 and im.std() > 10  # not blank


@pytest.mark.slow
def test_detector_and_probe_sections(tiny_run, tmp_path):
    import shutil

    out = tmp_path / "run"
    shutil.copytree(tiny_run[0], out)
    rng = np.random.default_rng(0)
    labels = (rng.random(300) < 0.2).astype(int)
    scores = rng.normal(size=300) + 1.5 * labels
    add_detector_results(out, scores, threshold=1.0, labels=labels)
    add_probe_results(out, {"linear probe": 0.875, "raw pixels": 0.8})
    page = write_report(out).read_text()
    assert '<section id="detector">' in page and '<section id="probe">' in page
    auroc = roc_auc_score(labels, scores)
    assert f"{auroc:.6g}" in page
    assert "0.875" in page
    assert len(_embedded_pngs(page)) == 3 + 3  # histogram, ROC/PR, probe bars
    for name in ("scores.png", "roc_pr.png", "probe.png"):
        im = np.asarray(Image.open(out / "figures" / name).convert("L"), dtype=float)
        assert im.std() > 10 and min(im.shape) > 150, name


@pytest.mark.slow
def test_detector_results_validate(tiny_run):
    with pytest.raises(ValueError, match="labels must have one entry per score"):
        add_detector_results(tiny_run[0], np.ones(5), labels=np.ones(4))
    with pytest.raises(ValueError, match="finite"):
        add_detector_results(tiny_run[0], np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match="accuracies"):
        add_probe_results(tiny_run[0], {})


def test_report_of_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a run folder"):
        write_report(tmp_path)


@pytest.mark.slow
def test_report_without_labels_has_no_class_table(tiny_run_2d):
    page = (tiny_run_2d[0] / "report.html").read_text()
    assert "classes (in the shown subset)" not in page and '<section id="latent">' in page


@pytest.mark.slow
def test_vae_run_gets_generation_figures(tmp_path, digits_flat):
    pytest.importorskip("aekit.models.generation")
    from aekit.data import DataBundle
    from aekit.estimators import Autoencoder
    from aekit.runs import train_run

    X, y = digits_flat
    est = Autoencoder(recipe="vae", latent_dim=2, hidden_dims=[32], likelihood="bernoulli", epochs=2,
                      random_state=0, device="cpu")
    train_run(DataBundle(X[:200], y[:200], "digits-200"), est, tmp_path / "vae")
    page = (tmp_path / "vae" / "report.html").read_text()
    assert '<section id="vae">' in page
    for name in ("vae_samples.png", "vae_interpolations.png", "vae_manifold.png"):
        im = np.asarray(Image.open(tmp_path / "vae" / "figures" / name).convert("L"), dtype=float)
        assert min(im.shape) > 100 and im.std() > 10, name
    assert len(_embedded_pngs(page)) == 3 + 3


def test_each_plot_is_one_file(tiny_run, tmp_path):
    import shutil

    out = tmp_path / "run"
    shutil.copytree(tiny_run[0], out)
    write_report(out)
    figures = {p.name for p in (out / "figures").glob("*.png")} if (out / "figures").exists() else set()
    top = {p.name for p in out.glob("*.png")}
    assert {"loss.png", "reconstructions.png", "latent.png"} <= top and not (top & figures)


def test_pick_examples_takes_one_row_per_class_in_turn():
    labels = np.array([3, 3, 1, 3, 0, 1, 1, 0, 3, 2])
    picked = pick_examples(10, 4, labels)
    assert picked.tolist() == [4, 2, 9, 0]  # the first 0, 1, 2 and 3, in class order
    assert sorted(labels[picked].tolist()) == [0, 1, 2, 3]
    # more columns than classes: the classes take turns again (class 2 has no second row)
    assert labels[pick_examples(10, 7, labels)].tolist() == [0, 1, 2, 3, 0, 1, 3]
    # more labels than stored rows (labels cover every kept sample, rows only the first ones)
    assert pick_examples(3, 10, labels).tolist() == [2, 0, 1]
    # no labels: evenly spaced rows, not the first ones
    assert pick_examples(300, 10).tolist() == [0, 33, 66, 100, 133, 166, 199, 233, 266, 299]
    assert pick_examples(4, 10).tolist() == [0, 1, 2, 3]


@pytest.mark.slow
def test_train_run_draws_each_plot_once(tmp_path, digits_flat, monkeypatch):
    from aekit.data import DataBundle
    from aekit.estimators import Autoencoder
    from aekit.runs import train_run
    from aekit.viz import plots

    saved = []
    real_save = plots._save

    def counting_save(fig, path):
        saved.append(Path(path).name)
        return real_save(fig, path)

    monkeypatch.setattr(plots, "_save", counting_save)
    X, y = digits_flat
    est = Autoencoder(recipe="deep", latent_dim=3, hidden_dims=[16], epochs=1, random_state=0, device="cpu")
    train_run(DataBundle(X[:200], y[:200], "digits-200"), est, tmp_path / "run")
    assert sorted(saved) == ["latent.png", "loss.png", "reconstructions.png"]
    saved.clear()
    train_run(DataBundle(X[:200], y[:200], "digits-200"), est, tmp_path / "plain", report=False)
    assert sorted(saved) == ["latent.png", "loss.png", "reconstructions.png"]  # the same plots, without the page
    assert not (tmp_path / "plain" / "report.html").exists()
