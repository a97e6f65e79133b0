"""One dialect across the ``aekit`` commands: the same option has the same name, type and meaning
everywhere, global options work before or after the command, and every command shows an example."""

import numpy as np
import pytest
from click.testing import CliRunner

from aekit.cli import main
from aekit.cli.app import GLOBAL_OPTIONS

#: Commands that train a model: each takes every global option.
TRAINING_COMMANDS = ("train", "demo", "detect", "detect-series", "restore", "pretrain", "evaluate", "word2vec",
                     "masked-lm")
#: Commands that read rows of DATA: each takes --limit.
ROW_READING_COMMANDS = ("train", "detect", "detect-series", "restore", "restore-images", "pretrain", "encode",
                        "reconstruct")


def _ok(result):
    assert result.exit_code == 0, result.output
    return result.output


def _params(command: str) -> dict:
    return {p.name: p for p in main.commands[command].params}


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_with_an_example(command):
    text = _ok(CliRunner().invoke(main, [command, "--help"], terminal_width=200, prog_name="aekit"))
    assert "Usage: aekit" in text and "Example:" in text
    example = text.split("Example:")[1].strip().splitlines()[0].strip()
    assert example.startswith(f"aekit {command}") or example.startswith("aekit "), example


@pytest.mark.parametrize("command", TRAINING_COMMANDS)
def test_training_commands_take_every_global_option(command):
    assert set(GLOBAL_OPTIONS) <= set(_params(command)), command


@pytest.mark.parametrize("command", ROW_READING_COMMANDS)
def test_row_reading_commands_take_limit(command):
    assert _params(command)["limit"].opts[0] == "--limit"


@pytest.mark.parametrize("name", [*GLOBAL_OPTIONS, "limit", "overwrite", "out", "split", "label_column", "epochs",
                                  "batch_size", "lr", "latent_dim", "hidden_dims", "options"])
def test_an_option_has_one_spelling_and_kind_everywhere(name):
    seen = {}
    for command in main.commands:
        param = _params(command).get(name)
        if param is not None:
            seen[command] = (param.opts[0], param.is_flag if hasattr(param, "is_flag") else None, param.multiple)
    assert len(set(seen.values())) <= 1, seen


def test_every_output_path_comes_with_overwrite():
    for command in main.commands:
        params = _params(command)
        writes = [n for n in ("out", "grid", "run_dir") if n in params]
        if writes:
            assert "overwrite" in params, f"aekit {command} writes {writes} but takes no --overwrite"


@pytest.fixture()
def blobs_csv(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    X[:6] += 6
    path = tmp_path / "blobs.csv"
    np.savetxt(path, X, delimiter=",", header="a,b,c,d", comments="", fmt="%.6f")
    return path


@pytest.mark.slow
def test_global_options_before_the_command_equal_options_after_it(tmp_path, blobs_csv):
    fast = ["--estimators", "2", "--epochs", "2", "--option", "n_neighbors=0"]
    before, after, other = tmp_path / "before.csv", tmp_path / "after.csv", tmp_path / "other.csv"
    _ok(CliRunner().invoke(main, ["--seed", "7", "--quiet", "--device", "cpu", "detect", str(blobs_csv),
                                  "--out", str(before), *fast]))
    _ok(CliRunner().invoke(main, ["detect", str(blobs_csv), "--out", str(after), *fast, "--seed", "7", "--quiet",
                                  "--device", "cpu", "--threads", "1"]))
    _ok(CliRunner().invoke(main, ["detect", str(blobs_csv), "--out", str(other), *fast, "--seed", "8", "--quiet"]))
    assert before.read_text() == after.read_text()
    assert before.read_text() != other.read_text()  # the seed really reached the detector


def test_a_global_option_the_command_does_not_take_is_an_error():
    result = CliRunner().invoke(main, ["--seed", "3", "info", "somewhere"])
    assert result.exit_code == 2 and "`aekit info` takes no --seed" in result.output
    result = CliRunner().invoke(main, ["--verbose", "recipes"])
    assert result.exit_code == 2 and "--verbose" in result.output


def test_quiet_and_verbose_together_are_refused(tmp_path, blobs_csv):
    result = CliRunner().invoke(main, ["detect", str(blobs_csv), "--out", str(tmp_path / "s.csv"), "--quiet",
                                       "--verbose"])
    assert result.exit_code == 2 and "--quiet and --verbose" in result.output
    assert not (tmp_path / "s.csv").exists()


@pytest.mark.slow
def test_limit_reads_only_the_first_rows(tmp_path, blobs_csv):
    out = tmp_path / "s.csv"
    _ok(CliRunner().invoke(main, ["detect", str(blobs_csv), "--out", str(out), "--limit", "50", "--epochs", "2",
                                  "--estimators", "2", "--quiet"]))
    assert len(out.read_text().strip().splitlines()) == 1 + 50  # header + one row per scored sample
