"""A conditional VAE from the command line: aekit train --condition-column / --condition-file, then
aekit generate --condition by class name or index, and the errors for conditions that do not fit."""

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import aekit
from aekit.cli import main

NAMES = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
TRAIN = ["--recipe", "vae", "--latent-dim", "2", "--epochs", "2", "--batch-size", "64", "--quiet"]


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def table(digits_flat, tmp_path_factory):
    """300 digits as a CSV with the class name in a column "digit", and the labels as a .npy file."""
    X, y = digits_flat
    folder = tmp_path_factory.mktemp("table")
    rows = [",".join([f"p{i}" for i in range(64)] + ["digit"])]
    rows += [",".join([f"{v:.4f}" for v in X[i]] + [NAMES[y[i]]]) for i in range(300)]
    (folder / "digits.csv").write_text("\n".join(rows) + "\n")
    np.save(folder / "labels.npy", y[:300])
    return folder


@pytest.fixture(scope="module")
def named_run(table):
    code, out = run("train", table / "digits.csv", "--condition-column", "digit", "--out", table / "run", *TRAIN)
    assert code == 0, out
    return table / "run"


@pytest.mark.slow
def test_train_on_a_column_then_generate_by_name_or_index(named_run, tmp_path):
    est = aekit.load(named_run)
    assert est.condition_classes_.tolist() == sorted(NAMES.tolist())  # the names, saved in the model folder
    assert est.n_features_in_ == 64  # the label column is not a feature
    seven = sorted(NAMES.tolist()).index("seven")
    code, out = run("generate", named_run, "--condition", "seven", "--n", 16, "--out", tmp_path / "by_name.npy")
    assert code == 0 and "16 samples of class seven" in out, out
    code, out = run("generate", named_run, "--condition", seven, "--n", 16, "--out", tmp_path / "by_index.npy")
    assert code == 0, out
    by_name, by_index = np.load(tmp_path / "by_name.npy"), np.load(tmp_path / "by_index.npy")
    assert by_name.shape == (16, 64)
    np.testing.assert_array_equal(by_name, by_index)
    code, _ = run("generate", named_run, "--condition", "zero", "--n", 16, "--out", tmp_path / "zero.npy")
    assert code == 0 and np.abs(np.load(tmp_path / "zero.npy") - by_name).mean() > 1e-3  # the class matters
    code, out = run("generate", named_run, "--condition", "three", "--n", 16, "--out", tmp_path / "grid.png")
    assert code == 0 and Image.open(tmp_path / "grid.png").size[0] > 8, out


@pytest.mark.slow
def test_train_on_builtin_labels_and_on_a_condition_file(table, tmp_path):
    code, out = run("train", "digits", "--condition-column", "labels", "--out", tmp_path / "digits", *TRAIN)
    assert code == 0, out
    assert aekit.load(tmp_path / "digits").condition_classes_.tolist() == list(range(10))
    code, out = run("generate", tmp_path / "digits", "--condition", 3, "--n", 16, "--out", tmp_path / "grid.png")
    assert code == 0 and "wrote 16 samples of class 3" in out, out
    (tmp_path / "names.txt").write_text("\n".join(NAMES[np.load(table / "labels.npy") % 2]) + "\n")
    code, out = run("train", table / "digits.csv", "--label-column", "digit", "--condition-file",
                    tmp_path / "names.txt", "--out", tmp_path / "file", *TRAIN)
    assert code == 0, out
    assert aekit.load(tmp_path / "file").condition_classes_.tolist() == ["one", "zero"]


@pytest.mark.slow
def test_condition_errors_name_what_is_wrong(named_run, table, tmp_path):
    code, out = run("generate", named_run, "--condition", "ten", "--out", tmp_path / "x.npy")
    assert code == 2 and "'ten' is not a class of this model" in out and "eight, five, four" in out
    code, out = run("generate", named_run, "--out", tmp_path / "x.npy")
    assert code == 2 and "is a conditional model: pass --condition CLASS" in out
    np.save(tmp_path / "short.npy", np.arange(100) % 3)
    code, out = run("train", table / "digits.csv", "--label-column", "digit", "--condition-file",
                    tmp_path / "short.npy", "--out", tmp_path / "r", *TRAIN)
    assert code == 2 and "has 100 labels but DATA" in out and "has 300 rows" in out, out
    code, out = run("train", "digits", "--condition-column", "digit", "--out", tmp_path / "r", *TRAIN)
    assert code == 2 and "is not a .csv/.tsv/.txt table" in out, out
    code, out = run("train", table / "digits.csv", "--label-column", "digit", "--out", tmp_path / "plain", *TRAIN)
    assert code == 0, out
    code, out = run("generate", tmp_path / "plain", "--condition", 3, "--out", tmp_path / "x.npy")
    assert code == 2 and "is not a conditional model" in out, out
