"""The selection protocol of docs/benchmarks.md, as the benchmark scripts enforce it.

benchmarks/preset_selection.py: ``--select`` reads only the training file and applies the rule
written in the script; ``--final`` refuses a preset that is not the chosen point and a second
reading of the test set; the goal's verdict is computed. benchmarks/timeseries_anomaly.py: the
page's reading is computed from the numbers.
"""


import numpy as np
import pytest
from pathlib import Path
from benchmark_modules import load_benchmark

sel = load_benchmark("preset_selection")


def _point(epochs, lr, val):
    return {"epochs": epochs, "lr": lr, "val_mse": val}


def test_fast_rule_takes_the_fewest_epochs_that_reach_the_goal_on_validation():
    points = [_point(3, 3e-3, 0.0117), _point(3, 6e-3, 0.0105), _point(4, 3e-3, 0.0107),
              _point(4, 6e-3, 0.0099), _point(5, 3e-3, 0.0101), _point(5, 6e-3, 0.0096)]
    assert sel.choose("fashion-mnist-fast", points) == _point(4, 6e-3, 0.0099)
    # no point reaches 0.0100: the lowest validation MSE
    worse = [dict(p, val_mse=p["val_mse"] + 0.001) for p in points]
    assert sel.choose("fashion-mnist-fast", worse)["epochs"] == 5


def test_best_rule_takes_the_lowest_validation_mse():
    points = [_point(42, 3e-3, 0.0068), _point(42, 4.5e-3, 0.0066), _point(42, 6e-3, 0.0067)]
    assert sel.choose("fashion-mnist-best", points)["lr"] == 4.5e-3


@pytest.fixture
def fake_bench(tmp_path, monkeypatch):
    """The script with its log in tmp_path, tiny data, and a stand-in for training and scoring."""
    monkeypatch.setattr(sel, "LOG", tmp_path / "presets.json")
    monkeypatch.setattr(sel, "PAGE", tmp_path / "presets.md")
    monkeypatch.setattr(sel, "BENCH", tmp_path / "BENCHMARKS.md")
    monkeypatch.setattr(sel, "N_FIT", 40)
    reads = []

    def flat(split):
        reads.append(split)
        return np.random.default_rng(0).random((50 if split == "train" else 10, 6)).astype(np.float32)

    class Fitted:
        def __init__(self, params):
            self.params = params

    def fit(params, X):
        assert len(X) in (40, 50)  # selection fits the first N_FIT rows, the final all of them
        return Fitted(params), 1.0, 0.5

    def mse(est, X, refine_codes):
        # a made-up validation surface: lower for more epochs and for lr closer to 4.5e-3
        p = est.params
        return 0.02 - 1e-4 * p["epochs"] + abs(p["lr"] - 4.5e-3) - 1e-5 * refine_codes, 0.1

    monkeypatch.setattr(sel, "flat", flat)
    monkeypatch.setattr(sel, "fit", fit)
    monkeypatch.setattr(sel, "mse", mse)
    monkeypatch.setattr(sel, "pca_mse", lambda Xtr, Xte, k: 0.015)
    monkeypatch.setitem(sel.GRIDS, "fashion-mnist-best", {"epochs": [42], "lr": [3e-3, 4.5e-3]})
    return reads


