"""Per-epoch schedules for latent options: KL warm-up (beta) and capacity annealing.

A schedule is a training callback (``fit(..., callbacks=[schedule])``): after each epoch it sets
an attribute of ``model.latent`` for the next one and records the value it used in the epoch's
history record, so the history says which weight each epoch was trained with.
"""

from __future__ import annotations

from torch import nn


class LinearSchedule:
    """Ramp ``model.latent.<attribute>`` linearly from ``start`` to ``stop`` over ``epochs`` epochs.

    Epoch ``e`` (1-based) uses ``start + (stop - start) * min(1, (e - 1) / epochs)``: with
    ``epochs`` warm-up epochs the value reaches ``stop`` at epoch ``epochs + 1`` and stays there.
    Call :meth:`prepare` (or pass the model to the constructor) before ``fit`` so the first epoch
    already uses ``start``.

    Parameters
    ----------
    attribute : str
        ``"beta"`` for KL warm-up (Bowman et al. 2016; Sonderby et al. 2016), ``"capacity"`` for the
        capacity target of Burgess et al. (2018), or any float attribute of the latent layer.
    start, stop : float
    epochs : int
        Length of the ramp.

    Examples
    --------
    >>> from aekit import create_model, fit, TrainConfig
    >>> import torch
    >>> model = create_model("vae", (6,), latent_dim=2)
    >>> warmup = KLWarmup(epochs=4, model=model)
    >>> history = fit(model, torch.rand(64, 6), TrainConfig(epochs=3, progress=False), callbacks=[warmup])
    >>> history["beta"]
    [0.0, 0.25, 0.5]
    """

    def __init__(self, attribute: str, start: float, stop: float, epochs: int, model: nn.Module | None = None) -> None:
        if not isinstance(attribute, str) or not attribute:
            raise ValueError(f"attribute must be the name of a latent option such as 'beta', got {attribute!r}")
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
            raise ValueError(f"epochs must be a positive int, got {epochs!r}")
        for name, value in (("start", start), ("stop", stop)):
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{name} must be a non-negative number, got {value!r}")
        self.attribute, self.start, self.stop, self.epochs = attribute, float(start), float(stop), epochs
        if model is not None:
            self.prepare(model)

    def value(self, epoch: int) -> float:
        """The value used during ``epoch`` (1-based)."""
        return self.start + (self.stop - self.start) * min(1.0, (epoch - 1) / self.epochs)

    def _latent(self, model: nn.Module) -> nn.Module:
        latent = getattr(model, "latent", None)
        if latent is None or not hasattr(latent, self.attribute):
            raise ValueError(f"the model's latent layer has no option {self.attribute!r} to schedule")
        return latent

    def prepare(self, model: nn.Module) -> None:
        """Set the first epoch's value."""
        setattr(self._latent(model), self.attribute, self.value(1))

    def on_fit_start(self, first_epoch: int, model: nn.Module) -> None:
        """Before the fit's first epoch (later than 1 when resumed from a checkpoint): its value,
        which a checkpoint does not hold (it is an attribute, not a weight)."""
        setattr(self._latent(model), self.attribute, self.value(first_epoch))

    def __call__(self, epoch: int, record: dict, model: nn.Module) -> None:
        latent = self._latent(model)
        record[self.attribute] = float(getattr(latent, self.attribute))
        setattr(latent, self.attribute, self.value(epoch + 1))


class KLWarmup(LinearSchedule):
    """KL warm-up: ``beta`` rises linearly from ``start`` (0) to ``beta`` over ``epochs`` epochs."""

    def __init__(self, epochs: int = 10, beta: float = 1.0, start: float = 0.0, model: nn.Module | None = None) -> None:
        super().__init__("beta", start, beta, epochs, model)


class CapacitySchedule(LinearSchedule):
    """Capacity annealing (Burgess et al. 2018): the KL target rises from 0 to ``capacity`` nats.

    The model's latent must have been built with a capacity (e.g. ``latent={"name": "gaussian",
    "beta": 100, "capacity": 0}``); the schedule then moves it.
    """

    def __init__(self, epochs: int, capacity: float, start: float = 0.0, model: nn.Module | None = None) -> None:
        super().__init__("capacity", start, capacity, epochs, model)
