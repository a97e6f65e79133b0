"""A small I-JEPA (Assran et al. 2023): predict, in representation space, the features of a hidden
block of patches from the visible context. A ViT context encoder sees the context patches; an EMA
target encoder sees the whole image; a narrow transformer predictor gets the context tokens plus
mask tokens at the block's positions and regresses the target encoder's (layer-normed) tokens.
By default two additions keep it from collapsing on small data: C-JEPA's variance and covariance
terms on the context tokens and data2vec's targets (every block's output averaged); see
:class:`IJEPA`.

Simplified: the target blocks' size is drawn once per batch, so every image has the same number of
target patches; the context is every patch outside the blocks (the paper's context is itself a
large random block), trimmed to the batch's smallest count.

Examples
--------
>>> import torch
>>> from aekit.ssl import create_method
>>> m = create_method("jepa", (1, 8, 8), backbone_options={"patch_size": 2, "dim": 16, "depth": 1, "heads": 2})
>>> sorted(m.loss(torch.rand(4, 1, 8, 8)).parts)  # the prediction loss and the anti-collapse terms
['covariance', 'jepa', 'total', 'variance']
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import nn
from torch.nn import functional as F

from ..nn.vit import gather_tokens, position_table, transformer
from ..objectives.ssl_losses import variance_covariance_terms
from .base import (
    EMATarget,
    SSLMethod,
    check_fraction,
    check_non_negative,
    register_method,
    training_augment,
)


def blocks_split(batch: int, grid: tuple[int, int], block: tuple[int, int], n_blocks: int,
                 device) -> tuple[torch.Tensor, torch.Tensor]:
    """Per image, ``n_blocks`` random blocks of ``block`` (rows, cols) patches, which may overlap:
    (context (B, C), targets (B, n_blocks, K)) indices. The context is the patches outside every
    block; where images keep different numbers, each keeps a random subset of the smallest number,
    as I-JEPA's collator does (it keeps the first ones), so the batch stays one tensor."""
    gh, gw = grid
    bh, bw = block
    top = torch.randint(0, gh - bh + 1, (batch, n_blocks, 1, 1), device=device)
    left = torch.randint(0, gw - bw + 1, (batch, n_blocks, 1, 1), device=device)
    rows = torch.arange(gh, device=device).view(1, 1, gh, 1)
    cols = torch.arange(gw, device=device).view(1, 1, 1, gw)
    inside = ((rows >= top) & (rows < top + bh) & (cols >= left) & (cols < left + bw)).flatten(2)  # (B, T, N)
    k = bh * bw
    # a stable sort puts outside (False) first; indices within each group stay ordered
    targets = inside.to(torch.int8).argsort(dim=-1, stable=True)[..., gh * gw - k :]
    hidden = inside.any(1)  # (B, N)
    n_context = int((~hidden).sum(1).min())
    if n_context == 0:
        raise ValueError(f"{n_blocks} target blocks of {bh} x {bw} patches cover an image's whole {gh} x {gw} grid, "
                         "leaving no context: use fewer or smaller blocks (n_targets, block_scale)")
    if n_blocks == 1:
        return hidden.to(torch.int8).argsort(dim=1, stable=True)[:, :n_context], targets
    # hidden patches rank last; visible ones in random order, so trimming drops random ones
    rank = hidden.to(torch.float32) + torch.rand(hidden.shape, device=device) * 0.5
    context = rank.argsort(dim=1)[:, :n_context].sort(dim=1).values
    return context, targets


_LOSSES = {"mse": F.mse_loss, "smooth_l1": F.smooth_l1_loss}


