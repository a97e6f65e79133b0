"""Stacked autoencoders: greedy layer-wise pretraining, then end-to-end fine-tuning.

Bengio et al. (2007), Vincent et al. (2010): train layer 1 as a one-hidden-layer autoencoder on
``x``, layer 2 on the codes of layer 1, and so on; then train the whole stack end to end.

No weights are copied: each layer's autoencoder is assembled from the *same modules* as the deep
model (encoder block ``i`` and its mirror decoder block), so training it trains the deep model in
place. Each layer may be denoising, sparse or contractive through its own corruption/regularisers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ..training import History, TrainConfig, fit
from ..training.batching import as_float_tensor
from .autoencoder import AutoencoderModel
from .latents import DeterministicLatent


@dataclass
class StackedHistory:
    """Histories of each greedy layer and of the fine-tuning (None when skipped)."""

    layers: list[History] = field(default_factory=list)
    finetune: History | None = None


def _blocks(modules: Sequence[nn.Module]) -> list[nn.Sequential]:
    """Split a flat MLP into blocks that each start at a Linear layer (its norm/activation/dropout after)."""
    blocks: list[list[nn.Module]] = []
    for m in modules:
        if isinstance(m, nn.Linear):
            blocks.append([m])
        elif isinstance(m, (nn.Flatten, nn.Unflatten)):
            continue
        elif blocks:
            blocks[-1].append(m)
    return [nn.Sequential(*b) for b in blocks]


def layer_blocks(model: AutoencoderModel) -> list[tuple[nn.Sequential, nn.Sequential]]:
    """``(encoder_block_i, mirror_decoder_block_i)`` for every layer of an MLP autoencoder."""
    if not isinstance(model.latent, DeterministicLatent):
        raise ValueError("greedy pretraining needs a deterministic latent (not a VAE)")
    if not isinstance(model.encoder, nn.Sequential) or not isinstance(model.decoder, nn.Sequential):
        raise ValueError("greedy pretraining needs an MLP encoder and decoder (architecture='mlp', tied=False)")
    enc, dec = _blocks(list(model.encoder)), _blocks(list(model.decoder))
    if not enc or len(enc) != len(dec):
        raise ValueError(f"greedy pretraining needs mirrored MLPs; encoder has {len(enc)} linear layers, decoder {len(dec)}")
    pairs = list(zip(enc, reversed(dec)))
    for i, (e, d) in enumerate(pairs):
        if e[0].out_features != d[0].in_features:
            raise ValueError(f"layer {i}: encoder gives {e[0].out_features} features but the decoder takes {d[0].in_features}")
    return pairs


def _layer_options(layer_options: dict | Sequence[dict] | None, n: int) -> list[dict[str, Any]]:
    if layer_options is None:
        return [{} for _ in range(n)]
    if isinstance(layer_options, dict):
        return [dict(layer_options) for _ in range(n)]
    options = list(layer_options)
    if len(options) != n or not all(isinstance(o, dict) for o in options):
        raise ValueError(f"layer_options must be one dict or a list of {n} dicts (one per layer), got {layer_options!r}")
    return options


def greedy_pretrain(
    model: AutoencoderModel,
    data,
    config: TrainConfig | None = None,
    *,
    layer_options: dict | Sequence[dict] | None = None,
    finetune: TrainConfig | None = None,
) -> StackedHistory:
    """Pretrain an MLP autoencoder layer by layer (in place), then optionally fine-tune it end to end.

    Parameters
    ----------
    model : AutoencoderModel
        An MLP autoencoder, e.g. ``create_model("deep", shape, hidden_dims=(256, 128))``.
    data : array or Tensor, shape (n, *input_shape)
    config : TrainConfig
        Training of each layer.
    layer_options : dict or list of dicts
        ``corruption`` and/or ``regularisers`` for every layer (one dict) or per layer (a list),
        e.g. ``{"corruption": {"name": "masking", "p": 0.3}}`` for a stacked denoising autoencoder.
    finetune : TrainConfig, optional
        When given, the whole model is then trained with :func:`aekit.fit` (its own corruption
        and regularisers apply).

    Examples
    --------
    >>> from aekit import create_model
    >>> model = create_model("deep", (64,), latent_dim=8, hidden_dims=(32,))
    >>> hist = greedy_pretrain(model, torch.rand(100, 64), TrainConfig(epochs=2, progress=False))
    >>> len(hist.layers)
    2
    """
    config = config or TrainConfig()
    pairs = layer_blocks(model)
    options = _layer_options(layer_options, len(pairs))
    x = as_float_tensor(data, "data")
    if x[0].numel() != torch.Size(model.input_shape).numel():
        raise ValueError(f"data samples have shape {tuple(x.shape[1:])}, the model expects {tuple(model.input_shape)}")
    h = x.flatten(1).to(next(model.parameters()).device)
    out = StackedHistory()
    for i, ((enc, dec), opts) in enumerate(zip(pairs, options)):
        unknown = set(opts) - {"corruption", "regularisers"}
        if unknown:
            raise ValueError(f"layer_options[{i}] has unknown keys {sorted(unknown)}; use corruption, regularisers")
        # Layer 1 reconstructs the data with the model's likelihood; deeper layers reconstruct codes (MSE).
        likelihood = model.likelihood if i == 0 else "gaussian"
        layer = AutoencoderModel(
            enc, dec, input_shape=(h.shape[1],), latent_dim=enc[0].out_features, likelihood=likelihood, **opts
        )
        out.layers.append(fit(layer, h, config))
        with torch.no_grad():
            enc.eval()
            h = torch.cat([enc(h[j : j + 4096]) for j in range(0, len(h), 4096)])
    if finetune is not None:
        out.finetune = fit(model, data, finetune)
    model.eval()
    return out
