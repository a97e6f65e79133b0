"""Log-likelihood estimates for variational autoencoders, in nats per sample.

- :func:`elbo`: the evidence lower bound ``E_q[log p(x|z)] - KL(q(z|x) || p(z))`` with the
  analytic KL and the exact decoder log-likelihood (``likelihood.nll``, constants included).
- :func:`iwae_bound`: the importance-weighted bound of Burda et al. (2016),
  ``log p(x) >= log (1/k) sum_k p(x, z_k) / q(z_k | x)``, z_k ~ q(z|x). It equals the ELBO in
  expectation for k=1, does not decrease in expectation as k grows, and tends to log p(x). The k
  samples are drawn and decoded in chunks of at most ``chunk_size`` rows and combined with a
  running log-sum-exp, so k may be thousands without holding k decoded batches in memory.

The negative of :func:`iwae_bound` with k >= 1000 is the usual "test NLL" of the VAE literature.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import torch

from ..models.autoencoder import AutoencoderModel
from ..models.blockwise import infer_rows

_LOG_2PI = math.log(2 * math.pi)


def _check_vae(model: AutoencoderModel) -> None:
    latent = getattr(model, "latent", None)
    if not (hasattr(latent, "split") and getattr(latent, "n_params", 1) == 2):
        raise ValueError(
            "likelihood estimates need a probabilistic encoder (a Gaussian latent, e.g. recipe 'vae'); "
            f"this model's latent is {type(latent).__name__}"
        )


def _as_input(model: AutoencoderModel, x, device: torch.device) -> torch.Tensor:
    x = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x, dtype=torch.float32)
    if x.dim() == 2 and tuple(x.shape[1:]) != model.input_shape and x.shape[1] == math.prod(model.input_shape):
        x = x.reshape(len(x), *model.input_shape)
    if tuple(x.shape[1:]) != model.input_shape:
        raise ValueError(f"x must have shape (n, {', '.join(map(str, model.input_shape))}), got {tuple(x.shape)}")
    return x.to(device)


def _log_weights(
    model: AutoencoderModel, x: torch.Tensor, condition, k: int, chunk_size: int, generator: torch.Generator,
    shared: bool = False,
) -> Iterator[torch.Tensor]:
    """Chunks (m, B) of log p(x, z) - log q(z | x) for k samples z ~ q(z | x) per row of x."""
    mu, logvar = model.latent.split(model.encode_params(x, condition))  # (B, D) each
    std = torch.exp(0.5 * logvar)
    c = model._condition(condition, x)
    per_chunk = max(1, chunk_size // len(x))
    done = 0
    while done < k:
        m = min(per_chunk, k - done)
        rows = 1 if shared else len(x)  # shared: one set of draws for every data point
        eps = torch.randn((m, rows, mu.shape[1]), generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + std * eps  # (m, B, D)
        flat = z.reshape(m * len(x), -1)
        params = model._decode_params(flat, None if c is None else c.repeat(m, 1))
        log_px_z = -model.likelihood.nll(params, x.repeat(m, *([1] * (x.dim() - 1)))).view(m, len(x))
        log_pz = -0.5 * (z.pow(2) + _LOG_2PI).sum(-1)
        log_qz = -0.5 * (eps.pow(2) + logvar + _LOG_2PI).sum(-1)
        yield log_px_z + log_pz - log_qz
        done += m


def _check_positive_ints(**values) -> None:
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")


def _prepare(model, x, condition, seed):
    _check_vae(model)
    device = next(model.parameters()).device
    x = _as_input(model, x, device)
    if condition is not None:
        condition = torch.as_tensor(np.asarray(condition) if not isinstance(condition, torch.Tensor) else condition)
        condition = condition.to(device)
    generator = torch.Generator(device=device)
    generator.manual_seed(seed if seed is not None else int(torch.seed() % 2**63))
    return x, condition, generator


def iwae_bound(
    model: AutoencoderModel,
    x,
    k: int = 1000,
    *,
    condition=None,
    batch_size: int = 100,
    chunk_size: int = 20000,
    seed: int | None = 0,
    shared_noise: bool = False,
) -> torch.Tensor:
    """Importance-weighted lower bound on log p(x) per sample, shape (n,), in nats.

    Parameters
    ----------
    model : AutoencoderModel with a Gaussian latent
    x : array or tensor, (n, *input_shape) or flat (n, n_features)
    k : int
        Importance samples per data point; k=1 gives a one-sample ELBO estimate.
    condition : labels or vectors, optional
        For a conditional model.
    batch_size : int
        Data points encoded together: every batch has exactly this many rows (the last one padded,
        see :func:`aekit.models.blockwise.infer_rows`), so a point's bound does not depend on how
        many others are scored with it.
    chunk_size : int
        Most rows (samples x data points) decoded at once: bounds memory for large k.
    seed : int or None
        Seeds the importance samples (None: fresh randomness).
    shared_noise : bool
        Use the same k standard-normal draws for every data point (drawn again from ``seed`` for
        every batch), so each point's estimate does not depend on how ``x`` is batched or ordered
        (each stays an unbiased estimate). Without it a point's draws depend on its place in ``x``.

    Examples
    --------
    >>> from aekit import create_model
    >>> model = create_model("vae", (6,), latent_dim=2, likelihood="bernoulli").eval()
    >>> iwae_bound(model, torch.rand(3, 6).round(), k=50).shape
    torch.Size([3])
    """
    _check_positive_ints(k=k, batch_size=batch_size, chunk_size=chunk_size)
    x, condition, generator = _prepare(model, x, condition, seed)
    base = generator.initial_seed()

    def bound(xb: torch.Tensor, cb) -> torch.Tensor:
        if shared_noise:
            generator.manual_seed(base)
        total = torch.full((len(xb),), -math.inf, device=xb.device)
        for log_w in _log_weights(model, xb, cb, k, chunk_size, generator, shared_noise):
            total = torch.logaddexp(total, torch.logsumexp(log_w, dim=0))  # running log-sum-exp
        return total - math.log(k)

    return infer_rows(bound, x, condition, module=model, block=batch_size)


def elbo(
    model: AutoencoderModel,
    x,
    *,
    n_samples: int = 1,
    condition=None,
    batch_size: int = 256,
    seed: int | None = 0,
    shared_noise: bool = False,
) -> torch.Tensor:
    """Evidence lower bound per sample, shape (n,), in nats: ``E_q[log p(x|z)] - KL``.

    The expectation is a Monte-Carlo mean over ``n_samples`` draws of z; the KL is analytic.
    ``batch_size`` and ``shared_noise`` as in :func:`iwae_bound`.

    Examples
    --------
    >>> from aekit import create_model
    >>> model = create_model("vae", (6,), latent_dim=2, likelihood="bernoulli").eval()
    >>> bool((elbo(model, torch.rand(3, 6).round()) < 0).all())
    True
    """
    _check_positive_ints(n_samples=n_samples, batch_size=batch_size)
    x, condition, generator = _prepare(model, x, condition, seed)
    base = generator.initial_seed()

    def bound(xb: torch.Tensor, cb) -> torch.Tensor:
        if shared_noise:
            generator.manual_seed(base)
        mu, logvar = model.latent.split(model.encode_params(xb, cb))
        c = model._condition(cb, xb)
        rec = torch.zeros(len(xb), device=xb.device)
        rows = 1 if shared_noise else len(xb)
        for _ in range(n_samples):
            eps = torch.randn((rows, mu.shape[1]), generator=generator, device=mu.device)
            z = mu + torch.exp(0.5 * logvar) * eps
            rec += model.likelihood.nll(model._decode_params(z, c), xb)
        kl = model.latent.kl_per_dim(mu, logvar).sum(dim=1)
        return -rec / n_samples - kl

    return infer_rows(bound, x, condition, module=model, block=batch_size)
