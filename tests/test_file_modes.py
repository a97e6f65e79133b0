"""Output files and folders get the permissions of the user's umask, not the private modes of
the temporary files they are built in."""

import os
import stat

import numpy as np
import pytest
from click.testing import CliRunner

from aekit.cli import main


@pytest.fixture()
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.slow
def test_run_folders_and_written_files_follow_the_umask(tmp_path, umask_022):
    run = tmp_path / "run"
    X = np.random.default_rng(0).normal(size=(60, 4))
    np.save(tmp_path / "x.npy", X)
    result = CliRunner().invoke(main, ["train", str(tmp_path / "x.npy"), "--out", str(run), "--epochs", "1",
                                       "--latent-dim", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    assert _mode(run) == 0o755 and _mode(run / "model") == 0o755
    assert _mode(run / "model" / "model.safetensors") == 0o644 and _mode(run / "loss.png") == 0o644
    codes = tmp_path / "codes.npy"
    assert CliRunner().invoke(main, ["encode", str(run), str(tmp_path / "x.npy"), "--out", str(codes)]).exit_code == 0
    assert _mode(codes) == 0o644
    out = tmp_path / "scores.csv"
    assert CliRunner().invoke(main, ["detect", str(tmp_path / "x.npy"), "--out", str(out), "--epochs", "2"]).exit_code == 0
    assert _mode(out) == 0o644


def test_a_private_umask_is_respected(tmp_path):
    old = os.umask(0o077)
    try:
        X = np.random.default_rng(0).normal(size=(40, 3))
        np.save(tmp_path / "x.npy", X)
        out = tmp_path / "scores.csv"
        assert CliRunner().invoke(main, ["detect", str(tmp_path / "x.npy"), "--out", str(out), "--epochs", "2"]).exit_code == 0
        assert _mode(out) == 0o600
    finally:
        os.umask(old)


@pytest.mark.slow
def test_report_and_explore_never_replace_a_named_file_unasked(tmp_path):
    run = tmp_path / "run"
    assert CliRunner().invoke(main, ["demo", "--out", str(run), "--epochs", "1", "--quiet"]).exit_code == 0
    for command in ("report", "explore"):
        page = tmp_path / f"{command}.html"
        page.write_text("mine")
        result = CliRunner().invoke(main, [command, str(run), "--out", str(page)])
        assert result.exit_code == 2 and "already exists" in result.output and page.read_text() == "mine"
        assert CliRunner().invoke(main, [command, str(run), "--out", str(page), "--overwrite"]).exit_code == 0
        assert page.read_text().startswith("<!DOCTYPE html>") or "<html" in page.read_text()
        assert CliRunner().invoke(main, [command, str(run)]).exit_code == 0  # the run's own page is rebuilt


def test_write_text_replaces_a_file_whole_with_the_umasks_mode_and_leaves_nothing_on_failure(tmp_path, umask_022,
                                                                                          monkeypatch):
    from aekit import _files

    target = tmp_path / "report.md"
    target.write_text("old")
    _files.write_text(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]

    def fail(tmp, dest):
        raise OSError("disk full")

    monkeypatch.setattr(_files, "replace_file", fail)
    with pytest.raises(OSError, match="disk full"):
        _files.write_text(target, "half")
    assert target.read_text(encoding="utf-8") == "new ✓"  # the old file untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]  # no temporary file left
