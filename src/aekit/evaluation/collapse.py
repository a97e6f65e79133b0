"""A label-free check for collapsed representations: RankMe's effective rank (Garrido et al. 2023).

A self-supervised backbone can pass a loss curve and still squeeze every image into a few
directions (dimensional collapse); the effective rank of its features says so without labels.

Examples
--------
>>> import numpy as np
>>> round(effective_rank(np.eye(4)), 3)  # four equal directions
4.0
>>> round(effective_rank(np.outer(np.arange(1.0, 6.0), [1.0, 2.0, 3.0])), 3)  # one direction
1.0
"""

from __future__ import annotations

import numpy as np
import torch


def effective_rank(features, eps: float = 1e-7) -> float:
    """``exp`` of the entropy of the singular values of ``features`` (N, D), each divided by their
    sum: between 1 (every row on one line) and ``min(N, D)`` (all directions alike). As RankMe, the
    rows are not centred; pass ``features - features.mean(0)`` to measure spread about the mean."""
    if isinstance(features, torch.Tensor):
        f = features.detach().cpu().to(torch.float64)
    else:
        f = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float64))
    if f.ndim != 2 or min(f.shape) == 0:
        raise ValueError(f"features must be a non-empty 2-D array (rows, features), got shape {tuple(f.shape)}")
    if not torch.isfinite(f).all():
        raise ValueError("features must be finite (found NaN or inf)")
    s = torch.linalg.svdvals(f)
    if float(s.sum()) == 0.0:
        raise ValueError("features are all zero: the effective rank is undefined")
    p = s / s.sum() + eps
    return float(torch.exp(-(p * p.log()).sum()))