@register_method("jepa")
class IJEPA(SSLMethod):
    """Parameters: ``block_scale`` (range of the target block's area as a fraction of the image;
    the paper uses 0.15-0.2 for each of its four blocks), ``predictor_dim``, ``predictor_depth``,
    ``predictor_heads``, ``momentum`` of the target encoder (the paper's starting value 0.996),
    ``n_targets`` (target blocks per image, each ``block_scale`` of it; the paper uses four) and
    ``readout``: which encoder users keep, ``"context"`` (the trained one) or ``"target"`` (its
    EMA copy, which the paper evaluates); ``loss``: ``"mse"`` (the paper's equation) or
    ``"smooth_l1"`` (what its reference code minimises); ``augment``: a pipeline applied to each
    training image before it is split into context and targets (the reference code crops each
    image at random, 0.3-1.0 of its area; ``"small_gray"`` is that crop plus a flip), ``None``: the
    images as they are. Not applied in ``eval`` mode. ``target_layers``: the targets are the
    average of the target encoder's last this many blocks, each layer-normed (data2vec's targets;
    ``"all"``: every block; 1: its output alone, as I-JEPA). ``variance_weight`` and
    ``covariance_weight``: VICReg's anti-collapse terms on the context encoder's tokens (each token
    a row), as C-JEPA adds them to I-JEPA (Mo & Tong 2024). ``target_layers=1,
    variance_weight=0, covariance_weight=0`` is I-JEPA as published.

    The defaults were chosen on validation data (benchmarks/ssl_defaults.py, Fashion-MNIST, 20
    epochs on 20k images, the 3 x 3 readout; raw pixels 0.8353). Masking: one larger block, 0.4-0.6
    of the image; a 3-block predictor 64 wide; momentum 0.996 (0.8253, over the paper's smaller
    blocks and other sizes). Published I-JEPA collapses into few directions on small images (its
    features' effective rank falls below a random-init ViT's), so the defaults add the
    anti-collapse terms (variance 2.0, covariance 0.08: 0.8425; 1.0 / 0.04: 0.8380; 4.0 / 0.16:
    0.8265) and average every block's output into the targets (with those terms: 0.8459, the
    defaults). See docs/self_supervised.md.
    """

    needs_image = True
    unrecorded_options: ClassVar[dict[str, Any]] = {"target_layers": 1, "variance_weight": 0.0, "covariance_weight": 0.0}

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | None = "vit",
        backbone_options: dict[str, Any] | None = None,
        block_scale: Sequence[float] = (0.4, 0.6),
        predictor_dim: int = 64,
        predictor_depth: int = 3,
        predictor_heads: int = 2,
        momentum: float = 0.996,
        n_targets: int = 1,
        readout: str = "context",
        loss: str = "mse",
        augment: str | list[dict[str, Any]] | None = None,
        target_layers: int | str = "all",
        variance_weight: float = 2.0,
        covariance_weight: float = 0.08,
    ) -> None:
        if backbone != "vit":
            raise ValueError(f"jepa needs backbone='vit' (it encodes a subset of patches), got {backbone!r}")
        super().__init__(input_shape, backbone, backbone_options)
        vit = self.backbone
        self.grid = vit.grid
        lo, hi = (check_fraction(s, "block_scale") for s in block_scale)
        self.block_scale = (lo, hi)
        self.momentum = check_fraction(momentum, "momentum")
        if not isinstance(n_targets, int) or isinstance(n_targets, bool) or n_targets < 1:
            raise ValueError(f"n_targets must be a positive int, got {n_targets!r}")
        if n_targets * hi >= 1:
            raise ValueError(f"n_targets ({n_targets}) blocks of up to {hi} of the image could hide all of it: "
                             "n_targets * block_scale[1] must be < 1")
        self.n_targets = n_targets
        if readout not in ("context", "target"):
            raise ValueError(f"readout must be 'context' or 'target', got {readout!r}")
        self.readout = readout
        if loss not in _LOSSES:
            raise ValueError(f"loss must be one of {sorted(_LOSSES)}, got {loss!r}")
        self.loss_name = loss
        depth = len(vit.blocks.layers)
        if target_layers == "all":
            target_layers = depth
        if not isinstance(target_layers, int) or isinstance(target_layers, bool) or not 1 <= target_layers <= depth:
            raise ValueError(f"target_layers must be 'all' or an int in [1, {depth}] (the backbone's depth), "
                             f"got {target_layers!r}")
        self.target_layers = target_layers
        self.variance_weight = check_non_negative(variance_weight, "variance_weight")
        self.covariance_weight = check_non_negative(covariance_weight, "covariance_weight")
        self.augment = training_augment(augment, self.input_shape)
        self.target_encoder = EMATarget.make(vit)
        self.to_predictor = nn.Linear(vit.dim, predictor_dim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, predictor_dim))
        # the predictor's positions are of the encoder's kind (learned, or fixed sin-cos codes)
        position_table(vit.pos_embed_kind, vit.grid, predictor_dim, self, "predictor_pos")
        self.predictor = transformer(predictor_dim, predictor_depth, predictor_heads)
        self.from_predictor = nn.Linear(predictor_dim, vit.dim)

    @property
    def readout_backbone(self) -> nn.Module:
        return self.target_encoder if self.readout == "target" else self.backbone

    def _block(self) -> tuple[int, int]:
        gh, gw = self.grid
        area = random.uniform(*self.block_scale) * gh * gw
        ratio = math.exp(random.uniform(math.log(0.75), math.log(1.5)))
        bh = min(gh - 1, max(1, round(math.sqrt(area / ratio))))
        bw = min(gw - 1, max(1, round(math.sqrt(area * ratio))))
        return bh, bw

    def loss(self, x: torch.Tensor) -> Any:
        vit = self.backbone
        if self.training:
            EMATarget.update(self.target_encoder, vit, self.momentum)
            if self.augment is not None:
                x = self.augment(x)
        b, t = len(x), self.n_targets
        context, targets = blocks_split(b, self.grid, self._block(), t, x.device)
        targets = targets.flatten(0, 1)  # (B * T, K): image i's blocks are rows i * T .. i * T + T - 1
        with torch.no_grad():
            encoded = F.layer_norm(self._targets(x), (vit.dim,))
            goal = gather_tokens(encoded.repeat_interleave(t, 0) if t > 1 else encoded, targets)
        pos = self.predictor_pos.expand(b, -1, -1)
        encoded_context = vit.tokens(x, context)
        ctx = self.to_predictor(encoded_context) + gather_tokens(pos, context)
        if t > 1:
            ctx, pos = ctx.repeat_interleave(t, 0), pos.repeat_interleave(t, 0)
        queries = self.mask_token + gather_tokens(pos, targets)
        out = self.predictor(torch.cat([ctx, queries], 1))[:, ctx.shape[1] :]
        parts = {"jepa": _LOSSES[self.loss_name](self.from_predictor(out), goal)}
        if self.variance_weight or self.covariance_weight:
            variance, covariance = variance_covariance_terms(encoded_context.flatten(0, 1))
            parts.update(variance=self.variance_weight * variance, covariance=self.covariance_weight * covariance)
        return self._output(**parts)

    def _targets(self, x: torch.Tensor) -> torch.Tensor:
        if self.target_layers == 1:
            return self.target_encoder.tokens(x)
        dim = self.backbone.dim
        outputs = self.target_encoder.block_outputs(x, self.target_layers)
        return torch.stack([F.layer_norm(h, (dim,)) for h in outputs]).mean(0)
