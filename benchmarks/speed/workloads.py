"""The workloads several sections time: the hand-written reference loops, aekit's ``fit`` with the
reference's settings, the named presets, and FLOP counting.

The hand-written reference is the minimal loop of issue #8: a random permutation, slices of an
in-memory tensor, ``torch.optim.Adam`` and ``F.mse_loss``; ``fused``/``bf16``/``channels_last``
give its tuned variants. aekit's loss is half the summed squared error per sample (its Gaussian
likelihood); with Adam the scale of the loss barely matters.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import aekit
from aekit import TrainConfig, create_model, fit

HIDDEN = (512, 256)
LATENT = 32


def count_flops(model: nn.Module, example: torch.Tensor, method: str = "loss") -> float:
    """Forward FLOPs per sample (2 per multiply-add) of Linear, Conv2d and ConvTranspose2d layers."""
    total = [0.0]

    def hook(module, inputs, output):
        if isinstance(module, nn.Linear):
            total[0] += 2 * module.in_features * module.out_features * output.numel() / module.out_features
        elif isinstance(module, nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            total[0] += 2 * module.in_channels // module.groups * k * output.numel()
        elif isinstance(module, nn.ConvTranspose2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            total[0] += 2 * module.out_channels // module.groups * k * inputs[0].numel()

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d))]
    with torch.no_grad():
        getattr(model, method)(example) if method else model(example)
    for h in handles:
        h.remove()
    return total[0] / len(example)


def train_gflops(forward_flops: float, samples: int, seconds: float) -> float:
    """Achieved training GFLOP/s, counting a training step as 3x the forward FLOPs (forward,
    gradient with respect to activations, gradient with respect to weights)."""
    return 3 * forward_flops * samples / seconds / 1e9


def mlp(act=nn.ReLU) -> nn.Sequential:
    """The hand-written loop's network: 784-512-256-32, mirrored decoder, linear code and output."""
    return nn.Sequential(
        nn.Linear(784, 512), act(), nn.Linear(512, 256), act(), nn.Linear(256, LATENT),
        nn.Linear(LATENT, 256), act(), nn.Linear(256, 512), act(), nn.Linear(512, 784),
    )


def conv_net() -> nn.Module:
    """aekit's "conv" recipe for 28x28 images (channels 32, 64), as a plain module for the hand loop."""
    model = create_model("conv", (1, 28, 28), latent_dim=LATENT)
    return nn.Sequential(model.encoder, model.decoder)


def hand_loop(X: torch.Tensor, batch_size: int, epochs: int, *, fused: bool = False, bf16: bool = False,
              make=mlp, channels_last: bool = False, seed: int = 0) -> nn.Module:
    """The minimal hand-written reference: random permutation, slices of an in-memory tensor,
    Adam, MSE. ``fused``/``bf16``/``channels_last`` give its tuned variants."""
    torch.manual_seed(seed)
    model = make()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True if fused else None)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(X), generator=g)
        for start in range(0, len(X), batch_size):
            xb = X[perm[start:start + batch_size]]
            if channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            with torch.autocast("cpu", torch.bfloat16, enabled=bf16):
                loss = F.mse_loss(model(xb), xb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return model


def aekit_fit(X: torch.Tensor, batch_size: int, epochs: int, precision: str = "fp32", grad_clip=None,
              recipe: str = "deep", channels_last: bool | None = None, **model_options) -> nn.Module:
    """aekit's low-level ``fit`` with the reference's settings: no validation split, no early
    stopping, no gradient clipping unless asked (the reference has none)."""
    torch.manual_seed(0)
    options = {"hidden_dims": HIDDEN} if recipe in ("deep", "vae") else {}
    model = create_model(recipe, tuple(X.shape[1:]), latent_dim=LATENT, **{**options, **model_options})
    config = TrainConfig(epochs=epochs, batch_size=batch_size, lr=1e-3, validation_split=0.0, early_stopping=None,
                         grad_clip=grad_clip, precision=precision, progress=False, device="cpu", seed=0,
                         channels_last=channels_last)
    fit(model, X, config)
    return model


def warm_up(X: torch.Tensor) -> None:
    """One untimed pass of every kind of run on a little data: thread pools, oneDNN kernels and
    allocator caches are set up before the first timed contender, not inside it."""
    small = X[:1024]
    for bs in (128, 512):
        for bf16 in (False, True):
            hand_loop(small, bs, 1, bf16=bf16)
            hand_loop(small, bs, 1, fused=True, bf16=bf16)
            aekit_fit(small, bs, 1, precision="bf16" if bf16 else "fp32")


def fit_preset(name: str, Xtr: np.ndarray, **overrides) -> tuple[float, aekit.Autoencoder]:
    """Seconds of the whole ``fit`` call of ``aekit.Autoencoder(**aekit.preset(name, ...))``, and the estimator."""
    est = aekit.Autoencoder(**aekit.preset(name, random_state=0, device="cpu", **overrides))
    start = time.perf_counter()
    est.fit(Xtr)
    return time.perf_counter() - start, est


def est_test_mse(est, Xte: np.ndarray) -> float:
    """Test MSE of the trained weights, evaluated in fp32 (a bf16-trained estimator would
    otherwise reconstruct in bf16, mixing inference rounding into the comparison)."""
    exact = copy.copy(est).set_params(precision="fp32")
    return float(np.mean((exact.reconstruct(Xte).astype(np.float64) - Xte) ** 2))
