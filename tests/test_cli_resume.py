"""`aekit train --checkpoint-every` then `aekit train --resume RUN_DIR` after a crash."""

import csv

import numpy as np
import pytest
from click.testing import CliRunner

from aekit.cli import main
from aekit.training.session import Session


def _metrics(folder):
    with open(folder / "metrics.csv") as fh:
        return [(row["epoch"], row["train_total"], row["val_total"]) for row in csv.DictReader(fh)]


@pytest.mark.slow
@pytest.mark.parametrize("recipe", [[], ["--recipe", "vae", "--kl-warmup", "3"]], ids=["autoencoder", "vae"])
def test_crash_then_resume_matches_an_uninterrupted_run(tmp_path, digits_flat, monkeypatch, recipe):
    data = tmp_path / "d.npy"
    np.save(data, digits_flat[0][:240])
    args = ["train", str(data), "--epochs", "4", "--checkpoint-every", "1", "--latent-dim", "2", "--hidden-dims", "8",
            "--quiet", "--device", "cpu", "--corruption", "gaussian", *recipe]
    runner = CliRunner()
    full = runner.invoke(main, args + ["--out", str(tmp_path / "full")])
    assert full.exit_code == 0, full.output
    assert not (tmp_path / "full" / "checkpoint").exists()  # a finished run keeps no checkpoint

    original = Session.maybe_checkpoint

    def crash_after_epoch_2(self, epoch, last):
        original(self, epoch, last)
        if epoch == 2:
            raise KeyboardInterrupt("simulated crash")

    monkeypatch.setattr(Session, "maybe_checkpoint", crash_after_epoch_2)
    crashed = runner.invoke(main, args + ["--out", str(tmp_path / "run")])
    assert crashed.exit_code != 0 and (tmp_path / "run" / "checkpoint" / "checkpoint.pt").is_file()
    monkeypatch.setattr(Session, "maybe_checkpoint", original)

    again = runner.invoke(main, args + ["--out", str(tmp_path / "run")])  # not resumed: refused, nothing lost
    assert again.exit_code == 2 and "already exists" in again.output
    resumed = runner.invoke(main, ["train", "--resume", str(tmp_path / "run")])
    assert resumed.exit_code == 0, resumed.output
    assert _metrics(tmp_path / "run") == _metrics(tmp_path / "full")  # same losses, digit for digit
    assert (tmp_path / "run" / "model" / "model.safetensors").read_bytes() == \
        (tmp_path / "full" / "model" / "model.safetensors").read_bytes()
    kind = "VariationalAutoencoder" if recipe else "Autoencoder"  # a VAE run resumes as a VAE
    assert f"{kind}" in runner.invoke(main, ["info", str(tmp_path / "run")]).output.splitlines()[0]


@pytest.mark.parametrize("args, message", [
    (["train", "--resume", "nowhere"], "does not exist"),
    (["train", "digits", "--resume", "x"], "either DATA or --resume"),
    (["train", "digits"], "give DATA and --out"),
])
def test_resume_usage_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x").mkdir()
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
