"""`aekit detect` on tables with text columns and missing cells."""

import numpy as np
import pytest
from click.testing import CliRunner

import aekit
from aekit.cli import main

FAST = ["--epochs", "3", "--estimators", "1"]


@pytest.fixture()
def runner():
    return CliRunner()


def _mixed_csv(path, n=300, n_anomalies=6, seed=0):
    """3 numeric columns and a colour; the last rows are far off in the numbers."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    X[-n_anomalies:] *= 12
    colours = rng.choice(["red", "green", "blue"], size=n)
    lines = ["a,b,c,colour,label"]
    lines += [f"{x[0]:.5f},{x[1]:.5f},{x[2]:.5f},{c},{int(i >= n - n_anomalies)}"
              for i, (x, c) in enumerate(zip(X, colours))]
    path.write_text("\n".join(lines) + "\n")
    return lines


def _scores(path):
    return np.genfromtxt(path, delimiter=",", names=True)


@pytest.mark.slow
def test_detect_scores_every_row_of_a_mixed_table(runner, tmp_path):
    _mixed_csv(tmp_path / "t.csv")
    out = tmp_path / "scores.csv"
    # 3 epochs leave the network untrained (the planted rows are not found); 30 take seconds
    result = runner.invoke(main, ["detect", str(tmp_path / "t.csv"), "--out", str(out), "--epochs", "30",
                                  "--estimators", "1", "--contamination", "0.05"])
    assert result.exit_code == 0, result.output
    rows = _scores(out)
    assert len(rows) == 300 and set(np.unique(rows["anomaly"])) <= {0, 1}
    assert rows["label"].sum() == 6  # the label column is reported, not encoded
    assert len(set(np.argsort(rows["score"])[-6:]) & set(range(294, 300))) >= 5
    assert rows["anomaly"][-6:].sum() >= 5


def test_missing_cell_fails_cleanly_then_imputes(runner, tmp_path):
    lines = _mixed_csv(tmp_path / "t.csv")
    lines[8] = "0.1,,0.3,red,0"  # data row 7 (0-based, header not counted)
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "scores.csv"
    result = runner.invoke(main, ["detect", str(tmp_path / "t.csv"), "--out", str(out), *FAST])
    assert result.exit_code != 0 and not out.exists()
    assert "column 'b' (index 1) has a missing value at row 7" in result.output
    assert "--missing impute" in result.output and "Traceback" not in result.output
    result = runner.invoke(main, ["detect", str(tmp_path / "t.csv"), "--out", str(out), *FAST, "--missing", "impute"])
    assert result.exit_code == 0, result.output
    assert len(_scores(out)) == 300


def test_missing_category_and_unseen_values_in_score_data(runner, tmp_path):
    _mixed_csv(tmp_path / "train.csv")
    lines = _mixed_csv(tmp_path / "new.csv", n=20, n_anomalies=0, seed=1)
    lines[3] = lines[3].rsplit(",", 2)[0] + ",purple,0"
    (tmp_path / "new.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "scores.csv"
    args = ["detect", str(tmp_path / "train.csv"), "--score-data", str(tmp_path / "new.csv"), "--out", str(out), *FAST]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert len(_scores(out)) == 20
    result = runner.invoke(main, [*args, "--overwrite", "--unseen", "error"])
    assert result.exit_code != 0
    assert "'new.csv': column 'colour' (index 3) has the category 'purple' at row 2" in result.output


def test_estimators_and_epochs_default_to_the_detector_defaults(runner, tmp_path, monkeypatch):
    import aekit.estimators

    seen = {}

    class Spy(aekit.estimators.AnomalyDetector):
        def fit(self, X, y=None, column_names=None):
            seen.update(self.get_params(), n_features=X.shape[1], names=column_names)
            raise ValueError("stopped by the test")

    monkeypatch.setattr(aekit.estimators, "AnomalyDetector", Spy)
    _mixed_csv(tmp_path / "t.csv")
    result = runner.invoke(main, ["detect", str(tmp_path / "t.csv"), "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 2 and "stopped by the test" in result.output
    defaults = aekit.estimators.AnomalyDetector()
    assert seen["n_estimators"] == defaults.n_estimators and seen["epochs"] == defaults.epochs
    assert seen["n_features"] == 4  # a, b, c and the colour, as read: the detector encodes them itself
    assert seen["names"] == ["a", "b", "c", "colour"]
    runner.invoke(main, ["detect", str(tmp_path / "t.csv"), "--out", str(tmp_path / "s.csv"), *FAST])
    assert seen["n_estimators"] == 1 and seen["epochs"] == 3


def test_detect_takes_the_training_options_of_the_other_commands(runner, tmp_path):
    _mixed_csv(tmp_path / "t.csv")
    out = tmp_path / "s.csv"
    args = ["detect", str(tmp_path / "t.csv"), "--out", str(out), "--epochs", "2", "--latent-dim", "2",
            "--hidden-dims", "8", "--batch-size", "32", "--lr", "0.002", "--device", "cpu", "--quiet",
            "--option", "n_neighbors=0", "--run-dir", str(tmp_path / "run")]
    assert runner.invoke(main, args).exit_code == 0
    params = aekit.AnomalyDetector.load(tmp_path / "run" / "model").get_params()
    assert (params["latent_dim"], params["hidden_dims"], params["batch_size"], params["lr"], params["n_neighbors"]) == (
        2, [8], 32, 0.002, 0)
    bad = runner.invoke(main, ["detect", str(tmp_path / "t.csv"), "--out", str(out), "--option", "n_neighbor=0"])
    assert bad.exit_code == 2 and "has no parameter 'n_neighbor'" in bad.output and "n_neighbors" in bad.output
