"""Downstream evaluation of a frozen (or fine-tuned) backbone.

- **linear probe**: features of the frozen backbone, standardised, then multinomial logistic
  regression (scikit-learn, L2, lbfgs); accuracy on the test set.
- **kNN** (Wu et al. 2018; the DINO protocol): cosine similarity between L2-normalised features;
  each of the k nearest training samples votes for its class with weight ``exp(sim / T)``
  (T = 0.07); reported for k = 20 and k = 200.
- **fine-tuning**: the backbone plus a linear classifier trained end to end with cross-entropy on
  1% / 10% / 100% of the labels (a class-stratified subset), through :func:`aekit.fit`.

Examples
--------
>>> import numpy as np
>>> f = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]]); y = np.array([0, 0, 1, 1])
>>> knn_probe(f, y, f, y, ks=(1,))
{1: 1.0}
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..models.autoencoder import LossOutput


def _labels(y, name: str = "y") -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-d array of class labels, got shape {y.shape}")
    return y


@torch.no_grad()
def extract_features(backbone: nn.Module, X, batch_size: int = 512, device: str | torch.device = "cpu") -> np.ndarray:
    """Backbone features of ``X`` (array or tensor of samples) in eval mode, as float32 numpy."""
    was_training = backbone.training
    backbone.eval().to(device)
    x = torch.as_tensor(np.asarray(X, dtype=np.float32)) if not isinstance(X, torch.Tensor) else X.float()
    out = [backbone(x[i : i + batch_size].to(device)).cpu() for i in range(0, len(x), batch_size)]
    backbone.train(was_training)
    return torch.cat(out).numpy()


def linear_probe(
    train_features, y_train, test_features, y_test, C: float = 1.0, max_iter: int = 1000
) -> float:
    """Test accuracy of logistic regression on standardised frozen features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=max_iter))
    clf.fit(np.asarray(train_features), _labels(y_train, "y_train"))
    return float(clf.score(np.asarray(test_features), _labels(y_test, "y_test")))


@torch.no_grad()
def knn_probe(
    train_features,
    y_train,
    test_features,
    y_test,
    ks: Sequence[int] = (20, 200),
    temperature: float = 0.07,
    batch_size: int = 1024,
) -> dict[int, float]:
    """Accuracy of temperature-weighted cosine kNN for each k in ``ks``."""
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature!r}")
    y_train, y_test = _labels(y_train, "y_train"), _labels(y_test, "y_test")
    classes, y_idx = np.unique(y_train, return_inverse=True)
    if max(ks) > len(y_train):
        raise ValueError(f"k={max(ks)} exceeds the {len(y_train)} training samples")
    train = F.normalize(torch.as_tensor(np.asarray(train_features, dtype=np.float32)), dim=1)
    test = F.normalize(torch.as_tensor(np.asarray(test_features, dtype=np.float32)), dim=1)
    labels = torch.as_tensor(y_idx)
    correct = {k: 0 for k in ks}
    kmax = max(ks)
    for start in range(0, len(test), batch_size):
        sim, idx = (test[start : start + batch_size] @ train.t()).topk(kmax, dim=1)  # (b, kmax), sorted
        weights = (sim / temperature).exp()
        votes_for = F.one_hot(labels[idx], len(classes)).float() * weights.unsqueeze(-1)  # (b, kmax, classes)
        truth = y_test[start : start + batch_size]
        for k in ks:
            pred = classes[votes_for[:, :k].sum(1).argmax(1).numpy()]
            correct[k] += int((pred == truth).sum())
    return {k: correct[k] / len(test) for k in ks}


def label_subset(y, fraction: float, seed: int = 0) -> np.ndarray:
    """Indices of a class-stratified ``fraction`` of the samples (at least one per class)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    y = _labels(y)
    rng = np.random.default_rng(seed)
    picks = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        n = max(1, int(round(fraction * len(members))))
        picks.append(rng.choice(members, n, replace=False))
    return np.sort(np.concatenate(picks))


class Classifier(nn.Module):
    """Backbone + linear layer, with ``loss(x, y)`` so :func:`aekit.fit` trains it."""

    def __init__(self, backbone: nn.Module, n_classes: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.fc = nn.Linear(backbone.out_features, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.backbone(x))

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> LossOutput:
        ce = F.cross_entropy(self(x), y.long())
        return LossOutput(total=ce, parts={"cross_entropy": ce, "total": ce})


def fine_tune(
    backbone: nn.Module,
    X_train,
    y_train,
    X_test,
    y_test,
    fraction: float = 0.01,
    epochs: int = 30,
    lr: float = 1e-3,
    batch_size: int = 64,
    seed: int = 0,
) -> float:
    """Test accuracy after fine-tuning a *copy* of ``backbone`` + a linear layer on ``fraction`` of
    the labelled training data (the backbone passed in is left unchanged)."""
    from ..training import TrainConfig, fit

    y_train, y_test = _labels(y_train, "y_train"), _labels(y_test, "y_test")
    classes, y_idx = np.unique(y_train, return_inverse=True)
    subset = label_subset(y_train, fraction, seed)
    model = Classifier(copy.deepcopy(backbone), len(classes))
    config = TrainConfig(
        epochs=epochs, lr=lr, batch_size=batch_size, validation_split=0.0, early_stopping=None, seed=seed,
        progress=False, device="cpu",
    )
    fit(model, (np.asarray(X_train, dtype=np.float32)[subset], y_idx[subset].astype(np.int64)), config)
    model.eval()
    with torch.no_grad():
        x = torch.as_tensor(np.asarray(X_test, dtype=np.float32))
        pred = torch.cat([model(x[i : i + 512]).argmax(1) for i in range(0, len(x), 512)]).numpy()
    return float((classes[pred] == y_test).mean())
