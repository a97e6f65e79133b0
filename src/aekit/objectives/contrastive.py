"""Metric-learning and contrastive losses: pure functions plus thin ``nn.Module`` wrappers.

- margin contrastive pair loss (Hadsell, Chopra & LeCun 2006):
  ``1[x~x'] d^2 + 1[x!~x'] max(0, m - d)^2`` with ``d = ||E(x) - E(x')||``
- triplet loss (Schroff et al. 2015): ``max(0, d(A,P) - d(A,N) + alpha)`` with Euclidean or cosine
  distance, on given triplets or mined inside a labelled batch (batch-hard, semi-hard)
- InfoNCE (van den Oord et al. 2018) and NT-Xent, its symmetric two-view form used by SimCLR
  (Chen et al. 2020)

Torch built-ins do the work where they exist (``F.triplet_margin_loss``,
``F.triplet_margin_with_distance_loss``, ``F.cross_entropy``); the wrappers only validate.

Examples
--------
>>> import torch
>>> a = torch.tensor([[0.0, 0.0]]); b = torch.tensor([[3.0, 4.0]])
>>> float(contrastive_pair_loss(a, b, torch.tensor([1.0])))
25.0
>>> float(contrastive_pair_loss(a, b, torch.tensor([0.0]), margin=6.0))
1.0
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

DISTANCES = ("euclidean", "cosine")
MININGS = ("batch_hard", "semi_hard", "all")


def _check_margin(margin: float) -> float:
    if not isinstance(margin, (int, float)) or isinstance(margin, bool) or margin < 0:
        raise ValueError(f"margin must be a number >= 0, got {margin!r}")
    return float(margin)


def _check_temperature(temperature: float) -> float:
    if not isinstance(temperature, (int, float)) or isinstance(temperature, bool) or not temperature > 0:
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    return float(temperature)


def _check_distance(distance: str) -> str:
    if distance not in DISTANCES:
        raise ValueError(f"distance must be one of {DISTANCES}, got {distance!r}")
    return distance


def _check_pair(a: torch.Tensor, b: torch.Tensor, names: str = "embeddings") -> None:
    if a.dim() != 2 or a.shape != b.shape:
        raise ValueError(f"{names} must be two (batch, dim) tensors of the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")


# -- pair loss ---------------------------------------------------------------------------------
def contrastive_pair_loss(
    z1: torch.Tensor, z2: torch.Tensor, same: torch.Tensor, margin: float = 1.0
) -> torch.Tensor:
    """Mean over pairs of ``same * d^2 + (1 - same) * max(0, margin - d)^2``, ``d = ||z1 - z2||_2``."""
    d = (z1 - z2).norm(dim=1)
    same = same.to(d.dtype)
    return (same * d.pow(2) + (1 - same) * F.relu(margin - d).pow(2)).mean()


class ContrastivePairLoss(nn.Module):
    """Margin contrastive loss on pairs ``(z1, z2)`` with a 0/1 ``same`` label per pair.

    Examples
    --------
    >>> loss = ContrastivePairLoss(margin=2.0)
    >>> float(loss(torch.zeros(1, 2), torch.tensor([[1.0, 0.0]]), torch.tensor([0])))
    1.0
    """

    def __init__(self, margin: float = 1.0) -> None:
        super().__init__()
        self.margin = _check_margin(margin)

    def forward(self, z1: torch.Tensor, z2: torch.Tensor, same: torch.Tensor) -> torch.Tensor:
        _check_pair(z1, z2, "z1 and z2")
        if same.shape != (len(z1),):
            raise ValueError(f"same must have shape ({len(z1)},), one 0/1 label per pair, got {tuple(same.shape)}")
        return contrastive_pair_loss(z1, z2, same, self.margin)


# -- triplet losses ----------------------------------------------------------------------------
def _cosine_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return 1.0 - F.cosine_similarity(a, b, dim=-1)


def triplet_loss(
    anchor: torch.Tensor,
    positive: torch.Tensor,
    negative: torch.Tensor,
    margin: float = 1.0,
    distance: str = "euclidean",
) -> torch.Tensor:
    """Mean of ``max(0, d(A,P) - d(A,N) + margin)``; ``distance`` is "euclidean" or "cosine" (1 - cos)."""
    if distance == "euclidean":
        return F.triplet_margin_loss(anchor, positive, negative, margin=margin, p=2, eps=0.0)
    return F.triplet_margin_with_distance_loss(
        anchor, positive, negative, distance_function=_cosine_distance, margin=margin
    )


def pairwise_distances(z: torch.Tensor, distance: str = "euclidean") -> torch.Tensor:
    """(B, B) matrix of Euclidean or cosine distances between rows of ``z``."""
    if distance == "euclidean":
        # clamp keeps sqrt differentiable at the zero diagonal
        sq = (z.unsqueeze(1) - z.unsqueeze(0)).pow(2).sum(-1)
        return sq.clamp_min(1e-12).sqrt() * (sq > 0)
    zn = F.normalize(z, dim=1)
    return 1.0 - zn @ zn.t()


def batch_triplet_loss(
    embeddings: torch.Tensor,
    labels: torch.Tensor,
    margin: float = 1.0,
    distance: str = "euclidean",
    mining: str = "batch_hard",
) -> torch.Tensor:
    """Triplet loss with triplets mined inside a labelled batch.

    ``batch_hard`` (Hermans et al. 2017): per anchor, the farthest positive and nearest negative.
    ``semi_hard`` (Schroff et al. 2015): per anchor-positive pair, the nearest negative farther
    than the positive (the farthest negative when none is). ``all``: mean over all valid triplets.
    Anchors without a positive or a negative are skipped; a batch with none gives 0.
    """
    d = pairwise_distances(embeddings, distance)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    pos_mask, neg_mask = same & ~eye, ~same
    if mining == "batch_hard":
        valid = pos_mask.any(1) & neg_mask.any(1)
        hardest_pos = d.masked_fill(~pos_mask, float("-inf")).amax(1)
        hardest_neg = d.masked_fill(~neg_mask, float("inf")).amin(1)
        losses = F.relu(hardest_pos - hardest_neg + margin)[valid]
    else:
        a_idx, p_idx = pos_mask.nonzero(as_tuple=True)
        d_ap = d[a_idx, p_idx].unsqueeze(1)  # (P, 1)
        d_an = d[a_idx]  # (P, B)
        negs = neg_mask[a_idx]
        has_neg = negs.any(1)
        if mining == "all":
            per = F.relu(d_ap - d_an + margin) * negs
            losses = per.sum(1)[has_neg] / negs.sum(1)[has_neg]
        else:
            semi = negs & (d_an > d_ap)
            nearest_semi = d_an.masked_fill(~semi, float("inf")).amin(1)
            farthest = d_an.masked_fill(~negs, float("-inf")).amax(1)
            chosen = torch.where(semi.any(1), nearest_semi, farthest)
            losses = F.relu(d_ap.squeeze(1) - chosen + margin)[has_neg]
    if losses.numel() == 0:
        return embeddings.sum() * 0.0  # keeps the graph so backward() still works
    return losses.mean()


class TripletLoss(nn.Module):
    """Triplet margin loss on explicit triplets (wraps ``nn.TripletMarginLoss`` /
    ``nn.TripletMarginWithDistanceLoss``), or mined from ``(embeddings, labels)``.

    Call ``loss(anchor, positive, negative)`` for given triplets, or ``loss(embeddings, labels)``
    to mine them with ``mining``.

    Examples
    --------
    >>> loss = TripletLoss(margin=1.0)
    >>> a, p, n = torch.zeros(1, 2), torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.5]])
    >>> float(loss(a, p, n))
    0.5
    """

    def __init__(self, margin: float = 1.0, distance: str = "euclidean", mining: str = "batch_hard") -> None:
        super().__init__()
        self.margin = _check_margin(margin)
        self.distance = _check_distance(distance)
        if mining not in MININGS:
            raise ValueError(f"mining must be one of {MININGS}, got {mining!r}")
        self.mining = mining
        if distance == "euclidean":
            self.builtin = nn.TripletMarginLoss(margin=self.margin, p=2, eps=0.0)
        else:
            self.builtin = nn.TripletMarginWithDistanceLoss(distance_function=_cosine_distance, margin=self.margin)

    def forward(self, *args: torch.Tensor) -> torch.Tensor:
        if len(args) == 3:
            anchor, positive, negative = args
            _check_pair(anchor, positive, "anchor and positive")
            _check_pair(anchor, negative, "anchor and negative")
            return self.builtin(anchor, positive, negative)
        if len(args) == 2:
            embeddings, labels = args
            if embeddings.dim() != 2 or labels.shape != (len(embeddings),):
                raise ValueError(
                    f"expected embeddings (batch, dim) and labels (batch,), got {tuple(embeddings.shape)} "
                    f"and {tuple(labels.shape)}"
                )
            return batch_triplet_loss(embeddings, labels, self.margin, self.distance, self.mining)
        raise TypeError("TripletLoss takes (anchor, positive, negative) or (embeddings, labels)")


# -- InfoNCE / NT-Xent -------------------------------------------------------------------------
def info_nce(query: torch.Tensor, key: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """InfoNCE: row i of ``query`` must pick row i of ``key`` among all keys (cosine / temperature)."""
    logits = F.normalize(query, dim=1) @ F.normalize(key, dim=1).t() / temperature
    return F.cross_entropy(logits, torch.arange(len(query), device=query.device))


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """NT-Xent (SimCLR): each of the 2B views must find its partner among the other 2B - 1 views."""
    z = F.normalize(torch.cat([z1, z2]), dim=1)  # (2B, D)
    n = len(z1)
    logits = z @ z.t() / temperature
    logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(logits, targets)


class InfoNCELoss(nn.Module):
    """Thin wrapper of :func:`info_nce` that validates shapes and temperature.

    Examples
    --------
    >>> round(float(InfoNCELoss(1.0)(torch.eye(2), torch.eye(2))), 4)
    0.3133
    """

    def __init__(self, temperature: float = 0.1) -> None:
        super().__init__()
        self.temperature = _check_temperature(temperature)

    def forward(self, query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
        _check_pair(query, key, "query and key")
        return info_nce(query, key, self.temperature)


class NTXentLoss(nn.Module):
    """Thin wrapper of :func:`nt_xent` (SimCLR's loss) that validates shapes and temperature."""

    def __init__(self, temperature: float = 0.5) -> None:
        super().__init__()
        self.temperature = _check_temperature(temperature)

    def forward(self, z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
        _check_pair(z1, z2, "z1 and z2")
        if len(z1) < 2:
            raise ValueError("NT-Xent needs a batch of at least 2 pairs (the other pairs are the negatives)")
        return nt_xent(z1, z2, self.temperature)
