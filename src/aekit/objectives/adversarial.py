"""An adversarial term: a small discriminator tells reconstructions from real inputs, and the
autoencoder is also trained to fool it (the context encoder's joint loss, Pathak et al. 2016).

Squared error alone averages over the plausible fillings of a hole and gives blurry output; the
adversarial term pulls the output towards the data's own sharpness. As in the paper it is a
small weight beside the reconstruction loss (they used 0.001 against 0.999).

Both players train in the same step from one optimizer (simultaneous gradient descent):

- the discriminator's loss ``softplus(-D(x)) + softplus(D(x_hat.detach()))`` reaches only its own
  weights, because the reconstruction is detached;
- the autoencoder's non-saturating loss ``softplus(-D(x_hat))`` is computed with a detached copy
  of the discriminator's weights (``torch.func.functional_call``), so it reaches only the
  autoencoder.

Both enter the total with ``weight`` times half the number of input values: the reconstruction
loss of the Gaussian likelihood is half the *summed* squared error, so this scale makes
``weight`` mean what it means in the paper, beside a per-pixel mean squared error (0.001 there).
Adam normalises each parameter's step, so the small weight slows neither player's learning,
while the validation total that early stopping watches stays dominated by the reconstruction. They are reported as two parts, ``adversarial`` and
``discriminator``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.func import functional_call
from torch.nn import functional as F

from ..nn.conv import ConvEncoder
from ..nn.mlp import MLPEncoder
from ..nn.shapes import as_shape, is_image_shape
from .regularisers import Regulariser, register_regulariser


def make_discriminator(input_shape: Sequence[int], channels: Sequence[int] = (32, 64), hidden: int = 128) -> nn.Module:
    """A small critic with one logit per sample: strided convolutions for images, an MLP otherwise."""
    shape = as_shape(input_shape)
    if is_image_shape(shape):
        return ConvEncoder(shape, 1, channels, activation="leaky_relu")
    return MLPEncoder(shape, 1, (hidden,), activation="leaky_relu")


@register_regulariser
class Adversarial(Regulariser):
    """Adversarial loss with its own discriminator (saved and optimised with the model).

    Parameters
    ----------
    weight : float
        Weight of both players' losses, relative to a per-value mean squared error (the paper's
        lambda_adv; they used 0.001). In the total they are scaled by half the input size.
    input_shape : sequence of int
        Shape of one sample; :class:`~aekit.models.AutoencoderModel` fills it in.
    channels : sequence of int
        The discriminator's convolutional stages (images).

    Examples
    --------
    >>> from aekit import create_model
    >>> model = create_model("conv", (1, 8, 8), latent_dim=4, channels=[4],
    ...                      regularisers=[{"name": "adversarial", "weight": 1e-3}])
    >>> sorted(model.loss(torch.rand(6, 1, 8, 8)).parts)
    ['adversarial', 'discriminator', 'reconstruction', 'total']
    """

    name = "adversarial"
    needs_input_shape = True

    def __init__(self, weight: float = 1e-3, input_shape: Sequence[int] | None = None,
                 channels: Sequence[int] = (32, 64)) -> None:
        super().__init__(weight)
        if input_shape is None:
            raise ValueError("the adversarial regulariser needs input_shape (the model passes it)")
        self.input_shape = as_shape(input_shape)
        self.channels = tuple(int(c) for c in channels)
        self.discriminator = make_discriminator(self.input_shape, self.channels)
        self.scale = self.weight * 0.5 * math.prod(self.input_shape)

    def losses(self, result, model) -> tuple[torch.Tensor, torch.Tensor]:
        """Unweighted ``(autoencoder's loss, discriminator's loss)`` for one batch."""
        fake = model.likelihood.mean(result.params)
        real = result.x.to(fake.dtype)
        critic = self.discriminator
        d_loss = F.softplus(-critic(real)).mean() + F.softplus(critic(fake.detach())).mean()
        frozen = {name: p.detach() for name, p in critic.named_parameters()}
        g_loss = F.softplus(-functional_call(critic, frozen, (fake,))).mean()
        return g_loss, d_loss

    def penalty(self, result, model) -> torch.Tensor:
        return self.losses(result, model)[0]

    def forward(self, result, model) -> dict[str, torch.Tensor]:
        g_loss, d_loss = self.losses(result, model)
        return {"adversarial": self.scale * g_loss, "discriminator": self.scale * d_loss}

    def config(self):
        return {"name": self.name, "weight": self.weight, "input_shape": list(self.input_shape),
                "channels": list(self.channels)}
