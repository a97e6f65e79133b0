"""Progress of a fit: a bar over every sample on a terminal, one plain line per epoch in a log."""

import re
import sys

import pytest
import torch

from aekit import TrainConfig, create_model, fit
from aekit.training import progress


def _fit(epochs=3, progress=True, **options):
    model = create_model("deep", (6,), latent_dim=2, hidden_dims=(8,))
    return fit(model, torch.rand(100, 6), TrainConfig(epochs=epochs, batch_size=32, progress=progress,
                                                      validation_split=0.2, early_stopping=None, **options))


def test_a_log_gets_one_plain_line_per_epoch_with_an_eta_and_a_summary(capsys):
    history = _fit()
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 4 and lines[0].startswith("epoch 1/3 train_total=") and "val_total=" in lines[0]
    assert re.search(r"\(\d+\.\d s, ETA \d+ s\)$", lines[0]) and "ETA" not in lines[2]  # none once done
    best = min(history["val_total"])
    assert re.fullmatch(rf"trained 3 epochs in \d+\.\d s, final loss {history['train_total'][-1]:.4g}, "
                        rf"best val {best:.4g} at epoch {history['val_total'].index(best) + 1}", lines[3])
    assert "\r" not in err and "\x1b" not in err  # nothing to garble a log file


def test_a_long_epoch_writes_periodic_lines_to_a_log(capsys, monkeypatch):
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)  # a line after every step (the default is 30 s)
    _fit(epochs=2)
    lines = capsys.readouterr().err.strip().splitlines()
    # 80 training rows in batches of 32: 3 steps per epoch, a line after each, then the epoch's line
    assert [line.split(" (")[0] for line in lines[:3]] == [
        "epoch 1/2: 32/80 samples", "epoch 1/2: 64/80 samples", "epoch 1/2: 80/80 samples"]
    assert lines[3].startswith("epoch 1/2 train_total=") and lines[4].startswith("epoch 2/2: 32/80 samples (")
    assert re.search(r"ETA \d+ s\)$", lines[0])
    assert len(lines) == 9 and lines[-1].startswith("trained 2 epochs in")


def test_a_terminal_gets_one_bar_over_all_samples_that_stays(capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    _fit()
    err = capsys.readouterr().err
    assert "240/240" in err  # 80 training rows x 3 epochs, counted batch by batch
    assert "epoch=3" in err and err.endswith("\n")  # the finished bar is left on screen
    assert err.splitlines()[-1].startswith("trained 3 epochs in")  # and the summary below it


@pytest.mark.slow
def test_a_resumed_fit_summarises_the_epochs_it_ran(capsys, tmp_path):
    model, X = create_model("deep", (6,), latent_dim=2, hidden_dims=(8,)), torch.rand(100, 6)
    config = {"batch_size": 32, "validation_split": 0.0, "early_stopping": None, "checkpoint_dir": str(tmp_path)}
    fit(model, X, TrainConfig(epochs=2, checkpoint_every=1, progress=False, **config))
    fit(model, X, TrainConfig(epochs=4, progress=True, **config), resume_from=str(tmp_path))
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert re.fullmatch(r"trained epochs 3-4 in \d+\.\d s, final loss \S+", last)  # no validation: no best val


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_a_step_reads_no_tensor_from_the_device(monkeypatch, optimizer):
    """Host syncs come from reading tensors: log every read while a fit runs with progress on,
    beside each step's progress call. After the first step only the once-per-epoch reads of the
    loss sums (train, then validation) may appear; before it, setup checks the data once. With
    SGD the gradient-norm guard (grad_clip="auto") also reads its norm once a step on the CPU, to
    skip multiplying the gradients by 1: a read of host memory, with no device to wait for
    (training/clipping.py). Adam has no guard rail: its steps are bounded anyway."""
    events = []
    for name in ("item", "tolist", "__float__", "__int__", "__bool__"):
        original = getattr(torch.Tensor, name)
        monkeypatch.setattr(torch.Tensor, name, lambda self, *a, _o=original, _n=name: events.append(_n) or _o(self, *a))
    step = progress.Progress.step
    monkeypatch.setattr(progress.Progress, "step", lambda self, n: events.append("step") or step(self, n))
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)  # the in-epoch log lines run after every step too
    _fit(epochs=3, optimizer=optimizer)
    per_step = ["item", "step"] if optimizer == "sgd" else ["step"]
    first = events.index("step") - len(per_step) + 1  # the first step's norm, if any
    assert events[first:] == (per_step * 3 + ["tolist"] * 2) * 3  # 80 rows: 3 steps an epoch


def test_verbose_progress_writes_a_line_per_epoch_above_the_bar(monkeypatch, capsys):
    import sys

    from aekit.training.progress import Progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    lines = {}
    for level in (1, 2):
        progress = Progress(level, 1, 3, samples_per_epoch=10)
        for epoch in (1, 2, 3):
            progress.step(10)
            progress.epoch({"epoch": epoch, "train_total": 0.5 / epoch})
        progress.close()
        lines[level] = [line for line in capsys.readouterr().err.replace("\r", "\n").splitlines()
                        if line.startswith("epoch ")]
    assert lines[1] == []
    assert [line.split(" (")[0] for line in lines[2]] == [
        "epoch 1/3 train_total=0.5", "epoch 2/3 train_total=0.25", "epoch 3/3 train_total=0.1667"]
