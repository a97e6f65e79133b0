"""A fixed principal-component front end for MLP autoencoders.

The encoder starts with the projection onto the training data's top ``k`` principal components
and the decoder ends with the map back, so the trainable network works on ``k`` coefficients
instead of every input value. For images, where a few hundred components hold nearly all the
variance, this cuts the cost of the two widest layers (input -> first hidden, last hidden ->
output) by ``d / k`` and, in our measurements, also speeds convergence: Adam sees decorrelated,
centred inputs (BENCHMARKS.md, "PCA front end"). The reconstruction lies in the
``k``-dimensional principal subspace, so ``k`` bounds the best achievable error from below by
PCA's own error with ``k`` components.

The basis is fitted from data, not learned: :func:`aekit.fit` calls :meth:`PCAProjection.init_from_data`
with a sample of the training inputs before the first step (see :func:`data_init_modules`). It
is stored as buffers, so a saved model carries it.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .shapes import as_shape, numel

# Above this many input values the d x d covariance's eigendecomposition gets slow (cubic in d):
# a randomized SVD of the centred sample is used instead.
_EXACT_MAX_FEATURES = 4096


class PCAProjection(nn.Module):
    """``x -> (flatten(x) - mean) @ components.T``: coordinates in the top-``n_components`` basis.

    Examples
    --------
    >>> proj = PCAProjection((1, 4, 4), n_components=3)
    >>> proj.init_from_data(torch.randn(100, 1, 4, 4))
    >>> proj(torch.randn(5, 1, 4, 4)).shape
    torch.Size([5, 3])
    >>> torch.allclose(proj.components @ proj.components.T, torch.eye(3), atol=1e-5)
    True
    """

    def __init__(self, input_shape: int | Sequence[int], n_components: int) -> None:
        super().__init__()
        self.input_shape = as_shape(input_shape)
        d = numel(self.input_shape)
        if not isinstance(n_components, int) or isinstance(n_components, bool) or not 1 <= n_components <= d:
            raise ValueError(f"input_pca must be an int between 1 and the {d} input values, got {n_components!r}")
        self.n_components = n_components
        self.register_buffer("mean", torch.zeros(d))
        self.register_buffer("components", torch.zeros(n_components, d))
        self.register_buffer("explained_variance", torch.zeros(n_components))
        self.needs_data_init = True  # a Python flag: reading a buffer each step would sync the GPU

    @torch.no_grad()
    def init_from_data(self, x: torch.Tensor) -> None:
        """Fit mean and principal axes to a sample ``x`` of shape (n, *input_shape)."""
        x = x.reshape(len(x), -1).to(self.mean.device, torch.float32)
        if x.shape[1] != self.mean.numel():
            raise ValueError(f"init_from_data: samples have {x.shape[1]} values, the projection expects {self.mean.numel()}")
        mean = x.mean(0)
        xc = x - mean
        k = self.n_components
        if x.shape[1] <= _EXACT_MAX_FEATURES:
            # Gram matrix in float32 (a fast matmul), eigendecomposition in float64 for accuracy.
            cov = (xc.T @ xc).double() / max(len(x) - 1, 1)
            values, vectors = torch.linalg.eigh(cov)
            values, vectors = values.flip(0)[:k], vectors.flip(1)[:, :k].T
        else:
            _, s, v = torch.svd_lowrank(xc, q=min(k + 10, *xc.shape), niter=4)
            values, vectors = (s[:k] ** 2 / max(len(x) - 1, 1)).double(), v[:, :k].T.double()
        # Deterministic signs (as scikit-learn's svd_flip): each axis' largest entry is positive.
        signs = torch.sign(vectors.gather(1, vectors.abs().argmax(1, keepdim=True)))
        self.mean.copy_(mean)
        self.components.copy_((vectors * signs).float())
        self.explained_variance.copy_(values.clamp_min(0).float())
        self.needs_data_init = False

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        if prefix + "components" in state_dict:
            self.needs_data_init = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.needs_data_init:
            raise RuntimeError(
                "the PCA front end (input_pca) has no basis yet: train with aekit.fit / Autoencoder.fit, "
                "or call init_from_data(sample) on the model first"
            )
        return (x.flatten(1) - self.mean) @ self.components.T

    def extra_repr(self) -> str:
        return f"input_shape={self.input_shape}, n_components={getattr(self, 'n_components', None)}"


class PCAExpansion(nn.Module):
    """``c -> c @ components + mean``, reshaped to ``output_shape``: the inverse of a
    :class:`PCAProjection` on its subspace. It reads the projection's buffers (saved once)."""

    def __init__(self, projection: PCAProjection) -> None:
        super().__init__()
        self._projection = [projection]  # a list keeps the shared buffers out of this module's state
        self.output_shape = projection.input_shape

    def forward(self, c: torch.Tensor) -> torch.Tensor:
        proj = self._projection[0]
        return torch.addmm(proj.mean, c, proj.components).unflatten(1, self.output_shape)


def data_init_modules(model: nn.Module) -> list[nn.Module]:
    """Submodules of ``model`` that still wait for :meth:`init_from_data` with training inputs."""
    return [m for m in model.modules() if getattr(m, "needs_data_init", False) and hasattr(m, "init_from_data")]
