"""Batched tensor augmentations: every sample of a batch gets its own random parameters.

Images are float tensors (B, C, H, W) in [0, 1]; tabular data is (B, D). Each step is one small
function ``f(x, **options) -> x``; :class:`Augment` chains steps named in a JSON-able list, so a
pipeline is saved with the model. No torchvision: cropping is one ``affine_grid`` +
``grid_sample`` for the whole batch and blurring one grouped convolution.

Examples
--------
>>> import torch
>>> aug = Augment("simclr")
>>> aug(torch.rand(4, 3, 16, 16)).shape
torch.Size([4, 3, 16, 16])
>>> Augment([{"name": "horizontal_flip", "p": 1.0}])(torch.arange(3.0).view(1, 1, 1, 3)).flatten().tolist()
[2.0, 1.0, 0.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ..registry import Registry

AUGMENTATIONS: Registry[Callable[..., torch.Tensor]] = Registry("augmentation", spec_hint="")


def register_augmentation(fn: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    """Make ``fn`` usable by name (its ``__name__``) in an :class:`Augment` pipeline."""
    return AUGMENTATIONS.register(fn)


def _chosen(x: torch.Tensor, p: float) -> torch.Tensor:
    """A (B, 1, ..., 1) boolean mask: which samples get the augmentation."""
    return (torch.rand(len(x), device=x.device) < p).view(-1, *([1] * (x.dim() - 1)))


def _uniform(n: int, low: float, high: float, device) -> torch.Tensor:
    return torch.empty(n, device=device).uniform_(low, high)


@register_augmentation
def random_resized_crop(
    x: torch.Tensor, scale: tuple[float, float] = (0.2, 1.0), ratio: tuple[float, float] = (3 / 4, 4 / 3)
) -> torch.Tensor:
    """Crop a random area fraction ``scale`` with aspect ``ratio`` and resize it back to full size."""
    b = len(x)
    area = _uniform(b, *scale, x.device)
    log_r = _uniform(b, math.log(ratio[0]), math.log(ratio[1]), x.device)
    w = (area * log_r.exp()).sqrt().clamp(max=1.0)  # width and height as fractions of the side
    h = (area / log_r.exp()).sqrt().clamp(max=1.0)
    cx = (torch.rand(b, device=x.device) * 2 - 1) * (1 - w)
    cy = (torch.rand(b, device=x.device) * 2 - 1) * (1 - h)
    zero = torch.zeros_like(w)
    theta = torch.stack([torch.stack([w, zero, cx], 1), torch.stack([zero, h, cy], 1)], 1)  # (B, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


@register_augmentation
def random_translate(x: torch.Tensor, pixels: int = 1) -> torch.Tensor:
    """Shift each image by a whole number of pixels, up to ``pixels`` in each direction; the
    uncovered border is 0 (background). Whole pixels keep the image sharp: no interpolation."""
    if isinstance(pixels, bool) or not isinstance(pixels, int) or pixels < 0:
        raise ValueError(f"random_translate: pixels must be a non-negative int, got {pixels!r}")
    b, (h, w) = len(x), x.shape[-2:]
    shift = torch.randint(-pixels, pixels + 1, (b, 2), device=x.device).to(x.dtype)
    eye = torch.eye(2, device=x.device, dtype=x.dtype).expand(b, 2, 2)
    # affine_grid works in [-1, 1] coordinates: one pixel is 2 / size; a shift by whole pixels
    # lands nearest-neighbour sampling exactly on pixel centres.
    offset = torch.stack([-2 * shift[:, 0] / w, -2 * shift[:, 1] / h], 1).unsqueeze(-1)
    grid = F.affine_grid(torch.cat([eye, offset], 2), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="nearest", padding_mode="zeros", align_corners=False)


@register_augmentation
def horizontal_flip(x: torch.Tensor, p: float = 0.5) -> torch.Tensor:
    """Mirror left-right with probability ``p``."""
    return torch.where(_chosen(x, p), x.flip(-1), x)


def _gray(x: torch.Tensor) -> torch.Tensor:
    if x.shape[1] == 3:
        w = torch.tensor([0.299, 0.587, 0.114], device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
        return (x * w).sum(1, keepdim=True)
    return x.mean(1, keepdim=True)


@register_augmentation
def color_jitter(
    x: torch.Tensor,
    brightness: float = 0.4,
    contrast: float = 0.4,
    saturation: float = 0.4,
    hue: float = 0.1,
    p: float = 0.8,
) -> torch.Tensor:
    """Random brightness, contrast, saturation and hue (the last two only for RGB), with prob. ``p``."""
    b, dev = len(x), x.device
    out = x * _uniform(b, 1 - brightness, 1 + brightness, dev).view(-1, 1, 1, 1)
    mean = _gray(out).mean((1, 2, 3), keepdim=True)
    out = (out - mean) * _uniform(b, 1 - contrast, 1 + contrast, dev).view(-1, 1, 1, 1) + mean
    if x.shape[1] == 3:
        g = _gray(out)
        out = (out - g) * _uniform(b, 1 - saturation, 1 + saturation, dev).view(-1, 1, 1, 1) + g
        if hue > 0:
            # hue shift = rotation of the chroma plane (I, Q) in YIQ space
            to_yiq = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], device=dev)
            angle = _uniform(b, -hue, hue, dev) * 2 * math.pi
            cos, sin, one, zero = angle.cos(), angle.sin(), torch.ones(b, device=dev), torch.zeros(b, device=dev)
            rot = torch.stack([one, zero, zero, zero, cos, -sin, zero, sin, cos], 1).view(b, 3, 3)
            m = torch.linalg.inv(to_yiq) @ rot @ to_yiq  # (B, 3, 3)
            out = torch.einsum("bij,bjhw->bihw", m, out)
    return torch.where(_chosen(x, p), out.clamp(0, 1), x)


@register_augmentation
def grayscale(x: torch.Tensor, p: float = 0.2) -> torch.Tensor:
    """Replace an RGB image by its luma (kept as 3 channels) with probability ``p``."""
    if x.shape[1] != 3:
        return x
    return torch.where(_chosen(x, p), _gray(x).expand_as(x), x)


@register_augmentation
def gaussian_blur(
    x: torch.Tensor, sigma: tuple[float, float] = (0.1, 2.0), p: float = 0.5, kernel_size: int | None = None
) -> torch.Tensor:
    """Separable Gaussian blur, sigma drawn per sample; kernel ~10% of the side (SimCLR), odd, >= 3."""
    b, c, h, w = x.shape
    k = kernel_size or max(3, int(0.1 * min(h, w)) // 2 * 2 + 1)
    s = _uniform(b, *sigma, x.device).view(-1, 1)
    r = torch.arange(k, device=x.device, dtype=x.dtype) - k // 2
    kern = torch.exp(-(r**2) / (2 * s**2))
    kern = (kern / kern.sum(1, keepdim=True)).repeat_interleave(c, 0)  # (B*C, k)
    y = F.pad(x.reshape(1, b * c, h, w), (k // 2, k // 2, k // 2, k // 2), mode="reflect")
    y = F.conv2d(y, kern.view(b * c, 1, 1, k), groups=b * c)
    y = F.conv2d(y, kern.view(b * c, 1, k, 1), groups=b * c).view(b, c, h, w)
    return torch.where(_chosen(x, p), y, x)


@register_augmentation
def random_erasing(
    x: torch.Tensor,
    p: float = 0.5,
    scale: tuple[float, float] = (0.02, 0.33),
    ratio: tuple[float, float] = (0.3, 3.3),
    value: float = 0.0,
) -> torch.Tensor:
    """Random erasing / cutout (Zhong et al. 2020; DeVries & Taylor 2017): with probability ``p``,
    set one rectangle covering an area fraction ``scale`` with aspect ``ratio`` (height / width)
    to ``value`` in every channel. The rectangle lies wholly inside the image."""
    if not 0 <= p <= 1:
        raise ValueError(f"random_erasing: p must be in [0, 1], got {p!r}")
    if not (len(scale) == 2 and 0 < scale[0] <= scale[1] <= 1):
        raise ValueError(f"random_erasing: scale must be (low, high) with 0 < low <= high <= 1, got {scale!r}")
    if not (len(ratio) == 2 and 0 < ratio[0] <= ratio[1]):
        raise ValueError(f"random_erasing: ratio must be (low, high) with 0 < low <= high, got {ratio!r}")
    b, (h, w), dev = len(x), x.shape[-2:], x.device
    area = _uniform(b, *scale, dev) * h * w
    aspect = _uniform(b, math.log(ratio[0]), math.log(ratio[1]), dev).exp()
    eh = (area * aspect).sqrt().round().clamp(1, h)
    ew = (area / aspect).sqrt().round().clamp(1, w)
    top = (torch.rand(b, device=dev) * (h - eh + 1)).floor()
    left = (torch.rand(b, device=dev) * (w - ew + 1)).floor()
    rows, cols = torch.arange(h, device=dev), torch.arange(w, device=dev)
    in_rows = (rows >= top[:, None]) & (rows < (top + eh)[:, None])  # (B, H)
    in_cols = (cols >= left[:, None]) & (cols < (left + ew)[:, None])  # (B, W)
    erase = (in_rows[:, None, :, None] & in_cols[:, None, None, :]) & _chosen(x, p)
    return x.masked_fill(erase, value)


@register_augmentation
def feature_corruption(x: torch.Tensor, p: float = 0.3) -> torch.Tensor:
    """Tabular (SCARF, Bahri et al. 2022): replace a fraction ``p`` of features by the same feature
    of another random row, i.e. a draw from its empirical marginal."""
    donors = x[torch.randint(len(x), (len(x),), device=x.device)]
    return torch.where(torch.rand_like(x) < p, donors, x)


@register_augmentation
def gaussian_noise(x: torch.Tensor, std: float = 0.1) -> torch.Tensor:
    """Add N(0, std^2) noise to every value."""
    return x + std * torch.randn_like(x)


PRESETS: dict[str, list[dict[str, Any]]] = {
    # SimCLR's image pipeline (Chen et al. 2020, appendix A)
    "simclr": [
        {"name": "random_resized_crop", "scale": [0.2, 1.0]},
        {"name": "horizontal_flip"},
        {"name": "color_jitter", "p": 0.8},
        {"name": "grayscale", "p": 0.2},
        {"name": "gaussian_blur", "p": 0.5},
    ],
    "light": [{"name": "random_resized_crop", "scale": [0.5, 1.0]}, {"name": "horizontal_flip"}],
    # small grey images (Fashion-MNIST, 28x28): crop and flip only; colour steps have no colour to
    # change and a 3-pixel blur erases most of a 28-pixel object (docs/results/ssl.md)
    "small_gray": [{"name": "random_resized_crop", "scale": [0.3, 1.0]}, {"name": "horizontal_flip"}],
    "tabular": [{"name": "feature_corruption", "p": 0.3}, {"name": "gaussian_noise", "std": 0.05}],
    "none": [],
}


# Steps that treat each value alone; every other step reads (B, C, H, W) images.
ELEMENTWISE = frozenset({"feature_corruption", "gaussian_noise"})


def check_augment_shape(augment: "Augment", sample_shape: tuple[int, ...]) -> None:
    """Refuse image steps on samples that are not (C, H, W) images (a flip of a flat vector
    would silently reverse it)."""
    image_steps = [s["name"] for s in augment.steps if s["name"] not in ELEMENTWISE]
    if image_steps and len(sample_shape) != 3:
        raise ValueError(f"augment steps {image_steps} need images of shape (C, H, W), but samples have shape "
                         f"{tuple(sample_shape)}; give input_shape=(C, H, W) for images stored as flat rows")


class Augment(nn.Module):
    """A pipeline of named augmentation steps (a preset name or a list of ``{"name": ..., **options}``).

    Parameters
    ----------
    steps : str or list of dict
        A key of ``PRESETS`` ("simclr", "light", "small_gray", "tabular", "none") or explicit steps.
    """

    def __init__(self, steps: str | list[dict[str, Any]] = "simclr") -> None:
        super().__init__()
        if isinstance(steps, str):
            if steps not in PRESETS:
                raise ValueError(f"augmentation preset must be one of {sorted(PRESETS)}, got {steps!r}")
            steps = PRESETS[steps]
        if not isinstance(steps, (list, tuple)):
            raise TypeError(f"augment must be a preset name or a list of dicts, got {type(steps).__name__}")
        self.steps: list[dict[str, Any]] = []
        for step in steps:
            if not isinstance(step, dict) or step.get("name") not in AUGMENTATIONS:
                raise ValueError(f"each augmentation step must be a dict whose 'name' is one of {AUGMENTATIONS.names()}, got {step!r}")
            self.steps.append(dict(step))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for step in self.steps:
            options = {k: v for k, v in step.items() if k != "name"}
            x = AUGMENTATIONS.get(step["name"])(x, **options)
        return x

    def config(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.steps]
