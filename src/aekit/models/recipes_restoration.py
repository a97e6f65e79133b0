"""Image restoration recipes: one mechanism (corrupt the input, reconstruct the clean image).

Each recipe is a convolutional autoencoder with a corruption from :mod:`aekit.transforms`; the task is only the corruption. Every option of
:func:`~aekit.models.build_autoencoder` still applies, and ``corruption=`` replaces the recipe's
own (e.g. ``create_model("denoise", shape, corruption={"name": "salt_and_pepper", "p": 0.2})``).
Use :func:`aekit.applications.restoration.restore` to apply a trained model.
"""

from __future__ import annotations

from typing import Any

from ..transforms.corruption import CorruptionSpec
from ..nn import is_image_shape
from .autoencoder import AutoencoderModel
from .recipes import build_autoencoder
from .recipes_regularised import denoising
from .registry import register_recipe


def _restorer(input_shape, latent_dim: int, corruption: CorruptionSpec, options: dict[str, Any]) -> AutoencoderModel:
    """A wide-code conv autoencoder: restoration needs detail, so the default code is large.

    By default (``input_skip=True``) it predicts a correction that is added to the corrupted
    input, so what the corruption left intact passes through unchanged; ``input_skip=False``
    gives the plain bottleneck autoencoder, which must rebuild every pixel from its code.
    Denoising defaults to the plain form: its correction is the negated noise, which has as many
    degrees of freedom as the image and cannot pass through the code.
    """
    if not is_image_shape(input_shape):
        raise ValueError(f"restoration recipes need images (channels, height, width), got input_shape {input_shape}")
    options = {"architecture": "conv", "corruption": corruption, "input_skip": True, **options}
    return build_autoencoder(input_shape, latent_dim, **_conv_channels(options))


def _conv_channels(options: dict[str, Any]) -> dict[str, Any]:
    """Restoration's default channels (32, 64), for the convolutional network only (an MLP has none)."""
    if options.get("architecture") == "conv":
        options.setdefault("channels", (32, 64))
    return options


@register_recipe("denoise")
def denoise(input_shape, latent_dim: int = 128, std: float = 0.3, **options) -> AutoencoderModel:
    """The ``denoising`` recipe with the restoration defaults: a conv autoencoder with a 128-D code,
    Gaussian noise of ``std`` in, clean image out (Vincent et al. 2008), no input skip.

    Pass ``corruption={"name": "salt_and_pepper", "p": 0.2}`` for impulse noise.
    """
    if not is_image_shape(input_shape):
        raise ValueError(f"restoration recipes need images (channels, height, width), got input_shape {input_shape}")
    options = _conv_channels({"architecture": "conv", "input_skip": False, **options})
    return denoising(input_shape, latent_dim, corruption=options.pop("corruption", {"name": "gaussian", "std": std}),
                     **options)


@register_recipe("inpaint")
def inpaint(input_shape, latent_dim: int = 128, mode: str = "center", size: float = 0.5,
            visible_weight: float = 0.1, adversarial: float = 0.0, **options) -> AutoencoderModel:
    """Context encoder: fill a hidden block or region (Pathak et al. 2016).

    ``mode``: "center", "random_block" or "random_region"; ``size``: block side as a fraction of
    the image side; the loss counts hidden pixels fully and visible ones ``visible_weight`` times.
    ``adversarial`` > 0 adds the paper's adversarial term with that weight (they used 0.001): a
    small discriminator trained beside the autoencoder (:mod:`aekit.objectives.adversarial`).
    """
    if not isinstance(adversarial, (int, float)) or isinstance(adversarial, bool) or adversarial < 0:
        raise ValueError(f"adversarial must be a non-negative weight, got {adversarial!r}")
    spec = {"name": "block_mask", "mode": mode, "size": size, "visible_weight": visible_weight}
    if adversarial > 0:
        extra = [{"name": "adversarial", "weight": float(adversarial)}]
        options = {**options, "regularisers": [*options.get("regularisers", ()), *extra]}
    return _restorer(input_shape, latent_dim, spec, options)


@register_recipe("colorize")
def colorize(input_shape, latent_dim: int = 128, **options) -> AutoencoderModel:
    """Colorization: luminance in (copied to every channel), colour image out.

    One-channel images are already gray: the model is then a plain conv autoencoder.
    """
    return _restorer(input_shape, latent_dim, {"name": "grayscale"}, options)


@register_recipe("superres")
def superres(input_shape, latent_dim: int = 128, factor: int = 2, **options) -> AutoencoderModel:
    """Super-resolution: the image average-pooled by ``factor`` (upsampled nearest) in, full resolution out."""
    return _restorer(input_shape, latent_dim, {"name": "downsample", "factor": factor}, options)


@register_recipe("dewatermark")
def dewatermark(input_shape, latent_dim: int = 128, opacity: float = 0.6, **options) -> AutoencoderModel:
    """Watermark removal: synthetic text and logo overlays (Pillow) in, clean image out."""
    return _restorer(input_shape, latent_dim, {"name": "watermark", "opacity": opacity}, options)
