"""Metric learning as a self-supervised method: a triplet (Schroff et al. 2015) or margin
contrastive (Hadsell et al. 2006) loss on embeddings of two augmented views, with the tuples mined
inside the batch.

Without labels, the two views of an image are its only positive and every other view is a
negative. With labels (``loss(x, y)``; ``SelfSupervised("triplet").fit(X, y)``), views of images
of the same class are positives too, which makes it supervised metric learning.

Embeddings are projected and L2-normalised (FaceNet): without the normalisation the loss could be
met by scaling every embedding up, and the margin would mean nothing.

Examples
--------
>>> import torch
>>> from aekit.ssl import create_method
>>> m = create_method("triplet", (1, 8, 8), backbone_options={"out_features": 16, "channels": [8]})
>>> sorted(m.loss(torch.rand(4, 1, 8, 8)).parts)
['total', 'triplet']
>>> round(m.margin, 2), m.mining
(0.2, 'semi_hard')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ..objectives.contrastive import (
    _check_distance,
    _check_margin,
    batch_contrastive_loss,
    batch_triplet_loss,
    check_mining,
)
from .backbones import make_head, projection_head
from .base import register_method
from .views import MultiViewMethod

# loss name -> (function on (embeddings, labels), default margin for unit-length embeddings)
LOSSES = {
    "triplet": (batch_triplet_loss, 0.2),  # FaceNet's alpha
    # a negative closer than 1 (60 degrees apart on the unit sphere) is pushed away; random unit
    # vectors in many dimensions are sqrt(2) apart, so at the start mostly the positives pull
    "margin-contrastive": (batch_contrastive_loss, 1.0),
}


@register_method("triplet")
class TripletMethod(MultiViewMethod):
    """Parameters: ``loss`` ("triplet" or "margin-contrastive"), ``mining`` ("semi_hard",
    "batch_hard" or "all"; "semi-hard" and "hard" also accepted), ``margin`` (default 0.2 for
    "triplet", 1.0 for "margin-contrastive"), ``distance`` ("euclidean" or "cosine"), ``head``
    (projector block list), ``augment``, ``n_local_crops`` / ``local_crop_scale`` (multi-crop:
    every view of an image is a positive for the others)."""

    uses_labels = True  # loss(x, y) takes optional class labels; the estimator passes fit's y

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | nn.Module | None = None,
        backbone_options: dict[str, Any] | None = None,
        head: Sequence[str] | None = None,
        augment: str | list[dict[str, Any]] | None = None,
        loss: str = "triplet",
        mining: str = "semi_hard",
        margin: float | None = None,
        distance: str = "euclidean",
        n_local_crops: int = 0,
        local_crop_scale: Sequence[float] = (0.05, 0.4),
    ) -> None:
        super().__init__(input_shape, backbone, backbone_options, augment, n_local_crops, local_crop_scale)
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {loss!r}")
        self.loss_name = loss
        self.mining = check_mining(mining)
        self.margin = _check_margin(LOSSES[loss][1] if margin is None else margin)
        self.distance = _check_distance(distance)
        self.projector = make_head(self.feature_dim, head or projection_head())

    def loss(self, x: torch.Tensor, y: torch.Tensor | None = None) -> Any:
        if y is not None and y.shape != (len(x),):
            raise ValueError(f"y must hold one class label per sample, shape ({len(x)},), got {tuple(y.shape)}")
        # without labels each image is its own class: its two views are the positive pair
        labels = torch.arange(len(x), device=x.device) if y is None else y.to(x.device)
        z = self.projector(self.backbone(self.views(x)))
        fn = LOSSES[self.loss_name][0]
        value = fn(F.normalize(z, dim=1), labels.repeat(self.n_views), self.margin, self.distance, self.mining)
        return self._output(**{self.loss_name.replace("-", "_"): value})
