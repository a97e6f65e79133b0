"""Image degradations for restoration: block/region masks, grayscale, downsampling, watermarks.

Each is a :class:`~aekit.transforms.Corruption` registered by name, so a restoration model is
the ordinary autoencoder with one of these plugged in (``corruption={"name": "block_mask"}``);
the loss still compares the output with the clean image. All randomness comes from torch's RNG,
so ``torch.manual_seed`` makes every corruption reproducible.

Masks also tell the loss where they hid pixels: :meth:`BlockMask.corrupt` returns per-element
loss weights (1 on hidden pixels, ``visible_weight`` elsewhere) that
:class:`~aekit.models.AutoencoderModel` applies to the reconstruction term (the context-encoder
loss of Pathak et al. 2016 with ``visible_weight=0``).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch.nn import functional as F

from .corruption import Corruption, register_corruption


def _check_images(x: torch.Tensor, name: str) -> None:
    if x.dim() != 4:
        raise ValueError(f"corruption {name!r} needs images (batch, channels, height, width), got shape {tuple(x.shape)}")


def _fraction(value: float, arg: str) -> float:
    if not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ValueError(f"{arg} must be a fraction in (0, 1], got {value!r}")
    return float(value)


def random_blocks(b: int, h: int, w: int, side_h: int, side_w: int, n: int, device) -> torch.Tensor:
    """(b, h, w) boolean masks: per image, the union of ``n`` blocks of side (side_h, side_w) at
    random places. The one place images are masked: :class:`BlockMask` and the SSL context
    encoder (:mod:`aekit.ssl.inpainting`) both draw their holes here."""
    top = torch.randint(0, h - side_h + 1, (b, n, 1, 1), device=device)
    left = torch.randint(0, w - side_w + 1, (b, n, 1, 1), device=device)
    rows = torch.arange(h, device=device).view(1, 1, h, 1)
    cols = torch.arange(w, device=device).view(1, 1, 1, w)
    inside = (rows >= top) & (rows < top + side_h) & (cols >= left) & (cols < left + side_w)
    return inside.any(dim=1)


def central_block(b: int, h: int, w: int, side_h: int, side_w: int, device) -> torch.Tensor:
    """(b, h, w) boolean masks of the central block of side (side_h, side_w)."""
    m = torch.zeros(h, w, dtype=torch.bool, device=device)
    top, left = (h - side_h) // 2, (w - side_w) // 2
    m[top : top + side_h, left : left + side_w] = True
    return m.expand(b, h, w)


@register_corruption
class BlockMask(Corruption):
    """Hide a square block or an irregular region of every image (inpainting / context encoder).

    Parameters
    ----------
    mode : {"center", "random_block", "random_region"}
        ``"center"``: the central block (Pathak et al. 2016); ``"random_block"``: one block at a
        random place per image; ``"random_region"``: the union of ``n_blocks`` smaller random
        blocks, an irregular hole of at most the same area.
    size : float
        Side of the block as a fraction of the image side (0.5 hides a quarter of the area).
    value : float
        Fill of hidden pixels. 0.5 by default: unlike 0 it cannot be mistaken for a black background.
    visible_weight : float
        Loss weight of the pixels left visible (hidden pixels weigh 1). 1 gives the plain
        reconstruction loss; 0 trains on the hole only.
    n_blocks : int
        Blocks that make up a ``"random_region"``.

    Examples
    --------
    >>> m = BlockMask("center", size=0.5)
    >>> m.mask(torch.zeros(1, 1, 4, 4))[0, 0].int().tolist()
    [[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]]
    """

    name = "block_mask"
    MODES = ("center", "random_block", "random_region")

    def __init__(self, mode: str = "center", size: float = 0.5, value: float = 0.5, visible_weight: float = 1.0,
                 n_blocks: int = 4) -> None:
        super().__init__()
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}, got {mode!r}")
        if not isinstance(visible_weight, (int, float)) or visible_weight < 0:
            raise ValueError(f"visible_weight must be a non-negative number, got {visible_weight!r}")
        if not isinstance(n_blocks, int) or isinstance(n_blocks, bool) or n_blocks < 1:
            raise ValueError(f"n_blocks must be a positive int, got {n_blocks!r}")
        self.mode, self.size, self.value = mode, _fraction(size, "size"), float(value)
        self.visible_weight, self.n_blocks = float(visible_weight), n_blocks

    def mask(self, x: torch.Tensor) -> torch.Tensor:
        """Boolean mask of shape (batch, 1, H, W), True where pixels are hidden."""
        _check_images(x, self.name)
        b, (h, w) = len(x), x.shape[-2:]
        side_h, side_w = max(1, round(self.size * h)), max(1, round(self.size * w))
        if self.mode == "center":
            m = central_block(b, h, w, side_h, side_w, x.device)
        elif self.mode == "random_block":
            m = random_blocks(b, h, w, side_h, side_w, 1, x.device)
        else:  # smaller blocks whose union has at most the area of one block of `size`
            shrink = math.sqrt(self.n_blocks)
            sh, sw = max(1, round(side_h / shrink)), max(1, round(side_w / shrink))
            m = random_blocks(b, h, w, sh, sw, self.n_blocks, x.device)
        return m.reshape(b, 1, h, w)

    def corrupt(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        m = self.mask(x)
        x_tilde = x.masked_fill(m, self.value)
        if self.visible_weight == 1.0:
            return x_tilde, None
        weight = torch.where(m, 1.0, self.visible_weight).to(x.dtype).expand_as(x)
        return x_tilde, weight

    def forward(self, x):
        return self.corrupt(x)[0]

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "mode": self.mode, "size": self.size, "value": self.value,
                "visible_weight": self.visible_weight, "n_blocks": self.n_blocks}


@register_corruption
class Grayscale(Corruption):
    """Replace colour by luminance (ITU-R BT.601 weights) in every channel: colorization input.

    Three-channel images become three copies of ``0.299 R + 0.587 G + 0.114 B``, so the model
    keeps its input shape and learns to predict colour from luminance. One-channel images are
    already gray and pass unchanged.

    Examples
    --------
    >>> Grayscale()(torch.tensor([[[[1.0]], [[0.0]], [[0.0]]]])).flatten().tolist()
    [0.29899999499320984, 0.29899999499320984, 0.29899999499320984]
    """

    name = "grayscale"

    def forward(self, x):
        _check_images(x, self.name)
        channels = x.shape[-3]
        if channels == 1:
            return x
        if channels != 3:
            raise ValueError(f"grayscale needs 1 or 3 channels (RGB), got {channels}")
        weights = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype, device=x.device).view(3, 1, 1)
        return (x * weights).sum(dim=-3, keepdim=True).expand_as(x)


@register_corruption
class Downsample(Corruption):
    """Low-resolution input for super-resolution: average-pool by ``factor``, upsample back (nearest).

    The input keeps the full size, so every architecture applies unchanged; it carries only
    ``1 / factor^2`` of the information, and the decoder predicts the full-resolution image.
    Sides not divisible by ``factor`` are pooled adaptively to ``ceil(side / factor)``.

    Examples
    --------
    >>> Downsample(2)(torch.arange(4.0).view(1, 1, 2, 2)).flatten().tolist()
    [1.5, 1.5, 1.5, 1.5]
    """

    name = "downsample"

    def __init__(self, factor: int = 2) -> None:
        super().__init__()
        if not isinstance(factor, int) or isinstance(factor, bool) or factor < 1:
            raise ValueError(f"factor must be a positive int, got {factor!r}")
        self.factor = factor

    def forward(self, x):
        _check_images(x, self.name)
        h, w = x.shape[-2:]
        low = F.adaptive_avg_pool2d(x, (math.ceil(h / self.factor), math.ceil(w / self.factor)))
        return F.interpolate(low, size=(h, w), mode="nearest")

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "factor": self.factor}


_GLYPHS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789©"


@register_corruption
class Watermark(Corruption):
    """Overlay synthetic watermarks: random text and a logo (ellipse or box outline) per image.

    Drawn with Pillow's ``ImageDraw`` on a per-image mask, then blended:
    ``x * (1 - a) + a * value`` with ``a = opacity`` where the mark is drawn. Text, position and
    logo come from torch's RNG, so a seed fixes the marks.

    Parameters
    ----------
    opacity : float
        Blend of the mark (1: opaque).
    value : float
        Intensity of the mark (1: white).
    text_length : int
        Characters of random text (0: no text).
    logo : bool
        Also draw a logo outline.
    font_size : float
        Text height as a fraction of the image height.

    Examples
    --------
    >>> x = torch.zeros(2, 1, 28, 28)
    >>> y = Watermark(opacity=1.0)(x)
    >>> bool((y > 0).any()), tuple(y.shape)
    (True, (2, 1, 28, 28))
    """

    name = "watermark"

    def __init__(self, opacity: float = 0.6, value: float = 1.0, text_length: int = 3, logo: bool = True,
                 font_size: float = 0.4) -> None:
        super().__init__()
        self.opacity = _fraction(opacity, "opacity")
        if not isinstance(text_length, int) or isinstance(text_length, bool) or text_length < 0:
            raise ValueError(f"text_length must be a non-negative int, got {text_length!r}")
        if text_length == 0 and not logo:
            raise ValueError("watermark needs text_length > 0 or logo=True, or it draws nothing")
        self.value, self.text_length, self.logo = float(value), text_length, bool(logo)
        self.font_size = _fraction(font_size, "font_size")
        self._fonts: dict[int, Any] = {}

    def _font(self, px: int):
        from PIL import ImageFont

        if px not in self._fonts:
            try:
                self._fonts[px] = ImageFont.load_default(size=px)
            except (TypeError, ImportError, OSError):  # Pillow without FreeType: fixed bitmap font
                self._fonts[px] = ImageFont.load_default()
        return self._fonts[px]

    def marks(self, batch: int, h: int, w: int) -> torch.Tensor:
        """(batch, h, w) float masks in [0, 1], 1 where a mark is drawn."""
        from PIL import Image, ImageDraw

        font = self._font(max(4, round(self.font_size * h)))
        out = torch.empty(batch, h, w)
        draws = torch.rand(batch, 6)  # positions and logo shape, from torch's RNG
        glyphs = torch.randint(0, len(_GLYPHS), (batch, max(self.text_length, 1)))
        for i in range(batch):
            img = Image.new("L", (w, h), 0)
            draw = ImageDraw.Draw(img)
            if self.text_length:
                text = "".join(_GLYPHS[j] for j in glyphs[i, : self.text_length].tolist())
                xy = (float(draws[i, 0]) * w * 0.5, float(draws[i, 1]) * h * 0.6)
                draw.text(xy, text, fill=255, font=font)
            if self.logo:
                cx, cy, r = float(draws[i, 2]) * w, float(draws[i, 3]) * h, max(2.0, float(draws[i, 4]) * h / 4 + h / 8)
                box = [cx - r, cy - r, cx + r, cy + r]
                (draw.ellipse if draws[i, 5] < 0.5 else draw.rectangle)(box, outline=255, width=max(1, h // 14))
            out[i] = torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8).view(h, w).float() / 255
        return out

    def forward(self, x):
        _check_images(x, self.name)
        h, w = x.shape[-2:]
        a = self.opacity * self.marks(len(x), h, w).to(device=x.device, dtype=x.dtype)
        a = a.view(len(x), 1, h, w)
        return x * (1 - a) + a * self.value

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "opacity": self.opacity, "value": self.value, "text_length": self.text_length,
                "logo": self.logo, "font_size": self.font_size}
