"""scikit-learn estimator for variational autoencoders, on top of :class:`Autoencoder`.

It reuses the parent's validation, preprocessing, training and safetensors persistence; it only
chooses a Gaussian latent (beta, capacity, free bits), and adds ``sample`` and likelihood-based
``score_samples``.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..evaluation.likelihood import elbo, iwae_bound
from ..models.generation import sample_prior
from .autoencoder import Autoencoder

SCORE_METHODS = ("elbo", "iwae")


class VariationalAutoencoder(Autoencoder):
    """A VAE with the scikit-learn API: ``transform`` gives the posterior mean, ``sample(n)`` draws
    new data, ``score_samples`` estimates each sample's log-likelihood.

    Parameters
    ----------
    recipe : str, default="vae"
        Any recipe; the estimator always gives it a Gaussian latent ("vae", "deep", "conv", ...).
    beta : float, default=1.0
        Weight of the KL term (beta-VAE, Higgins et al. 2017).
    capacity : float or None
        KL target in nats (Burgess et al. 2018): the penalty becomes ``beta * |KL - capacity|``.
    free_bits : float, default=0.0
        Nats per latent dimension that cost nothing (Kingma et al. 2016).
    kl_warmup : int, default=0
        Epochs over which ``beta`` rises linearly from 0 (KL warm-up, Bowman et al. 2016; Sonderby
        et al. 2016); 0: the full ``beta`` from the first epoch. The history records each epoch's beta.
    capacity_warmup : int, default=0
        Epochs over which the KL target rises linearly from 0 to ``capacity`` nats (Burgess et al.
        2018); needs ``capacity``.
    score_method : {"elbo", "iwae"}, default="elbo"
        ``score_samples`` returns the ELBO (``n_importance`` Monte-Carlo samples) or the
        importance-weighted bound with k = ``n_importance``.
    n_importance : int, default=100
    refine_codes, refine_lr :
        As for :class:`aekit.Autoencoder`: the posterior mean that ``transform`` and
        ``reconstruct`` use is refined for reconstruction alone (no KL term); ``score_samples``
        (ELBO, IWAE) is unaffected.
    Other parameters
        As for :class:`aekit.Autoencoder`.

    Notes
    -----
    Scores are in nats in the units of the input: for Gaussian likelihoods the log-determinant of
    the fitted scaling is subtracted, so they are comparable across preprocessings. The same noise
    draws are used for every sample, so a sample's score does not depend on the batch it is in.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X = load_digits().data / 16
    >>> vae = VariationalAutoencoder(latent_dim=2, likelihood="bernoulli", epochs=5, random_state=0).fit(X)
    >>> vae.transform(X).shape, vae.sample(3).shape
    ((1797, 2), (3, 64))

    A conditional VAE (Sohn et al. 2015): pass the labels to ``fit``, then a class to ``sample``.

    >>> y = load_digits().target
    >>> cvae = VariationalAutoencoder(latent_dim=2, likelihood="bernoulli", epochs=2, random_state=0)
    >>> cvae.fit(X, condition=y).condition_classes_.tolist()
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    >>> cvae.sample(4, condition=3).shape
    (4, 64)
    """

    _parameter_constraints: dict = {
        **Autoencoder._parameter_constraints,
        "beta": [Interval(Real, 0, None, closed="left")],
        "capacity": [Interval(Real, 0, None, closed="left"), None],
        "free_bits": [Interval(Real, 0, None, closed="left")],
        "score_method": [StrOptions(set(SCORE_METHODS))],
        "n_importance": [Interval(Integral, 1, None, closed="left")],
        "kl_warmup": [Interval(Integral, 0, None, closed="left")],
        "capacity_warmup": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        recipe: str = "vae",
        latent_dim: int = 8,
        *,
        beta: float = 1.0,
        capacity: float | None = None,
        free_bits: float = 0.0,
        score_method: str = "elbo",
        n_importance: int = 100,
        kl_warmup: int = 0,
        capacity_warmup: int = 0,
        hidden_dims: tuple[int, ...] | None = None,
        likelihood: str | dict = "gaussian",
        corruption: Any = None,
        regularisers: list | None = None,
        recipe_options: dict | None = None,
        input_shape: tuple[int, ...] | None = None,
        preprocessing: str = "auto",
        epochs: int = 100,
        batch_size: int = 128,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        scheduler: str | None = None,
        validation_split: float = 0.1,
        early_stopping: int | None = 10,
        grad_clip: float | None = None,
        precision: str = "fp32",
        device: str = "auto",
        random_state: Any = None,
        verbose: bool = False,
        refine_codes: int = 0,
        refine_lr: float = 0.05,
    ) -> None:
        super().__init__(
            recipe, latent_dim, hidden_dims=hidden_dims, likelihood=likelihood, corruption=corruption,
            regularisers=regularisers, recipe_options=recipe_options, input_shape=input_shape,
            preprocessing=preprocessing, epochs=epochs, batch_size=batch_size, lr=lr, optimizer=optimizer,
            weight_decay=weight_decay, scheduler=scheduler, validation_split=validation_split,
            early_stopping=early_stopping, grad_clip=grad_clip, precision=precision, device=device,
            random_state=random_state, verbose=verbose, refine_codes=refine_codes, refine_lr=refine_lr,
        )
        self.beta = beta
        self.capacity = capacity
        self.free_bits = free_bits
        self.score_method = score_method
        self.n_importance = n_importance
        self.kl_warmup = kl_warmup
        self.capacity_warmup = capacity_warmup

    def _model_options(self) -> dict[str, Any]:
        options = super()._model_options()
        options["latent"] = {"name": "gaussian", "beta": float(self.beta),
                             "capacity": None if self.capacity is None else float(self.capacity),
                             "free_bits": float(self.free_bits)}
        return options

    def _callbacks(self, model) -> list:
        """The latent schedules the parameters ask for (see :mod:`aekit.training.schedules`)."""
        from ..training.schedules import CapacitySchedule, KLWarmup

        schedules = []
        if self.kl_warmup:
            schedules.append(KLWarmup(int(self.kl_warmup), beta=float(self.beta), model=model))
        if self.capacity_warmup:
            if self.capacity is None:
                raise ValueError("capacity_warmup needs a capacity (the KL target in nats it rises to)")
            schedules.append(CapacitySchedule(int(self.capacity_warmup), float(self.capacity), model=model))
        return schedules

    def fit(self, X, y=None, *, condition=None, **fit_options) -> "VariationalAutoencoder":
        """Train on X by maximising the ELBO (with the chosen beta, capacity, free bits); with
        ``condition`` (one class label per row), a conditional VAE, q(z | x, c) and p(x | z, c).

        The parameters are checked against ``_parameter_constraints`` by :meth:`Autoencoder.fit`;
        ``fit_options`` are its checkpoint options.
        """
        return super().fit(X, y, condition=condition, **fit_options)

    def sample(self, n_samples: int = 1, random_state: Any = None, sampled: bool = False,
               condition=None) -> np.ndarray:
        """Draw ``n_samples`` rows: z from the prior, decoded to the mean of p(x|z) (or a draw from
        it if ``sampled``), in input units, shape (n_samples, n_features). A conditional model needs
        ``condition``: one class label for all rows, or one per row."""
        check_is_fitted(self, "model_")
        if not isinstance(n_samples, Integral) or isinstance(n_samples, bool) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive int, got {n_samples!r}")
        c = self._condition_of(condition, int(n_samples))
        seed = int(check_random_state(random_state).randint(0, 2**31 - 1))
        x = sample_prior(self.model_, int(n_samples), condition=c, sampled=sampled, seed=seed).float().cpu().numpy()
        return x.reshape(n_samples, -1).astype(np.float64) * self.scale_ + self.offset_

    def score_samples(self, X, condition=None) -> np.ndarray:
        """Per-sample ELBO or importance-weighted log-likelihood bound, in nats (higher = likelier)."""
        check_is_fitted(self, "model_")
        X, _ = self._validate_X(X, reset=False)
        x = self._to_model_space(X)
        c = self._condition_of(condition, len(X))
        estimate = elbo if self.score_method == "elbo" else iwae_bound
        k = {"n_samples" if self.score_method == "elbo" else "k": int(self.n_importance)}
        scores = estimate(self.model_, x, condition=c, seed=0, shared_noise=True, **k).double().numpy()
        if not self.model_.likelihood.needs_unit_interval:  # a density: change of variables
            scores -= float(np.sum(np.log(self.scale_)))
        return scores
