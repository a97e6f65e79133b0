"""The autoencoder as a composition of parts.

    x --augment--> x --corruption--> x~ --encoder--> h --latent--> (code, z) --decoder--> params of p(x | z)
    loss = mean_batch[ likelihood.loss(params, x) + sum_t w_t * latent_term_t ] + sum_r regulariser_r

Every variant in the family is this module with different parts plugged in; named variants live
in :mod:`aekit.models.recipes`.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn.modules import module as _module_hooks

from ..transforms.augment import Augment, check_augment_shape
from ..transforms.corruption import CorruptionSpec, make_corruption
from ..nn.shapes import as_shape
from ..objectives.likelihoods import Likelihood, make_likelihood
from ..objectives.regularisers import RegulariserSpec, make_regulariser
from .conditioning import CONDITION_MODES, as_condition, join_condition
from .latents import DeterministicLatent, make_latent


def _optional_attr(part: nn.Module, name: str, default):
    """``getattr(part, name, default)`` for the optional hooks a plugged-in part may define
    (``uses_target``, ``term_weights``, ...), without nn.Module's slow miss: ``Module.__getattr__``
    builds and raises an AttributeError for every absent name, microseconds on every step."""
    if name in part.__dict__ or hasattr(type(part), name):
        return getattr(part, name)
    return default


@dataclass
class ForwardResult:
    """Everything one forward pass computed; regularisers read what they need from it."""

    x: torch.Tensor  # clean input, (B, *input_shape)
    x_in: torch.Tensor  # encoder input (corrupted in training), same shape
    h: torch.Tensor  # raw encoder output, (B, latent_dim * latent.n_params)
    code: torch.Tensor  # the representation, (B, latent_dim)
    z: torch.Tensor  # decoder input, (B, latent_dim)
    params: torch.Tensor  # decoder output: likelihood parameters
    terms: dict[str, torch.Tensor] = field(default_factory=dict)  # per-sample latent terms
    condition: torch.Tensor | None = None  # (B, n_conditions) for a conditional model
    # Per-element reconstruction weights from the corruption (inpainting masks), shape of x.
    loss_weight: torch.Tensor | None = None


@dataclass
class LossOutput:
    """The scalar to minimise and its parts (batch means), reported separately."""

    total: torch.Tensor
    parts: dict[str, torch.Tensor]


class AutoencoderModel(nn.Module):
    """corruption + encoder + latent + decoder + likelihood + regularisers.

    Parameters
    ----------
    encoder, decoder : nn.Module
        Any modules. The encoder maps (B, *input_shape) to (B, latent_dim * latent.n_params);
        the decoder maps (B, latent_dim) to (B, likelihood.n_params * C, ...) for data of shape
        (C, ...).
    input_shape : sequence of int
        Shape of one sample.
    latent_dim : int
        Size of the code.
    likelihood : str, dict or Likelihood
        Decoder output distribution; ``"gaussian"`` (MSE), ``"bernoulli"``, ``"categorical"``.
    latent : str, dict or module, optional
        ``None``/``"deterministic"`` for a plain autoencoder, ``"gaussian"`` for a VAE.
    corruption : spec, optional
        Applied to the encoder input in training mode only.
    regularisers : list of specs
        Penalties added to the loss, e.g. ``[{"name": "l1_activity", "weight": 1e-3}]``.
    n_conditions : int, default=0
        Size of a condition joined to the encoder and decoder inputs (conditional VAE); then
        ``loss``/``encode``/``decode`` take ``condition`` (class labels or (B, n) vectors). The
        encoder must accept the joined input and the decoder ``latent_dim + n_conditions`` values.
    condition_as : {"features", "channels"}
        How the encoder receives the condition: appended to the flattened input, or as constant
        image channels (for convolutional encoders).
    input_skip : bool, default=False
        The decoder predicts a correction to the (corrupted) input instead of the whole output:
        its output is added to the input (for a Bernoulli likelihood, to the input's logit), as
        in residual restoration networks (Zhang et al. 2017, DnCNN). When most of the input is
        already right (colorization, super-resolution, watermarks) the code then only has to
        carry what changes. Such a model needs an input to decode: use ``reconstruct(x)``;
        ``decode(z)`` alone raises.
    augment : str or list of dict, optional
        Data augmentation in training mode only, applied to the sample itself, so the target
        changes with the input (unlike ``corruption``, whose target stays clean): e.g.
        ``[{"name": "horizontal_flip"}, {"name": "random_translate", "pixels": 1}]``. Steps and
        presets of :class:`aekit.transforms.Augment`; image steps need an image ``input_shape``.
        More varied training images generalise better when the model would otherwise memorise
        its training set.

    Notes
    -----
    ``forward``, ``loss``, ``encode`` and ``reconstruct`` take an optional boolean ``mask`` of
    shape ``(B, *input_shape[:k])`` (e.g. ``(B, length)`` for padded sequences): False elements
    are zeroed before the encoder sees them and weigh 0 in the reconstruction loss, through the
    same ``loss_weight`` that inpainting corruptions use. An unconditional model reads a single
    extra input as its mask, so ``fit(model, (x, mask))`` trains on padded batches. Encoders with
    ``takes_mask = True`` also receive the mask (a recurrent encoder stops at each sequence's
    end); decoders with ``uses_target = True`` receive the clean input in training (teacher
    forcing).

    Examples
    --------
    >>> from aekit.nn import MLPEncoder, MLPDecoder
    >>> model = AutoencoderModel(MLPEncoder(64, 8), MLPDecoder(8, 64), input_shape=(64,), latent_dim=8)
    >>> model.loss(torch.rand(4, 64)).parts.keys()
    dict_keys(['reconstruction', 'total'])
    """

    def __init__(
        self,
        encoder: nn.Module,
        decoder: nn.Module,
        *,
        input_shape: int | Sequence[int],
        latent_dim: int,
        likelihood: str | dict[str, Any] | Likelihood = "gaussian",
        latent: str | dict[str, Any] | nn.Module | None = None,
        corruption: CorruptionSpec = None,
        regularisers: Sequence[RegulariserSpec] = (),
        n_conditions: int = 0,
        condition_as: str = "features",
        input_skip: bool = False,
        augment: str | list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(encoder, nn.Module) or not isinstance(decoder, nn.Module):
            raise TypeError("encoder and decoder must be torch.nn.Module instances")
        if not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(f"latent_dim must be a positive int, got {latent_dim!r}")
        self.encoder = encoder
        self.decoder = decoder
        self.input_shape = as_shape(input_shape)
        self.latent_dim = latent_dim
        self.likelihood = make_likelihood(likelihood)
        if hasattr(self.likelihood, "build"):  # likelihoods with per-feature parameters need the shape
            self.likelihood.build(self.input_shape)
        if not isinstance(n_conditions, int) or isinstance(n_conditions, bool) or n_conditions < 0:
            raise ValueError(f"n_conditions must be a non-negative int, got {n_conditions!r}")
        if condition_as not in CONDITION_MODES:
            raise ValueError(f"condition_as must be one of {CONDITION_MODES}, got {condition_as!r}")
        self.n_conditions, self.condition_as = n_conditions, condition_as
        if not isinstance(input_skip, bool):
            raise TypeError(f"input_skip must be True or False, got {input_skip!r}")
        if input_skip and (self.likelihood.n_params != 1 or self.likelihood.name not in ("gaussian", "bernoulli")):
            raise ValueError("input_skip=True needs a gaussian or bernoulli likelihood (one output per input value), "
                             f"got {self.likelihood.name!r}")
        self.input_skip = input_skip
        self.latent = make_latent(latent)
        self.corruption = make_corruption(corruption)
        self.augment = None if augment is None else Augment(augment)
        if self.augment is not None:
            check_augment_shape(self.augment, self.input_shape)
        self.regularisers = nn.ModuleList(make_regulariser(r, self.input_shape) for r in regularisers)
        # Set by create_model: how to rebuild this model from JSON (None for hand-built models).
        self.spec: dict[str, Any] | None = None

    # -- the forward pass ---------------------------------------------------------------------
    def forward(
        self, x: torch.Tensor, condition: torch.Tensor | None = None, mask: torch.Tensor | None = None
    ) -> ForwardResult:
        if condition is not None or mask is not None:
            condition, mask = self._extras(condition, mask)
        if self.training and self.augment is not None:
            if mask is not None:
                raise ValueError("augment cannot be combined with a mask: the mask would not move with the data")
            x = self.augment(x)
        x, mask, loss_weight = (x, None, None) if mask is None else self._apply_mask(x, mask)
        x_in = x
        if self.training and self.corruption is not None:
            x_in, weight = self.corruption.corrupt(x)
            loss_weight = weight if loss_weight is None else (loss_weight if weight is None else loss_weight * weight)
            if mask is not None:  # noise must not leak into the padding the encoder should not see
                x_in = x_in.masked_fill(~mask, 0)
        c = self._condition(condition, x)
        h = self._encode(x_in, c, mask)
        code, z, terms = self.latent(h)
        target = x if self.training and _optional_attr(self.decoder, "uses_target", False) else None
        params = self._add_skip(self._decode_params(z, c, target), x_in)
        return ForwardResult(x=x, x_in=x_in, h=h, code=code, z=z, params=params, terms=terms, condition=c,
                             loss_weight=loss_weight)

    def _extras(self, condition, mask):
        """An unconditional model has no use for a condition: a lone boolean extra is its mask."""
        if self.n_conditions == 0 and mask is None and isinstance(condition, torch.Tensor) \
                and condition.dtype == torch.bool:
            return None, condition
        return condition, mask

    def _apply_mask(self, x: torch.Tensor, mask: torch.Tensor | None):
        """``(x with masked elements zeroed, mask broadcast to x's shape, loss weights)``."""
        if mask is None:
            return x, None, None
        if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
            raise TypeError(f"mask must be a boolean tensor (True = observed), got {type(mask).__name__}"
                            + (f" of dtype {mask.dtype}" if isinstance(mask, torch.Tensor) else ""))
        k = mask.dim()
        if not 2 <= k <= x.dim() or tuple(mask.shape) != tuple(x.shape[:k]):
            raise ValueError(
                f"mask must have shape (batch, *input_shape[:k]), e.g. {tuple(x.shape[:2])} for padded "
                f"sequences, got {tuple(mask.shape)} for inputs of shape {tuple(x.shape)}"
                + (" (this model has n_conditions=0: its only extra input is a boolean mask)"
                   if self.n_conditions == 0 else "")
            )
        full = mask.to(x.device).reshape(*mask.shape, *[1] * (x.dim() - k)).expand_as(x)
        # Zeroing (not only down-weighting) keeps NaN/inf padding out of the loss and the encoder.
        return x.masked_fill(~full, 0), full, full.to(x.dtype)

    def _encode(self, x_in: torch.Tensor, c: torch.Tensor | None, mask: torch.Tensor | None) -> torch.Tensor:
        inputs = x_in if c is None else join_condition(x_in, c, self.condition_as)
        if mask is not None and _optional_attr(self.encoder, "takes_mask", False):
            return self.encoder(inputs, mask=mask)
        return self.encoder(inputs)

    def _condition(self, condition, like: torch.Tensor) -> torch.Tensor | None:
        if self.n_conditions == 0:
            if condition is not None:
                raise ValueError("a condition was given but this model has n_conditions=0; pass x only")
            return None
        if condition is None:
            raise ValueError(
                f"this model is conditional (n_conditions={self.n_conditions}): pass condition=, class labels "
                f"of shape (batch,) or vectors of shape (batch, {self.n_conditions})"
            )
        return as_condition(condition, self.n_conditions, len(like), like)

    def _add_skip(self, params: torch.Tensor, x_in: torch.Tensor) -> torch.Tensor:
        if not self.input_skip:
            return params
        if self.likelihood.name == "bernoulli":  # add in logit space, so the output stays a probability
            p = x_in.clamp(1e-4, 1 - 1e-4)
            return params + torch.log(p) - torch.log1p(-p)
        return params + x_in

    def _decode_params(self, z: torch.Tensor, c: torch.Tensor | None, target: torch.Tensor | None = None) -> torch.Tensor:
        z = z if c is None else torch.cat([z, c.to(z.dtype)], dim=1)
        return self.decoder(z) if target is None else self.decoder(z, target=target)

    def sample_losses(
        self,
        x: torch.Tensor,
        result: ForwardResult | None = None,
        condition: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """Per-sample loss terms, each of shape (B,): reconstruction and latent terms (weighted)."""
        result = self(x, condition, mask) if result is None else result
        return self._loss_terms(result, per_sample=True)

    def _loss_terms(self, result: ForwardResult, per_sample: bool) -> dict[str, torch.Tensor]:
        """Reconstruction and latent terms (weighted): per sample (B,), or their batch means."""
        x = result.x  # masked elements zeroed: padding never reaches the loss, even as NaN
        if result.loss_weight is not None:  # inpainting (hidden pixels weigh 1, visible `visible_weight`), padding masks (0)
            weighted = self.likelihood.element_loss(result.params, x) * result.loss_weight
            reconstruction = weighted.flatten(1).sum(dim=1)
            reconstruction = reconstruction if per_sample else reconstruction.mean()
        elif per_sample:
            reconstruction = self.likelihood.loss(result.params, x)
        else:  # the batch mean in one reduction: no (B, features) loss tensor to fill in the backward pass
            reconstruction = self.likelihood.batch_loss(result.params, x)
        losses = {"reconstruction": reconstruction}
        if result.terms:  # a deterministic code has none: no lookup of the weights
            weights = _optional_attr(self.latent, "term_weights", dict)()
            for name, value in result.terms.items():
                value = weights.get(name, 1.0) * value
                losses[name] = value if per_sample else value.mean()
        return losses

    def loss(
        self, x: torch.Tensor, condition: torch.Tensor | None = None, mask: torch.Tensor | None = None
    ) -> LossOutput:
        """Batch loss and its parts (batch means, each as weighted in the total)."""
        if condition is None and mask is None and self._plain():
            # Encoder, decoder and likelihood only: the same loss without the general path's calls
            # (this module's and the latent's, the ForwardResult, the empty term and regulariser
            # loops), 20 us a step, about 0.7% of a default fit's step at batch 128 (#19 item 7).
            reconstruction = self.likelihood.batch_loss(self.decoder(self.encoder(x)), x)
            return LossOutput(total=reconstruction, parts={"reconstruction": reconstruction, "total": reconstruction})
        result = self(x, condition, mask)
        parts = self._loss_terms(result, per_sample=False)
        for reg in self.regularisers:
            value = reg(result, self)
            parts.update(value if isinstance(value, dict) else {reg.name: value})
        total = functools.reduce(operator.add, parts.values())  # not sum(): that adds a 0 first
        parts["total"] = total
        # Reported, not optimised (not in the total): e.g. the KL in nats when free bits reshape it.
        reported = _optional_attr(self.latent, "reported", None)
        if reported is not None:
            parts.update(reported(result.h))
        return LossOutput(total=total, parts=parts)

    def _plain(self) -> bool:
        """Whether ``forward`` would only encode, decode and hand the output to the likelihood: a
        deterministic code, no regulariser, condition, input skip, training-time augmentation,
        corruption or teacher forcing, and no forward hook that skipping this module's or the
        latent's call would silence."""
        if type(self.latent) is not DeterministicLatent or self.regularisers or self.n_conditions or self.input_skip:
            return False
        if self.training and (self.augment is not None or self.corruption is not None
                              or _optional_attr(self.decoder, "uses_target", False)):
            return False
        hooked = (self._forward_hooks, self._forward_pre_hooks, self.latent._forward_hooks,
                  self.latent._forward_pre_hooks, getattr(_module_hooks, "_global_forward_hooks", True),
                  getattr(_module_hooks, "_global_forward_pre_hooks", True))
        return not any(hooked)

    # -- inference helpers ---------------------------------------------------------------------
    def encode_params(
        self, x: torch.Tensor, condition: torch.Tensor | None = None, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Raw encoder output for ``x`` (a VAE's ``[mu, logvar]``); no corruption is applied."""
        condition, mask = self._extras(condition, mask)
        x, mask, _ = self._apply_mask(x, mask)
        return self._encode(x, self._condition(condition, x), mask)

    def encode(
        self, x: torch.Tensor, condition: torch.Tensor | None = None, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The code of ``x`` (posterior mean for a VAE); no corruption is applied."""
        code, _, _ = self.latent(self.encode_params(x, condition, mask))
        return code

    def decode(self, z: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        """Mean of p(x | z) in data space."""
        if self.input_skip:
            raise ValueError("this model adds its input to the decoder output (input_skip=True): a code alone does "
                             "not determine an output; use reconstruct(x)")
        return self.likelihood.mean(self._decode_params(z, self._condition(condition, z)))

    def reconstruct(
        self, x: torch.Tensor, condition: torch.Tensor | None = None, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Mean reconstruction of ``x`` through the uncorrupted path (masked elements included)."""
        condition, mask = self._extras(condition, mask)
        _, z, _ = self.latent(self.encode_params(x, condition, mask))
        if self.input_skip:
            x_in, _, _ = self._apply_mask(x, mask)
            params = self._add_skip(self._decode_params(z, self._condition(condition, z)), x_in)
            return self.likelihood.mean(params)
        return self.decode(z, condition)
