"""The fine-tuning probe: a pretrained backbone plus a linear classifier, trained on a labeled
fraction of the training data (1%, 10%, ... as in SimCLR, Chen et al. 2020), scored on a test set.

``trainable="all"`` fine-tunes the whole network; ``"head"`` freezes the backbone (weights, and
batch-norm statistics: it stays in eval mode) and trains only the linear layer. The training set
is a class-stratified subset of the labeled rows; a stratified ``validation_fraction`` of *those*
rows picks the epoch (early stopping, best weights restored), so the test set never chooses
anything. Classes with a single labeled row stay in training; with no validation rows at all the
probe trains exactly ``epochs`` epochs and makes no choice.

Examples
--------
>>> import numpy as np
>>> from aekit.ssl import make_backbone
>>> net = make_backbone((6,), "mlp", {"out_features": 4, "hidden_dims": [8]})
>>> X, y = np.random.rand(80, 6).astype("float32"), np.arange(80) % 2
>>> result = finetune_probe(net, X[:60], y[:60], X[60:], y[60:], epochs=2, trainable="head")
>>> result.n_train + result.n_val, result.trainable
(60, 'head')
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..models.autoencoder import LossOutput
from ..models.blockwise import infer_rows
from .probes import _labels, label_subset

TRAINABLE = ("all", "head")


class Classifier(nn.Module):
    """Backbone + linear layer, with ``loss(x, y)`` so :func:`aekit.fit` trains it. With
    ``freeze_backbone`` the backbone gets no gradients and stays in eval mode."""

    def __init__(self, backbone: nn.Module, n_classes: int, freeze_backbone: bool = False) -> None:
        super().__init__()
        self.backbone = backbone
        self.fc = nn.Linear(backbone.out_features, n_classes)
        self.freeze_backbone = freeze_backbone
        if freeze_backbone:
            backbone.requires_grad_(False)
            backbone.eval()

    def train(self, mode: bool = True) -> Classifier:
        super().train(mode)
        if self.freeze_backbone:  # a frozen backbone is a fixed feature map: no dropout, no BN updates
            self.backbone.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.backbone(x))

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> LossOutput:
        ce = F.cross_entropy(self(x), y.long())
        return LossOutput(total=ce, parts={"cross_entropy": ce, "total": ce})


@dataclass
class FinetuneResult:
    """What :func:`finetune_probe` measured; ``classifier`` is the fine-tuned network (a copy) and
    ``predictions`` its class for each test row."""

    accuracy: float  # on the test set
    n_train: int  # labeled rows trained on
    n_val: int  # labeled rows held out to choose the epoch (0: no choice made)
    epochs_trained: int
    best_epoch: int | None  # the epoch whose weights were kept (None without validation rows)
    trainable: str
    label_fraction: float
    classifier: nn.Module = field(repr=False, compare=False)
    predictions: np.ndarray = field(repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The numbers, without the network and the predictions (for JSON)."""
        return {k: getattr(self, k) for k in ("accuracy", "n_train", "n_val", "epochs_trained", "best_epoch",
                                              "trainable", "label_fraction")}


def _network_and_inputs(model) -> tuple[nn.Module, Any]:
    """The backbone to fine-tune and the function that turns X into its input: a fitted
    :class:`aekit.SelfSupervised` (its preprocessing applies) or a backbone module."""
    if isinstance(model, nn.Module):
        if not isinstance(getattr(model, "out_features", None), int):
            raise TypeError(f"a backbone module needs an int out_features attribute; {type(model).__name__} has none")
        return model, lambda X: np.asarray(X, dtype=np.float32)
    backbone = getattr(model, "backbone_", None)
    if not isinstance(backbone, nn.Module):
        raise TypeError(f"model must be a fitted SelfSupervised estimator or a backbone nn.Module, got "
                        f"{type(model).__name__}")
    return backbone, lambda X: model._prepare(X, fitting=False)


