"""Pretraining for supervised learning: a trained encoder plus a prediction head.

:class:`SupervisedModel` wraps the encoder of an autoencoder (its code is the feature) and a
head, and has ``loss(x, y)``, so the ordinary training loop fine-tunes it:
``fit(SupervisedModel(ae, n_outputs=10), (X, y), config)``. ``trainable`` chooses what moves:
everything, only the head, or the head plus the top ``n`` encoder layers.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ..nn.activations import make_activation
from .autoencoder import AutoencoderModel, LossOutput

TASKS = ("classification", "regression")


def _encoder_layers(model: AutoencoderModel) -> list[nn.Module]:
    """Modules of the encoder that hold parameters, bottom to top."""
    return [m for m in model.encoder.modules() if any(True for _ in m.parameters(recurse=False))]


class SupervisedModel(nn.Module):
    """``head(code(x))`` with a cross-entropy (classification) or squared-error (regression) loss.

    Parameters
    ----------
    autoencoder : AutoencoderModel
        Its encoder and latent layer are reused (shared, not copied); the decoder is ignored.
    n_outputs : int
        Number of classes, or of regression targets.
    task : {"classification", "regression"}
    hidden_dims : sequence of int
        Hidden widths of the head (``()``: a linear head, i.e. logistic regression on the code).
    trainable : "all", "head" or int
        Fine-tune everything, only the head, or the head and the top ``n`` encoder layers.

    Examples
    --------
    >>> from aekit import create_model
    >>> clf = SupervisedModel(create_model("deep", (6,), latent_dim=3), n_outputs=2)
    >>> clf.loss(torch.rand(4, 6), torch.tensor([0, 1, 1, 0])).parts.keys()
    dict_keys(['cross_entropy', 'total'])
    """

    def __init__(
        self,
        autoencoder: AutoencoderModel,
        n_outputs: int,
        *,
        task: str = "classification",
        hidden_dims: Sequence[int] = (),
        activation: str = "relu",
        trainable: str | int = "all",
    ) -> None:
        super().__init__()
        if task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {task!r}")
        if not isinstance(n_outputs, int) or n_outputs < 1:
            raise ValueError(f"n_outputs must be a positive int, got {n_outputs!r}")
        self.task = task
        self.encoder, self.latent = autoencoder.encoder, autoencoder.latent
        dims = [autoencoder.latent_dim, *hidden_dims]
        layers: list[nn.Module] = []
        for d_in, d_out in zip(dims[:-1], dims[1:]):
            layers += [nn.Linear(d_in, d_out), make_activation(activation)]
        self.head = nn.Sequential(*layers, nn.Linear(dims[-1], n_outputs))
        self.set_trainable(trainable, autoencoder)

    def set_trainable(self, trainable: str | int, autoencoder: AutoencoderModel) -> None:
        """Freeze the encoder except its top ``trainable`` layers (``"all"``: none frozen)."""
        layers = _encoder_layers(autoencoder)
        if trainable == "all":
            n_free = len(layers)
        elif trainable == "head":
            n_free = 0
        elif isinstance(trainable, int) and not isinstance(trainable, bool) and trainable >= 0:
            n_free = min(trainable, len(layers))
        else:
            raise ValueError(f"trainable must be 'all', 'head' or a non-negative int, got {trainable!r}")
        for i, layer in enumerate(layers):
            for p in layer.parameters(recurse=False):
                p.requires_grad_(i >= len(layers) - n_free)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The encoder's code (posterior mean for a VAE)."""
        return self.latent(self.encoder(x))[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (classification) or predictions (regression), shape (B, n_outputs)."""
        return self.head(self.features(x))

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> LossOutput:
        out = self(x)
        if self.task == "classification":
            name, value = "cross_entropy", F.cross_entropy(out, y.long())
        else:
            name, value = "mse", F.mse_loss(out, y.to(out.dtype).reshape(out.shape))
        return LossOutput(total=value, parts={name: value, "total": value})
