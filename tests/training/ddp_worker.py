"""Run by the DDP test under ``python -m torch.distributed.run``: train, and rank 0 saves the result."""

import json
import sys

import torch
from safetensors.torch import save_file
from sklearn.datasets import load_digits

from aekit import TrainConfig, create_model, fit
from aekit.training.distributed import info

CONFIG = dict(epochs=3, batch_size=64, lr=3e-3, seed=0, validation_split=0.25, device="cpu", progress=False)


def train() -> tuple[torch.nn.Module, dict]:
    X = torch.from_numpy(load_digits().data[:256] / 16.0).float()
    torch.manual_seed(0)
    model = create_model("deep", (64,), latent_dim=4, hidden_dims=[32])
    history = fit(model, X, TrainConfig(**CONFIG))
    return model, history.to_dict()


if __name__ == "__main__":
    torch.set_num_threads(1)  # two ranks share the cores
    model, history = train()
    if info().is_main:
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, sys.argv[1] + ".safetensors")
        with open(sys.argv[1] + ".json", "w") as fh:
            json.dump({"history": history, "world": info().world_size}, fh)
