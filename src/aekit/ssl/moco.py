"""MoCo (He et al. 2020; v2: Chen et al. 2020, v3: Chen, Xie & He 2021): contrast a query view
against the key of another view made by a momentum (EMA) encoder, with a queue of the keys of
earlier batches as extra negatives, so the negatives outnumber the batch.

    loss = InfoNCE(q(v_j), k(v_i); negatives = other keys of the batch + queue), averaged over view pairs

``queue_size > 0`` with no ``predictor`` is v2 (MLP projector, temperature 0.2); ``queue_size=0``
with ``predictor`` (e.g. ``["linear:256", "batchnorm", "relu", "linear:128"]``) is v3 (in-batch
keys, a predictor on the query side). Both views are queries and keys (symmetrised, as v3).
Under data parallelism the queue holds this process's keys only (MoCo gathers them from all).

Examples
--------
>>> import torch
>>> from aekit.ssl import create_method
>>> m = create_method("moco", (1, 8, 8), queue_size=16, backbone_options={"out_features": 16, "channels": [8]})
>>> sorted(m.loss(torch.rand(4, 1, 8, 8)).parts)
['moco', 'total']
>>> int(m.queue_next)  # the keys of both views of the 4 images went in
8
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ..objectives.contrastive import _check_temperature, info_nce
from .backbones import make_head, projection_head
from .base import EMATarget, check_fraction, register_method
from .views import MultiViewMethod


@register_method("moco")
class MoCo(MultiViewMethod):
    """Parameters: ``queue_size`` (negatives kept from earlier batches; the paper's 65536 scaled
    down to 1024 for small data sets and short runs: keep it well below the number of training
    images, or an image meets its own older keys as negatives), ``temperature`` 0.2 (v2),
    ``momentum`` of the key encoder (0.99; the paper's 0.999 suits its long runs), ``head``
    (projector block list), ``predictor`` (block list, v3; default none), ``augment``,
    ``n_local_crops`` / ``local_crop_scale`` (multi-crop: local crops are queries only)."""

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | nn.Module | None = None,
        backbone_options: dict[str, Any] | None = None,
        head: Sequence[str] | None = None,
        predictor: Sequence[str] | None = None,
        augment: str | list[dict[str, Any]] | None = None,
        queue_size: int = 1024,
        temperature: float = 0.2,
        momentum: float = 0.99,
        n_local_crops: int = 0,
        local_crop_scale: Sequence[float] = (0.05, 0.4),
    ) -> None:
        super().__init__(input_shape, backbone, backbone_options, augment, n_local_crops, local_crop_scale)
        if isinstance(queue_size, bool) or not isinstance(queue_size, int) or queue_size < 0:
            raise ValueError(f"queue_size must be an int >= 0 (0: in-batch keys only, as MoCo v3), got {queue_size!r}")
        self.temperature = _check_temperature(temperature)
        self.momentum = check_fraction(momentum, "momentum")
        self.projector = make_head(self.feature_dim, head or projection_head(256, 128))
        width = self.projector.out_features
        self.predictor = make_head(width, predictor) if predictor else nn.Identity()
        if predictor and self.predictor.out_features != width:
            raise ValueError(f"predictor must end with linear:{width} (the keys' width), got {list(predictor)}")
        self.target_backbone = EMATarget.make(self.backbone)
        self.target_projector = EMATarget.make(self.projector)
        # (K, D) unit-length keys, written in a circle; random unit vectors until real keys replace
        # them, as in the paper, so the number of negatives (and the loss's scale) never changes
        self.register_buffer("queue", F.normalize(torch.randn(queue_size, width), dim=1))
        self.register_buffer("queue_next", torch.zeros((), dtype=torch.long))  # where the next key goes

    @torch.no_grad()
    def _enqueue(self, keys: torch.Tensor) -> None:
        size = len(self.queue)
        keys = keys[-size:]  # a batch larger than the queue keeps its last keys
        rows = (self.queue_next + torch.arange(len(keys), device=keys.device)) % size
        self.queue[rows] = keys
        self.queue_next.copy_((self.queue_next + len(keys)) % size)

    def loss(self, x: torch.Tensor) -> Any:
        if self.training:
            # EMA step for the optimizer step that followed the previous loss() call
            EMATarget.update(self.target_backbone, self.backbone, self.momentum)
            EMATarget.update(self.target_projector, self.projector, self.momentum)
        views = self.views(x)
        queries = self.predictor(self.projector(self.backbone(views)))
        with torch.no_grad():
            keys = F.normalize(self.target_projector(self.target_backbone(views[: 2 * len(x)])), dim=1)
        pairs = self.mean_over_pairs(lambda k, q: info_nce(q, k, self.temperature, self.queue), keys, queries)
        if self.training and len(self.queue):
            self._enqueue(keys)
        return self._output(moco=pairs["loss"])
