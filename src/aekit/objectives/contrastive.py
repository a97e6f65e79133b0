"""Metric-learning and contrastive losses: pure functions plus thin ``nn.Module`` wrappers.

- margin contrastive pair loss (Hadsell, Chopra & LeCun 2006):
  ``1[x~x'] d^2 + 1[x!~x'] max(0, m - d)^2`` with ``d = ||E(x) - E(x')||``, on given pairs or
  mined inside a labelled batch
- triplet loss (Schroff et al. 2015): ``max(0, d(A,P) - d(A,N) + alpha)`` with Euclidean or cosine
  distance, on given triplets or mined inside a labelled batch (batch-hard, semi-hard)
- InfoNCE (van den Oord et al. 2018), optionally with extra negatives (MoCo's queue), and
  NT-Xent, its symmetric two-view form used by SimCLR (Chen et al. 2020)

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
    """Margin contrastive loss on pairs ``(z1, z2)`` with a 0/1 ``same`` label per pair, or on
    pairs mined from ``(embeddings, labels)`` with ``mining`` (see :func:`batch_contrastive_loss`).

    Examples
    --------
    >>> loss = ContrastivePairLoss(margin=2.0)
    >>> float(loss(torch.zeros(1, 2), torch.tensor([[1.0, 0.0]]), torch.tensor([0])))
    1.0
    """

    def __init__(self, margin: float = 1.0, distance: str = "euclidean", mining: str = "all") -> None:
        super().__init__()
        self.margin = _check_margin(margin)
        self.distance = _check_distance(distance)
        self.mining = check_mining(mining)

    def forward(self, *args: torch.Tensor) -> torch.Tensor:
        if len(args) == 2:
            embeddings, labels = args
            _check_labelled(embeddings, labels)
            return batch_contrastive_loss(embeddings, labels, self.margin, self.distance, self.mining)
        if len(args) != 3:
            raise TypeError("ContrastivePairLoss takes (z1, z2, same) or (embeddings, labels)")
        z1, z2, same = args
        _check_pair(z1, z2, "z1 and z2")
        if same.shape != (len(z1),):
            raise ValueError(f"same must have shape ({len(z1)},), one 0/1 label per pair, got {tuple(same.shape)}")
        if self.distance != "euclidean":
            raise ValueError("explicit pairs use the Euclidean distance; give distance='euclidean'")
        return contrastive_pair_loss(z1, z2, same, self.margin)


def _check_labelled(embeddings: torch.Tensor, labels: torch.Tensor) -> None:
    if embeddings.dim() != 2 or labels.shape != (len(embeddings),):
        raise ValueError(
            f"expected embeddings (batch, dim) and labels (batch,), got {tuple(embeddings.shape)} and {tuple(labels.shape)}"
        )


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


MINING_ALIASES = {"hard": "batch_hard", "batch-hard": "batch_hard", "semi-hard": "semi_hard"}


def check_mining(mining: str) -> str:
    """The canonical name of a mining strategy (``"hard"``/``"semi-hard"`` are accepted spellings)."""
    name = MINING_ALIASES.get(mining, mining) if isinstance(mining, str) else mining
    if name not in MININGS:
        raise ValueError(f"mining must be one of {MININGS} (or 'hard', 'semi-hard'), got {mining!r}")
    return name


def mine_triplets(
    d: torch.Tensor, labels: torch.Tensor, mining: str = "batch_hard"
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mine (anchor, positive, negatives) tuples from a (B, B) distance matrix ``d`` of a labelled batch.

    Returns ``d_ap`` (T,), ``d_an`` (T, K) and ``use`` (T, K): tuple t pairs one anchor-positive
    distance with the negative distances ``d_an[t][use[t]]`` (at least one per tuple).

    ``batch_hard`` (Hermans et al. 2017): per anchor, the farthest positive and nearest negative (K=1).
    ``semi_hard`` (Schroff et al. 2015): per anchor-positive pair, the nearest negative farther
    than the positive, the farthest negative when none is (K=1). ``all``: every anchor-positive
    pair with all its negatives (K=B). Anchors without a positive or a negative give no tuple.
    """
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    pos_mask, neg_mask = same & ~eye, ~same
    if mining == "batch_hard":
        valid = pos_mask.any(1) & neg_mask.any(1)
        hardest_pos = d.masked_fill(~pos_mask, float("-inf")).amax(1)
        hardest_neg = d.masked_fill(~neg_mask, float("inf")).amin(1)
        d_ap, d_an = hardest_pos[valid], hardest_neg[valid].unsqueeze(1)
        return d_ap, d_an, torch.ones_like(d_an, dtype=torch.bool)
    a_idx, p_idx = pos_mask.nonzero(as_tuple=True)
    d_ap, d_an, negs = d[a_idx, p_idx], d[a_idx], neg_mask[a_idx]  # (P,), (P, B), (P, B)
    has_neg = negs.any(1)
    d_ap, d_an, negs = d_ap[has_neg], d_an[has_neg], negs[has_neg]
    if mining == "all":
        return d_ap, d_an, negs
    semi = negs & (d_an > d_ap.unsqueeze(1))
    nearest_semi = d_an.masked_fill(~semi, float("inf")).amin(1)
    farthest = d_an.masked_fill(~negs, float("-inf")).amax(1)
    chosen = torch.where(semi.any(1), nearest_semi, farthest).unsqueeze(1)
    return d_ap, chosen, torch.ones_like(chosen, dtype=torch.bool)


