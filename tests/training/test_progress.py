"""Progress of a fit: a bar over every sample on a terminal, one plain line per epoch in a log."""

import sys

import torch

from aekit import TrainConfig, create_model, fit


def _fit(epochs=3, progress=True):
    model = create_model("deep", (6,), latent_dim=2, hidden_dims=(8,))
    return fit(model, torch.rand(100, 6), TrainConfig(epochs=epochs, batch_size=32, progress=progress,
                                                      validation_split=0.2, early_stopping=None))


def test_a_log_gets_one_plain_line_per_epoch(capsys):
    _fit()
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("epoch 1/3 train_total=") and "val_total=" in lines[0]
    assert "\r" not in err and "\x1b" not in err  # nothing to garble a log file


def test_a_terminal_gets_one_bar_over_all_samples_that_stays(capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    _fit()
    err = capsys.readouterr().err
    assert "240/240" in err  # 80 training rows x 3 epochs, counted batch by batch
    assert "epoch=3" in err and err.endswith("\n")  # the finished bar is left on screen


def test_no_progress_prints_nothing(capsys):
    _fit(progress=False)
    assert capsys.readouterr().err == ""
