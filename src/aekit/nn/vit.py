"""A small Vision Transformer (Dosovitskiy et al. 2021) that can encode a subset of patches.

Masked methods (MAE, I-JEPA) encode only the visible patches: :meth:`SmallViT.tokens` takes the
indices to keep, so the encoder never sees mask tokens (He et al. 2022). ``forward`` encodes all
patches and mean-pools them into one vector per image.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .shapes import as_shape, is_image_shape


def patchify(x: torch.Tensor, patch_size: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, N, C * p * p), patches in row-major order."""
    b, c, h, w = x.shape
    p = patch_size
    x = x.reshape(b, c, h // p, p, w // p, p).permute(0, 2, 4, 1, 3, 5)
    return x.reshape(b, (h // p) * (w // p), c * p * p)


def unpatchify(patches: torch.Tensor, shape: Sequence[int], patch_size: int) -> torch.Tensor:
    """Inverse of :func:`patchify` for images of ``shape`` = (C, H, W)."""
    c, h, w = shape
    p = patch_size
    b = patches.shape[0]
    x = patches.reshape(b, h // p, w // p, c, p, p).permute(0, 3, 1, 4, 2, 5)
    return x.reshape(b, c, h, w)


POSITION_EMBEDDINGS = ("learned", "sincos")


def sincos_2d(dim: int, rows: int, cols: int) -> torch.Tensor:
    """Fixed 2-D sine-cosine position codes, (rows * cols, dim) in row-major patch order, as MAE and
    I-JEPA use: the first half of the channels codes the row, the second half the column, each as
    the sines then cosines of ``dim / 4`` geometric frequencies (periods 2 pi .. 2 pi * 10,000).
    Unlike a learned table they place every patch from the first step, which matters most where a
    predictor must say *where* a hidden patch is before it can say what it holds."""
    if not isinstance(dim, int) or dim < 4 or dim % 4:
        raise ValueError(f"a sincos position embedding needs a width divisible by 4, got {dim!r}")
    quarter = dim // 4
    omega = 1.0 / 10000 ** (torch.arange(quarter, dtype=torch.float64) / quarter)
    r, c = torch.meshgrid(torch.arange(rows, dtype=torch.float64), torch.arange(cols, dtype=torch.float64), indexing="ij")

    def code(position: torch.Tensor) -> torch.Tensor:
        angle = position.reshape(-1, 1) * omega
        return torch.cat([angle.sin(), angle.cos()], 1)

    return torch.cat([code(r), code(c)], 1).to(torch.float32)


def position_table(kind: str, grid: tuple[int, int], dim: int, owner: nn.Module, name: str) -> None:
    """Give ``owner`` a (1, rows * cols, dim) position table for a ``grid`` of (rows, cols) patches,
    called ``name``: a learned parameter (``"learned"``, initialised N(0, 0.02)) or a fixed buffer of
    :func:`sincos_2d` codes (``"sincos"``)."""
    if kind == "learned":
        owner.register_parameter(name, nn.Parameter(torch.randn(1, grid[0] * grid[1], dim) * 0.02))
    elif kind == "sincos":
        owner.register_buffer(name, sincos_2d(dim, *grid)[None])
    else:
        raise ValueError(f"pos_embed must be one of {list(POSITION_EMBEDDINGS)}, got {kind!r}")


def gather_tokens(tokens: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Rows ``index`` (B, K) of ``tokens`` (B, N, D) -> (B, K, D)."""
    return tokens.gather(1, index.unsqueeze(-1).expand(-1, -1, tokens.shape[-1]))


def transformer(dim: int, depth: int, heads: int, mlp_ratio: float = 2.0) -> nn.TransformerEncoder:
    layer = nn.TransformerEncoderLayer(
        dim, heads, int(dim * mlp_ratio), dropout=0.0, activation="gelu", batch_first=True, norm_first=True
    )
    return nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)


class SmallViT(nn.Module):
    """Patch embedding + position embedding + pre-norm transformer.

    Parameters
    ----------
    input_shape : (channels, height, width); height and width divisible by ``patch_size``.
    out_features : int, optional
        Linear projection of the mean-pooled tokens; None returns the pooled tokens (``dim``).
    patch_size, dim, depth, heads, mlp_ratio : the usual ViT sizes.
    pos_embed : "learned" or "sincos"
        A learned position table (the default, as in the original ViT) or fixed 2-D sine-cosine
        codes (:func:`sincos_2d`; MAE and I-JEPA use them). Masked methods built on a ViT give their
        own decoder or predictor the same kind.

    Examples
    --------
    >>> vit = SmallViT((1, 28, 28), patch_size=7, dim=32, depth=1, heads=2)
    >>> vit(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 32])
    >>> vit.tokens(torch.zeros(2, 1, 28, 28), torch.tensor([[0, 5], [1, 2]])).shape
    torch.Size([2, 2, 32])
    >>> vit.feature_map(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 32, 4, 4])
    """

    def __init__(
        self,
        input_shape: Sequence[int],
        out_features: int | None = None,
        patch_size: int = 4,
        dim: int = 64,
        depth: int = 4,
        heads: int = 4,
        mlp_ratio: float = 2.0,
        pos_embed: str = "learned",
    ) -> None:
        super().__init__()
        shape = as_shape(input_shape)
        if not is_image_shape(shape):
            raise ValueError(f"input_shape must be (channels, height, width) for a ViT, got {shape}")
        if not isinstance(patch_size, int) or patch_size < 1 or shape[1] % patch_size or shape[2] % patch_size:
            raise ValueError(f"patch_size must be a positive int dividing height and width {shape[1:]}, got {patch_size!r}")
        if dim % heads:
            raise ValueError(f"dim ({dim}) must be divisible by heads ({heads})")
        self.input_shape = shape
        self.patch_size = patch_size
        self.grid = (shape[1] // patch_size, shape[2] // patch_size)
        self.n_patches = self.grid[0] * self.grid[1]
        self.dim = dim
        self.patch_embed = nn.Linear(shape[0] * patch_size * patch_size, dim)
        self.pos_embed_kind = pos_embed
        position_table(pos_embed, self.grid, dim, self, "pos_embed")
        self.blocks = transformer(dim, depth, heads, mlp_ratio)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Identity() if out_features is None else nn.Linear(dim, out_features)
        self.out_features = dim if out_features is None else out_features

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.patch_embed(patchify(x, self.patch_size)) + self.pos_embed

    def tokens(self, x: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        """Encoded tokens (B, K, dim) of the patches ``keep`` (B, K), or of all patches."""
        t = self._embed(x)
        if keep is not None:
            t = gather_tokens(t, keep)
        return self.norm(self.blocks(t))

    def block_outputs(self, x: torch.Tensor, last: int) -> list[torch.Tensor]:
        """The outputs (B, N, dim) of the last ``last`` transformer blocks over all patches, before
        the final norm (data2vec and I-JEPA variants average them into regression targets)."""
        if not isinstance(last, int) or isinstance(last, bool) or not 1 <= last <= len(self.blocks.layers):
            raise ValueError(f"last must be an int in [1, {len(self.blocks.layers)}] (the ViT's depth), got {last!r}")
        t = self._embed(x)
        outputs = []
        for layer in self.blocks.layers:
            t = layer(t)
            outputs.append(t)
        return outputs[-last:]

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """The encoded tokens laid on their patch grid, (B, dim, H / p, W / p): the ViT's analogue of
        a conv backbone's last map, so ``pool_grid`` readouts treat both kinds alike."""
        return self.tokens(x).transpose(1, 2).reshape(len(x), self.dim, *self.grid)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.tokens(x).mean(1))
