"""Downstream evaluation of a frozen (or fine-tuned) backbone.

- **linear probe**: features of the frozen backbone, standardised, then multinomial logistic
  regression (L2, L-BFGS; scikit-learn, or the same objective solved in torch with
  ``backend="torch"``, several times faster on 60k x 1,000s of features); ``C="auto"`` picks the
  regularisation on a held-out 10% of the training features. Accuracy on the test set.
- **which features**: by default the backbone's output vector. ``extract_features(...,
  pool_grid=g)`` instead takes the last convolutional stage's map and average-pools it to a
  g x g grid (C*g*g features), the standard way to probe conv features (Noroozi & Favaro 2016,
  Gidaris et al. 2018 pool each conv layer to a few thousand features); ``pool_grid=1`` is global
  average pooling.
- **kNN** (Wu et al. 2018; the DINO protocol): cosine similarity between L2-normalised features;
  each of the k nearest training samples votes for its class with weight ``exp(sim / T)``
  (T = 0.07); reported for k = 20 and k = 200.
- **fine-tuning** (:mod:`aekit.evaluation.finetune`): the backbone plus a linear classifier trained
  with cross-entropy on 1% / 10% / 100% of the labels (a class-stratified subset), through
  :func:`aekit.fit`; :func:`fine_tune` is its short form.

Examples
--------
>>> import numpy as np
>>> f = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]]); y = np.array([0, 0, 1, 1])
>>> knn_probe(f, y, f, y, ks=(1,))
{1: 1.0}
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..models.blockwise import INFERENCE_BLOCK, infer_rows


def _labels(y, name: str = "y") -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-d array of class labels, got shape {y.shape}")
    return y


AUTO_POOL_GRID = 3  # pool_grid="auto" for backbones with a feature_map (chosen on validation: ssl_defaults.py)


def auto_pool_grid(backbone: nn.Module, sample_shape: tuple[int, ...]) -> int | None:
    """What ``pool_grid="auto"`` stands for with ``backbone`` on samples of ``sample_shape``:
    :data:`AUTO_POOL_GRID`, or the side of a smaller last map (pooling cannot add detail), for a
    backbone with a ``feature_map``; None (its output vector) for any other."""
    if not callable(getattr(backbone, "feature_map", None)):
        return None
    was_training = backbone.training
    param = next(backbone.parameters(), None)
    probe = torch.zeros(1, *sample_shape, device=None if param is None else param.device)
    with torch.no_grad():
        side = min(backbone.eval().feature_map(probe).shape[-2:])
    backbone.train(was_training)
    return min(AUTO_POOL_GRID, int(side))


def extract_features(
    backbone: nn.Module,
    X,
    batch_size: int = INFERENCE_BLOCK,
    device: str | torch.device = "cpu",
    pool_grid: int | str | None = None,
) -> np.ndarray:
    """Backbone features of ``X`` (array or tensor of samples) in eval mode, as float32 numpy.

    Parameters
    ----------
    batch_size : int
        Samples per forward pass; every pass has exactly this many (the last padded, see
        :func:`aekit.models.blockwise.infer_rows`), so a sample's features do not depend on the
        others passed with it.
    pool_grid : int, optional
        None: the backbone's output, (n, out_features). An int g: the backbone's last map
        (``backbone.feature_map``: the last convolutional stage of ``conv`` and ``resnet``, the
        encoded tokens on their patch grid for ``vit``), average-pooled to g x g and flattened,
        (n, channels * g * g); g=1 is global average pooling. "auto": g = 3 (or the map's own
        size when smaller) for a backbone with a ``feature_map``, else None: the better readout
        on validation in 7 of 8 methods (docs/results/ssl_defaults.md).

    Examples
    --------
    >>> from aekit.ssl import make_backbone
    >>> net = make_backbone((1, 28, 28), "conv", {"out_features": 8, "channels": [4, 6]})  # map 6 x 7 x 7
    >>> extract_features(net, np.zeros((3, 1, 28, 28)), pool_grid=2).shape
    (3, 24)
    """
    x = torch.as_tensor(np.asarray(X, dtype=np.float32)) if not isinstance(X, torch.Tensor) else X.float()
    if pool_grid == "auto":
        pool_grid = auto_pool_grid(backbone, tuple(x.shape[1:]))
    if pool_grid is not None:
        if not isinstance(pool_grid, int) or isinstance(pool_grid, bool) or pool_grid < 1:
            raise ValueError(f"pool_grid must be None, 'auto' or a positive int, got {pool_grid!r}")
        if not callable(getattr(backbone, "feature_map", None)):
            raise ValueError(
                f"pool_grid needs a backbone with a feature_map method (conv, resnet, vit); "
                f"{type(backbone).__name__} has none, use pool_grid=None"
            )

    def features(x: torch.Tensor) -> torch.Tensor:
        if pool_grid is None:
            return backbone(x)
        return F.adaptive_avg_pool2d(backbone.feature_map(x), pool_grid).flatten(1)

    backbone.to(device)
    return infer_rows(features, x, module=backbone, block=batch_size).numpy()


C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)  # candidates for C="auto" (inverse L2 strength, as in scikit-learn)


def _standardise(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, std = train.mean(0), train.std(0)
    std = np.where(std > 0, std, 1.0)
    return (train - mean) / std, (test - mean) / std


def _torch_logistic(X: np.ndarray, y: np.ndarray, n_classes: int, C: float, max_iter: int):
    """Minimise mean cross-entropy + ||W||^2 / (2 C n) with L-BFGS: scikit-learn's objective
    (C * sum of losses + ||W||^2 / 2) divided by C n, so the same C gives the same solution."""
    x, t = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    W = torch.zeros(x.shape[1], n_classes, requires_grad=True)
    b = torch.zeros(n_classes, requires_grad=True)
    opt = torch.optim.LBFGS([W, b], lr=1.0, max_iter=max_iter, history_size=20, tolerance_grad=1e-5,
                            tolerance_change=1e-9, line_search_fn="strong_wolfe")
    penalty = 0.5 / (C * len(x))

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(x @ W + b, t) + penalty * (W * W).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    W, b = W.detach(), b.detach()
    return lambda z: (torch.as_tensor(z, dtype=torch.float32) @ W + b).argmax(1).numpy()


def _fit_logistic(X, y, n_classes: int, C: float, max_iter: int, backend: str):
    if backend == "torch":
        return _torch_logistic(X, y, n_classes, C, max_iter)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=max_iter).fit(X, y).predict


def linear_probe(
    train_features,
    y_train,
    test_features,
    y_test,
    C: float | str = 1.0,
    max_iter: int = 1000,
    backend: str = "sklearn",
    return_C: bool = False,
    return_predictions: bool = False,
) -> float | tuple:
    """Test accuracy of multinomial logistic regression on standardised frozen features.

    Parameters
    ----------
    C : float or "auto"
        Inverse L2 strength (scikit-learn's). "auto": the value of ``C_GRID`` with the best accuracy
        on a stratified 10% of the training features held out (fitted on the other 90%), then refitted
        on all of them. The test set is never used to choose.
    backend : "sklearn" or "torch"
        Same objective and solver family (L-BFGS); "torch" is several times faster on large feature
        matrices (60k x 2k: under a minute of CPU).
    return_C : bool
        Also return the C used: ``(accuracy, C)``.
    return_predictions : bool
        Also return the predicted test labels, last: ``(accuracy, predictions)`` or
        ``(accuracy, C, predictions)`` (for a confusion matrix).
    """
    if backend not in ("sklearn", "torch"):
        raise ValueError(f"backend must be 'sklearn' or 'torch', got {backend!r}")
    if not (C == "auto" or (isinstance(C, (int, float)) and not isinstance(C, bool) and C > 0)):
        raise ValueError(f"C must be a positive number or 'auto', got {C!r}")
    y_train, y_test = _labels(y_train, "y_train"), _labels(y_test, "y_test")
    classes, y_idx = np.unique(y_train, return_inverse=True)
    train, test = _standardise(np.asarray(train_features, np.float32), np.asarray(test_features, np.float32))
    if C == "auto":
        from sklearn.model_selection import train_test_split

        fit_idx, val_idx = train_test_split(np.arange(len(train)), test_size=0.1, stratify=y_idx, random_state=0)
        # standardise with the 90% only, so the held-out part is treated like test data
        fit_x, val_x = _standardise(train[fit_idx], train[val_idx])
        scores = [
            float((_fit_logistic(fit_x, y_idx[fit_idx], len(classes), c, max_iter, backend)(val_x) == y_idx[val_idx]).mean())
            for c in C_GRID
        ]
        C = C_GRID[int(np.argmax(scores))]
    predict = _fit_logistic(train, y_idx, len(classes), float(C), max_iter, backend)
    predictions = classes[predict(test)]
    accuracy = float((predictions == y_test).mean())
    out = (accuracy,) + ((float(C),) if return_C else ()) + ((predictions,) if return_predictions else ())
    return out if len(out) > 1 else accuracy


@torch.no_grad()
def knn_probe(
    train_features,
    y_train,
    test_features,
    y_test,
    ks: Sequence[int] = (20, 200),
    temperature: float = 0.07,
    batch_size: int = 1024,
    return_predictions: bool = False,
) -> dict[int, float] | tuple[dict[int, float], dict[int, np.ndarray]]:
    """Accuracy of temperature-weighted cosine kNN for each k in ``ks`` (and, with
    ``return_predictions``, the predicted test labels for each k: ``(accuracies, predictions)``)."""
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
    predicted: dict[int, list[np.ndarray]] = {k: [] for k in ks}
    kmax = max(ks)
    for start in range(0, len(test), batch_size):
        sim, idx = (test[start : start + batch_size] @ train.t()).topk(kmax, dim=1)  # (b, kmax), sorted
        weights = (sim / temperature).exp()
        votes_for = F.one_hot(labels[idx], len(classes)).float() * weights.unsqueeze(-1)  # (b, kmax, classes)
        truth = y_test[start : start + batch_size]
        for k in ks:
            pred = classes[votes_for[:, :k].sum(1).argmax(1).numpy()]
            correct[k] += int((pred == truth).sum())
            predicted[k].append(pred)
    accuracies = {k: correct[k] / len(test) for k in ks}
    if return_predictions:
        return accuracies, {k: np.concatenate(parts) for k, parts in predicted.items()}
    return accuracies


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
    the labelled training data, for all ``epochs`` (the backbone passed in is left unchanged).
    :func:`aekit.evaluation.finetune_probe` is the full version (head-only training, the epoch
    chosen on held-out labeled rows)."""
    from .finetune import finetune_probe

    return finetune_probe(backbone, X_train, y_train, X_test, y_test, label_fraction=fraction, epochs=epochs, lr=lr,
                          batch_size=batch_size, seed=seed, validation_fraction=0.0).accuracy
