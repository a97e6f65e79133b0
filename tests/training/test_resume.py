"""Checkpoints: a run killed with SIGKILL and resumed ends with bitwise the weights of an uninterrupted run."""

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from aekit import TrainConfig, create_model, fit
from aekit.training.checkpoint import load_checkpoint, save_checkpoint

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import resume_worker  # noqa: E402


def _weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_then_resume_equals_uninterrupted(tmp_path):
    ckpt, marker = tmp_path / "ckpt", tmp_path / "hanging"
    proc = subprocess.Popen([sys.executable, str(HERE / "resume_worker.py"), str(ckpt), str(marker)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 90
    while not marker.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists(), proc.communicate()[1].decode()[-2000:]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    saved = load_checkpoint(ckpt)
    assert saved["epoch"] == resume_worker.HANG - 1 and len(saved["history"]["records"]) == resume_worker.HANG - 1

    resumed = resume_worker.model()  # freshly initialised: the checkpoint must supply everything
    history = fit(resumed, resume_worker.data(), resume_worker.config(str(ckpt)), resume_from=ckpt)
    whole = resume_worker.model()
    reference = fit(whole, resume_worker.data(), resume_worker.config(str(tmp_path / "ref")))

    assert len(history) == len(reference) == 7
    assert history["val_total"] == reference["val_total"]  # bitwise, epoch by epoch
    for key, value in whole.state_dict().items():
        assert torch.equal(resumed.state_dict()[key], value), key
    assert not list(ckpt.glob(".checkpoint.pt.*")), "temporary files must be renamed or removed"


def test_resume_refuses_changed_options_and_foreign_files(tmp_path, digits_flat, monkeypatch):
    X = digits_flat[0][:120]
    config = TrainConfig(epochs=2, batch_size=40, progress=False, checkpoint_every=1, checkpoint_dir=str(tmp_path))
    fit(create_model("deep", (64,), latent_dim=2), X, config)
    changed = TrainConfig(epochs=3, batch_size=20, progress=False)
    with pytest.raises(ValueError, match="batch_size: 40 -> 20"):
        fit(create_model("deep", (64,), latent_dim=2), X, changed, resume_from=tmp_path)
    with pytest.raises(ValueError, match="does not fit this model"):
        fit(create_model("deep", (64,), latent_dim=3), X, config, resume_from=tmp_path)
    # resuming a finished run with more epochs continues where it ended
    longer = TrainConfig(epochs=4, batch_size=40, progress=False)
    assert len(fit(create_model("deep", (64,), latent_dim=2), X, longer, resume_from=tmp_path)) == 4

    class Boom:
        def __reduce__(self):
            return (exec, ("open('PWNED', 'w').write('x')",))

    planted = tmp_path / "planted.pt"
    planted.write_bytes(pickle.dumps({"format": "aekit-checkpoint", "x": Boom()}))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="not a readable aekit checkpoint"):
        load_checkpoint(planted)
    assert not (tmp_path / "PWNED").exists()
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")  # loadable, but not ours
    with pytest.raises(ValueError, match="not an aekit checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    assert load_checkpoint(save_checkpoint(tmp_path / "mine.pt", {"epoch": 1}))["epoch"] == 1
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing")
