"""An ensemble of MLP autoencoders trained side by side as one network.

Each layer holds the weights of every member stacked on a leading axis, so one batched matmul
runs all members at once: for M members, a batch x of shape (B, d) becomes reconstructions of
shape (M, B, d). Training goes through :func:`aekit.training.fit` like any model: the data is the
pair ``(x, row_index)`` and :meth:`MemberEnsemble.loss` lets each member learn only from the rows
in its own random subset (``member_rows``), which is what subsampled outlier ensembles need
(Zimek et al. 2013; Aggarwal & Sathe 2015) and what made the one-network-per-member version slow.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..nn.pca import PCAProjection
from .autoencoder import LossOutput


class StackedLinear(nn.Module):
    """``M`` independent linear layers applied in one batched matmul.

    Input (B, in) is shared by all members (first layer) or (M, B, in) is per member; output is
    (M, B, out). Each member is initialised like ``nn.Linear`` (Kaiming-uniform, fan-in bound).
    """

    def __init__(self, n_members: int, in_features: int, out_features: int) -> None:
        super().__init__()
        bound = 1.0 / math.sqrt(in_features)
        self.weight = nn.Parameter(torch.empty(n_members, in_features, out_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_members, 1, out_features).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x.expand(len(self.weight), *x.shape[-2:]), self.weight)


class MemberEnsemble(nn.Module):
    """``n_members`` MLP autoencoders ``d -> hidden... -> latent -> ...hidden -> d`` in one module.

    Parameters
    ----------
    n_features : int
        Width of the (already scaled) input rows.
    hidden_dims : list of int
        Encoder widths; the decoder mirrors them.
    latent_dim : int
        Code size of every member.
    member_rows : bool Tensor of shape (n_members, n_rows), optional
        Which training rows each member learns from (``loss`` receives row indices into it).
        None: every member learns from every row.
    dropout : float
        Dropout after each hidden activation (training only).
    n_components : int, optional
        A fixed principal-component front end shared by the members
        (:class:`aekit.nn.pca.PCAProjection`, fitted from the training data before the first step):
        the members encode and reconstruct the top ``n_components`` coordinates, and
        :meth:`reconstruct` maps back to the input space, so the widest layers of a wide table
        cost ``n_components / n_features`` of their full size. The part of a row outside the
        principal subspace is left to the reconstruction error as it is (no member can fit it).

    Examples
    --------
    >>> ens = MemberEnsemble(5, [8], 2, n_members=3)
    >>> ens.reconstruct(torch.zeros(4, 5)).shape
    torch.Size([3, 4, 5])
    """

    def __init__(self, n_features: int, hidden_dims: list[int], latent_dim: int, *, n_members: int,
                 member_rows: torch.Tensor | None = None, dropout: float = 0.0,
                 n_components: int | None = None) -> None:
        super().__init__()
        self.front = PCAProjection((n_features,), n_components) if n_components else None
        inner = n_components or n_features
        widths = [inner, *hidden_dims, latent_dim, *reversed(hidden_dims), inner]
        self.layers = nn.ModuleList(StackedLinear(n_members, a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.n_encoder_layers = len(hidden_dims) + 1
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.n_members = n_members
        self.register_buffer("member_rows", member_rows, persistent=False)

    def _run(self, h: torch.Tensor, layers) -> torch.Tensor:
        for i, layer in enumerate(layers):
            h = layer(h)
            if i < len(layers) - 1:
                h = self.dropout(torch.relu(h))
        return h

    def _inner(self, x: torch.Tensor) -> torch.Tensor:
        return x if self.front is None else self.front(x)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """(B, d) -> (M, B, latent)."""
        return self._run(self._inner(x), self.layers[: self.n_encoder_layers])

    def _decode(self, code: torch.Tensor) -> torch.Tensor:
        return self._run(code, self.layers[self.n_encoder_layers :])

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """(B, d) -> (M, B, d): every member's reconstruction of every row."""
        out = self._decode(self.encode(x))
        return out if self.front is None else out @ self.front.components + self.front.mean

    def loss(self, x: torch.Tensor, rows: torch.Tensor | None = None) -> LossOutput:
        """Mean squared error of each member over its own rows of the batch, summed over members.

        With a principal-component front end the error is taken on the coordinates: it differs
        from the input-space error by the part of the row outside the subspace, a constant no
        member can change. In eval mode (validation) every member is scored on every row.
        """
        inner = self._inner(x)
        recon = self._decode(self._run(inner, self.layers[: self.n_encoder_layers]))
        err = (recon - inner).pow(2).sum(dim=-1) / x.shape[-1]  # (M, B): mean over the input's features
        if self.training and rows is not None and self.member_rows is not None:
            mask = self.member_rows[:, rows].to(err.dtype)  # (M, B): 1 where the row is the member's
            per_member = (err * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        else:
            per_member = err.mean(dim=1)
        # Summed, not averaged, so each member's gradient is what it would get training alone.
        total = per_member.sum()
        return LossOutput(total, {"total": total, "reconstruction": per_member.mean()})
