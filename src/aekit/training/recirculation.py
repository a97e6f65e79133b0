"""Recirculation (Hinton & McClelland 1988): training a one-hidden-layer autoencoder without gradients.

Activity goes round the loop twice and each weight learns from the difference between the two
visits of the unit it feeds (``lam`` is the "regression" that mixes in the previous activity):

    h0 = act(W x0 + b)                      hidden, first pass
    x2 = lam * x0 + (1 - lam) * g(V h0 + c) visible, after one trip round
    h3 = lam * h0 + (1 - lam) * act(W x2 + b)
    V += lr * (x0 - x2) h0^T,   c += lr * (x0 - x2)
    W += lr * (h0 - h3) x2^T,   b += lr * (h0 - h3)

``g`` is the likelihood's mean (logistic for Bernoulli, identity for Gaussian). It is of
historical interest -- a learning rule local in space and time that approximates backpropagation
for this architecture -- and is rarely used in practice: backpropagation is faster and more general.
"""

from __future__ import annotations

import torch
from torch import nn

from .batching import as_float_tensor, take_rows
from .history import History


def _single_layer_parts(model) -> tuple[nn.Linear, nn.Module, nn.Linear]:
    """(encoder linear, code activation, decoder linear) of a one-hidden-layer MLP autoencoder."""
    from ..models.latents import DeterministicLatent  # late: models imports training

    enc = [m for m in model.encoder.modules() if not isinstance(m, (nn.Sequential, nn.Flatten))]
    dec = [m for m in model.decoder.modules() if not isinstance(m, (nn.Sequential, nn.Unflatten))]
    if (
        not isinstance(model.latent, DeterministicLatent)
        or len(enc) != 2
        or not isinstance(enc[0], nn.Linear)
        or len(dec) != 1
        or not isinstance(dec[0], nn.Linear)
        or model.likelihood.n_params != 1
    ):
        raise ValueError(
            "recirculation needs a single-hidden-layer MLP autoencoder with an untied decoder, a "
            "deterministic code and a gaussian or bernoulli likelihood, e.g. "
            "create_model('sparse-kl', shape, weight=0) or build_autoencoder(shape, k, hidden_dims=(), "
            "architecture='mlp', code_activation='sigmoid')"
        )
    return enc[0], enc[1], dec[0]


@torch.no_grad()
def train_recirculation(
    model,
    data,
    *,
    epochs: int = 50,
    lr: float = 0.1,
    lam: float = 0.75,
    batch_size: int = 32,
    seed: int | None = 0,
) -> History:
    """Train ``model`` in place with the recirculation rule; returns per-epoch reconstruction MSE.

    Parameters
    ----------
    model : AutoencoderModel
        One hidden layer (``hidden_dims=()``), typically with ``code_activation="sigmoid"``.
    data : array or Tensor, shape (n, *input_shape)
    lr : float
        Step size; updates are averaged over the batch.
    lam : float in [0, 1)
        Regression of the second visit towards the first (0.75 in the paper).

    Examples
    --------
    >>> from aekit.models import build_autoencoder
    >>> model = build_autoencoder((64,), 16, hidden_dims=(), architecture="mlp", code_activation="sigmoid")
    >>> hist = train_recirculation(model, torch.rand(100, 64), epochs=2)
    >>> len(hist)
    2
    """
    for arg, value in (("epochs", epochs), ("batch_size", batch_size)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{arg} must be a positive int, got {value!r}")
    if not isinstance(lr, (int, float)) or lr <= 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if not isinstance(lam, (int, float)) or not 0 <= lam < 1:
        raise ValueError(f"lam must be in [0, 1), got {lam!r}")
    enc, act, dec = _single_layer_parts(model)
    x_all = as_float_tensor(data, "data").flatten(1).to(enc.weight.device)
    if x_all.shape[1] != enc.in_features:
        raise ValueError(f"data has {x_all.shape[1]} features per sample, the model expects {enc.in_features}")
    visible = lambda h: model.likelihood.mean(dec(h))  # noqa: E731  (g: decoder output in data space)
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    history = History()
    model.eval()  # no corruption or dropout: recirculation compares two deterministic passes
    for epoch in range(1, epochs + 1):
        order = torch.randperm(len(x_all), generator=generator).to(x_all.device)  # once an epoch, not per batch
        for start in range(0, len(x_all), batch_size):
            x0 = take_rows(x_all, order[start : start + batch_size])
            h0 = act(enc(x0))
            x2 = lam * x0 + (1 - lam) * visible(h0)
            h3 = lam * h0 + (1 - lam) * act(enc(x2))
            dv, dh, n = x0 - x2, h0 - h3, len(x0)
            dec.weight += lr * dv.T @ h0 / n
            dec.bias += lr * dv.mean(0)
            enc.weight += lr * dh.T @ x2 / n
            enc.bias += lr * dh.mean(0)
        recon = torch.cat([visible(act(enc(x_all[i : i + 4096]))) for i in range(0, len(x_all), 4096)])
        mse = float((recon - x_all).pow(2).mean())
        history.records.append({"epoch": epoch, "train_mse": mse})
    return history
