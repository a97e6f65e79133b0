"""Run by the kill-and-resume test: train with checkpoints; hang at epoch ``HANG`` until killed."""

import sys
import time
from pathlib import Path

import torch
from sklearn.datasets import load_digits

from aekit import TrainConfig, create_model, fit

HANG = 4


def config(checkpoint_dir: str) -> TrainConfig:
    return TrainConfig(
        epochs=7, batch_size=50, lr=3e-3, seed=3, scheduler="cosine", early_stopping=5, device="cpu",
        progress=False, checkpoint_every=1, checkpoint_dir=checkpoint_dir,
    )


def data() -> torch.Tensor:
    return torch.from_numpy(load_digits().data[:300] / 16.0).float()


def model() -> torch.nn.Module:
    torch.manual_seed(3)
    # noise and dropout draw from the torch RNG, so the test also checks that its state is restored
    return create_model("denoising", (64,), latent_dim=4, hidden_dims=[32], dropout=0.1)


if __name__ == "__main__":
    marker = Path(sys.argv[2])

    def hang(epoch, record, m):
        if epoch == HANG:
            marker.write_text("checkpoint of the previous epoch is on disk")
            time.sleep(120)

    fit(model(), data(), config(sys.argv[1]), callbacks=[hang])
