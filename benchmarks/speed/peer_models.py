"""Models for the peers section: pythae's VAE with aekit's layer sizes, trained through pythae's
``TrainingPipeline``, and the hand-written VAE loop it is bounded by. pythae is imported only when
these run.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import torch
from torch import nn

from .workloads import LATENT


class _PythaeNets:
    """pythae encoder/decoder with aekit's layer sizes (pythae's own MLPs have one 512 layer)."""

    @staticmethod
    def build():
        from pythae.models.base.base_utils import ModelOutput
        from pythae.models.nn import BaseDecoder, BaseEncoder

        class Encoder(BaseEncoder):
            def __init__(self):
                BaseEncoder.__init__(self)
                self.body = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU())
                self.head = nn.Linear(256, 2 * LATENT)  # mu and log-variance, as aekit's one linear head

            def forward(self, x):
                mu, logvar = self.head(self.body(x)).chunk(2, dim=1)
                return ModelOutput(embedding=mu, log_covariance=logvar)

        class Decoder(BaseDecoder):
            def __init__(self):
                BaseDecoder.__init__(self)
                self.body = nn.Sequential(nn.Linear(LATENT, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(),
                                          nn.Linear(512, 784))

            def forward(self, z):
                return ModelOutput(reconstruction=self.body(z).reshape(-1, 1, 28, 28))

        return Encoder(), Decoder()


def hand_vae_loop(X: torch.Tensor, batch_size: int, epochs: int, seed: int = 0) -> nn.Module:
    """The hand-written VAE reference: the pythae/aekit VAE's layers (encoder 784-512-256 and one
    linear head for mu and log-variance, mirrored decoder), randperm + slices, fused Adam,
    0.5 * SSE + analytic KL per sample, batch mean."""
    torch.manual_seed(seed)
    enc = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 2 * LATENT))
    dec = nn.Sequential(nn.Linear(LATENT, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 784))
    model = nn.ModuleList([enc, dec])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(X), generator=g)
        for start in range(0, len(X), batch_size):
            xb = X[perm[start:start + batch_size]]
            mu, logvar = enc(xb).chunk(2, dim=1)
            z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
            recon = 0.5 * (dec(z) - xb).pow(2).sum(1)
            kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
            loss = (recon + kl).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return model


def pythae_fit(X_img: np.ndarray, batch_size: int, epochs: int, workdir: str):
    from pythae.models import VAE, VAEConfig
    from pythae.pipelines import TrainingPipeline
    from pythae.trainers import BaseTrainerConfig

    torch.manual_seed(0)
    encoder, decoder = _PythaeNets.build()
    model = VAE(VAEConfig(input_dim=(1, 28, 28), latent_dim=LATENT, reconstruction_loss="mse"), encoder, decoder)
    config = BaseTrainerConfig(output_dir=workdir, num_epochs=epochs, per_device_train_batch_size=batch_size,
                               learning_rate=1e-3, optimizer_cls="Adam", keep_best_on_train=True, no_cuda=True,
                               seed=0)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        TrainingPipeline(training_config=config, model=model)(train_data=X_img)
    return model


def version(module: str) -> str:
    try:
        from importlib.metadata import version as _version

        return _version(module)
    except Exception:  # noqa: BLE001
        return "?"