def test_select_never_reads_the_test_set_and_final_reads_it_once(fake_bench, monkeypatch):
    from aekit.runs import presets

    sel.select("fashion-mnist-best")
    assert fake_bench == ["train"]
    log = sel.read_log()
    assert [(p["epochs"], p["lr"]) for p in log["select"]["fashion-mnist-best"]] == [(42, 3e-3), (42, 4.5e-3)]
    assert "Test set: not read yet." in sel.PAGE.read_text()

    # a preset that is not the chosen point is refused
    monkeypatch.setitem(presets.PRESETS, "fashion-mnist-best", dict(presets.PRESETS["fashion-mnist-best"], lr=3e-3))
    with pytest.raises(SystemExit, match="validation chose epochs 42, lr 0.0045"):
        sel.final("fashion-mnist-best", overwrite=False)
    assert "test" not in fake_bench

    monkeypatch.setitem(presets.PRESETS, "fashion-mnist-best", dict(presets.PRESETS["fashion-mnist-best"], lr=4.5e-3))
    sel.final("fashion-mnist-best", overwrite=False)
    assert fake_bench.count("test") == 1
    with pytest.raises(SystemExit, match="already read"):
        sel.final("fashion-mnist-best", overwrite=False)
    assert fake_bench.count("test") == 1
    sel.final("fashion-mnist-best", overwrite=True)
    assert sel.read_log()["final"]["fashion-mnist-best"]["readings"] == 2
    assert "test set read 2 time(s)" in sel.PAGE.read_text()
    bench = sel.BENCH.read_text()
    assert bench.startswith("<!-- begin: written by benchmarks/preset_selection.py -->")
    assert "| `fashion-mnist-best` | 42 epochs, lr 0.0045 |" in bench
    assert "**not met**: test MSE 0.01560 > 0.0065" in bench  # the made-up surface misses the goal


def test_final_needs_a_selection_first(fake_bench):
    with pytest.raises(SystemExit, match="run --select fashion-mnist-fast first"):
        sel.final("fashion-mnist-fast", overwrite=False)
    assert fake_bench == []


def _result(mse, fit_s, cpu_s, recon_s=0.0):
    return {"test_mse": mse, "fit_s": fit_s, "fit_cpu_s": cpu_s, "recon_s": recon_s, "load": 6.0,
            "machine": {"threads": 2}}


def test_goal_verdicts_are_computed_from_the_numbers():
    assert "**met**" in sel.goal_line(_result(0.0095, 15.0, 8.0), 0.0100, 20, "fit")
    slow = sel.goal_line(_result(0.0095, 23.5, 8.0), 0.0100, 20, "fit")
    assert "**not met**" in slow and "23.5 s of wall clock" in slow and "not refuted" in slow
    worse = sel.goal_line(_result(0.0102, 15.0, 8.0), 0.0100, 20, "fit")
    assert "**not met**" in worse and "test MSE 0.01020 > 0.0100" in worse
    # reconstruction seconds count towards the budget
    assert "**not met**" in sel.goal_line(_result(0.0060, 295.0, 200.0, recon_s=10.0), 0.0065, 300, "fit")


def test_timeseries_reading_is_computed():
    ts = load_benchmark("timeseries_anomaly")
    kinds = [*ts.ANOMALY_KINDS, "all"]

    def stats(conv_all):
        s = {(m, k): (1.0, 0.0, 1.0, 0.0) for m in ts.METHODS for k in kinds}
        s["rolling z-score", "frequency"] = (0.5, 0.05, 0.04, 0.01)
        s["PCA on windows", "all"] = (0.933, 0.005, 0.862, 0.009)
        s["aekit conv1d", "all"] = (conv_all, 0.008, 0.861, 0.004)
        return s

    assert "aekit conv1d 0.934 vs PCA 0.933 (+0.001, a tie" in ts.reading(stats(0.934))
    assert "aekit conv1d 0.960 vs PCA 0.933 (+0.027, above PCA)" in ts.reading(stats(0.960))
    assert "misses frequency (AUROC < 0.75)" in ts.reading(stats(0.934))


@pytest.mark.parametrize("name", sorted(sel.GRIDS))
def test_shipped_presets_are_the_points_chosen_on_validation(name):
    # presets.py must hold what docs/results/presets.json's validation grid chose, and the test
    # reading on the page must be of those settings: editing a preset means re-running the selection
    import aekit

    log = sel.read_log()
    chosen, shipped = sel.choose(name, log["select"][name]), aekit.preset(name)
    assert (shipped["epochs"], shipped["lr"]) == (chosen["epochs"], chosen["lr"])
    final = log["final"][name]
    assert (final["epochs"], final["lr"]) == (chosen["epochs"], chosen["lr"])
    # a further test reading (``--final --overwrite``: the time goals re-measured) is counted on the page
    page = (Path(__file__).resolve().parents[1] / "docs" / "results" / "presets.md").read_text()
    assert final["readings"] >= 1 and f"test set read {final['readings']} time(s)" in page
