"""aekit evaluate --protocol finetune (--label-fraction, --finetune-epochs, --trainable) and
--label-fraction for the frozen-feature probes."""

import json

import pytest
from click.testing import CliRunner

from aekit.cli import main


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output  # progress goes to stderr


@pytest.fixture(scope="module")
def backbone(tmp_path_factory):
    out = tmp_path_factory.mktemp("ssl") / "rotation"
    code, text = run("pretrain", "digits", "--method", "rotation", "--epochs", 2, "--backbone-option",
                     "out_features=32", "--out", out, "--quiet")
    assert code == 0, text
    return out


@pytest.mark.slow
def test_finetune_protocol_trains_on_a_fraction_of_the_labels(backbone, tmp_path):
    code, text = run("evaluate", backbone, "digits", "--protocol", "finetune", "--label-fraction", 0.1,
                     "--finetune-epochs", 20, "--finetune-lr", 3e-3, "--out", tmp_path / "full", "--json")
    assert code == 0, text
    full = json.loads(text)
    # digits: 1347 training rows (75%), 10% of each class = 136 labels, 30 of them held out to pick the epoch
    assert full["protocol"] == "finetune" and full["n_train"] == 136 and full["n_val"] == 30
    assert full["accuracy"] > 0.5 and full["n_test"] == 450 and 1 <= full["best_epoch"] <= full["epochs_trained"]
    code, text = run("evaluate", backbone, "digits", "--protocol", "finetune", "--trainable", "head",
                     "--label-fraction", 0.01, "--finetune-epochs", 20, "--finetune-lr", 3e-2, "--out",
                     tmp_path / "head", "--json")
    assert code == 0, text
    head = json.loads(text)
    # 1%: one label per class, none to hold out, so no epoch is chosen: all 20 are trained
    assert head["trainable"] == "head" and head["n_train"] == 10 and head["n_val"] == 0
    assert head["best_epoch"] is None and head["epochs_trained"] == 20
    assert 0.2 < head["accuracy"] < full["accuracy"]  # chance is 0.1


@pytest.mark.slow
def test_label_fraction_subsets_the_frozen_probes_too(backbone, tmp_path):
    code, text = run("evaluate", backbone, "digits", "--label-fraction", 0.1, "--out", tmp_path / "lin", "--json")
    assert code == 0, text
    assert json.loads(text)["n_train"] == 136
    code, text = run("evaluate", backbone, "digits", "--protocol", "finetune", "--pool-grid", 2, "--out",
                     tmp_path / "x")
    assert code == 2 and "--pool-grid" in text