def split_validation(y_idx: np.ndarray, fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(train, val)`` positions: from each class with at least 2 rows, ``round(fraction * n)``
    rows (at least 1, never all) go to validation.

    Examples
    --------
    >>> train, val = split_validation(np.array([0, 0, 0, 0, 1, 1, 2]), 0.25)
    >>> np.sort(val).size, 6 in train
    (2, True)
    """
    if not 0 <= fraction < 1:
        raise ValueError(f"validation_fraction must be in [0, 1), got {fraction!r}")
    rng = np.random.default_rng(seed)
    val = []
    if fraction > 0:
        for c in np.unique(y_idx):
            members = np.flatnonzero(y_idx == c)
            if len(members) >= 2:
                k = min(len(members) - 1, max(1, int(round(fraction * len(members)))))
                val.append(rng.choice(members, k, replace=False))
    val = np.sort(np.concatenate(val)) if val else np.zeros(0, dtype=np.int64)
    return np.setdiff1d(np.arange(len(y_idx)), val), val


def finetune_probe(
    model,
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    label_fraction: float = 1.0,
    epochs: int = 30,
    trainable: str = "all",
    lr: float = 1e-3,
    batch_size: int = 64,
    validation_fraction: float = 0.2,
    patience: int = 10,
    seed: int = 0,
    device: str = "cpu",
    progress: bool | int = False,
) -> FinetuneResult:
    """Test accuracy of a *copy* of ``model``'s backbone plus a linear layer, fine-tuned with
    cross-entropy (through :func:`aekit.fit`) on a class-stratified ``label_fraction`` of the
    labeled training rows; ``model`` itself is left unchanged.

    Parameters
    ----------
    model : SelfSupervised or nn.Module
        A fitted :class:`aekit.SelfSupervised` (its input scaling is applied) or a backbone with
        an ``out_features`` attribute.
    label_fraction : float in (0, 1]
        Share of the training labels used, at least one per class (:func:`label_subset`).
    trainable : {"all", "head"}
        Fine-tune the whole network, or only the linear head on the frozen backbone.
    validation_fraction : float in [0, 1)
        Share of the labeled rows held out (stratified) to choose the epoch: training stops after
        ``patience`` epochs without a lower validation loss and keeps the best epoch's weights.
        0: train all ``epochs`` and choose nothing.
    lr, batch_size, seed, device :
        Adam's step size, rows per step, the seed of the subset, split, head and shuffling, and
        the torch device.
    progress : bool or int
        Show the fine-tuning's progress (as ``aekit.fit``'s ``progress``).
    """
    from ..training import TrainConfig, fit

    if trainable not in TRAINABLE:
        raise ValueError(f"trainable must be one of {TRAINABLE}, got {trainable!r}")
    y_train, y_test = _labels(y_train, "y_train"), _labels(y_test, "y_test")
    if len(y_train) != len(X_train) or len(y_test) != len(X_test):
        raise ValueError(f"X_train/y_train have {len(X_train)}/{len(y_train)} rows and X_test/y_test "
                         f"{len(X_test)}/{len(y_test)}; give one label per row")
    backbone, to_input = _network_and_inputs(model)
    classes, y_idx = np.unique(y_train, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"y_train holds a single class ({classes[0]!r}); a classifier needs at least 2")
    labeled = label_subset(y_train, label_fraction, seed)
    fit_rows, val_rows = split_validation(y_idx[labeled], validation_fraction, seed)
    fit_rows, val_rows = labeled[fit_rows], labeled[val_rows]
    X = to_input(X_train)
    with torch.random.fork_rng(devices=[]):  # the head's initial weights from `seed`, the caller's RNG untouched
        torch.manual_seed(seed)
        net = Classifier(copy.deepcopy(backbone), len(classes), freeze_backbone=trainable == "head")
    has_val = len(val_rows) > 0
    config = TrainConfig(
        epochs=epochs, lr=lr, batch_size=batch_size, validation_split=0.0, seed=seed, progress=progress, device=device,
        early_stopping=patience if has_val else None, restore_best=has_val,
    )
    val = (X[val_rows], y_idx[val_rows].astype(np.int64)) if has_val else None
    history = fit(net, (X[fit_rows], y_idx[fit_rows].astype(np.int64)), config, validation_data=val)
    x_test = torch.as_tensor(to_input(X_test))
    pred = classes[infer_rows(lambda xb: net(xb).argmax(1), x_test, module=net).numpy()]
    return FinetuneResult(
        accuracy=float((pred == y_test).mean()), n_train=len(fit_rows), n_val=len(val_rows),
        epochs_trained=len(history), best_epoch=history.best_epoch if has_val else None, trainable=trainable,
        label_fraction=float(label_fraction), classifier=net.cpu().eval(), predictions=pred,
    )