def _mean_over_negatives(per: torch.Tensor, use: torch.Tensor) -> torch.Tensor:
    return (per * use).sum(1) / use.sum(1)


def batch_triplet_loss(
    embeddings: torch.Tensor,
    labels: torch.Tensor,
    margin: float = 1.0,
    distance: str = "euclidean",
    mining: str = "batch_hard",
) -> torch.Tensor:
    """Triplet loss ``max(0, d(A,P) - d(A,N) + margin)`` on triplets mined inside a labelled batch
    (see :func:`mine_triplets`; with ``all``, each anchor-positive pair averages over its negatives).
    A batch with no valid triplet gives 0."""
    d_ap, d_an, use = mine_triplets(pairwise_distances(embeddings, distance), labels, check_mining(mining))
    if d_ap.numel() == 0:
        return embeddings.sum() * 0.0  # keeps the graph so backward() still works
    return _mean_over_negatives(F.relu(d_ap.unsqueeze(1) - d_an + margin), use).mean()


def batch_contrastive_loss(
    embeddings: torch.Tensor,
    labels: torch.Tensor,
    margin: float = 1.0,
    distance: str = "euclidean",
    mining: str = "all",
) -> torch.Tensor:
    """Margin contrastive loss (Hadsell et al. 2006) on pairs mined inside a labelled batch.

    Per mined tuple (see :func:`mine_triplets`): ``d(A,P)^2 + mean_N max(0, margin - d(A,N))^2``,
    the pair loss of its positive pair plus that of its negative pairs; the batch loss is the mean
    over tuples. With ``all`` every positive pair counts once per direction and each anchor's
    negative pairs are averaged, so the many negatives do not drown the few positives.
    """
    d_ap, d_an, use = mine_triplets(pairwise_distances(embeddings, distance), labels, check_mining(mining))
    if d_ap.numel() == 0:
        return embeddings.sum() * 0.0
    return (d_ap.pow(2) + _mean_over_negatives(F.relu(margin - d_an).pow(2), use)).mean()


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
        self.mining = check_mining(mining)
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
            _check_labelled(embeddings, labels)
            return batch_triplet_loss(embeddings, labels, self.margin, self.distance, self.mining)
        raise TypeError("TripletLoss takes (anchor, positive, negative) or (embeddings, labels)")


# -- InfoNCE / NT-Xent -------------------------------------------------------------------------
def info_nce(
    query: torch.Tensor, key: torch.Tensor, temperature: float = 0.1, negatives: torch.Tensor | None = None
) -> torch.Tensor:
    """InfoNCE: row i of ``query`` must pick row i of ``key`` among all keys (cosine / temperature)
    and the rows of ``negatives`` (K, D), if given: MoCo's queue of earlier keys (He et al. 2020)."""
    q = F.normalize(query, dim=1)
    logits = q @ F.normalize(key, dim=1).t()  # (B, B)
    if negatives is not None and len(negatives):
        logits = torch.cat([logits, q @ F.normalize(negatives, dim=1).t()], 1)  # (B, B + K)
    return F.cross_entropy(logits / temperature, torch.arange(len(query), device=query.device))


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
