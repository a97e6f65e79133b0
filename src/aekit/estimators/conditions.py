"""Class labels as the condition of a conditional autoencoder (estimator side).

An estimator fitted with ``fit(X, condition=labels)`` keeps the sorted distinct labels as
``condition_classes_`` (like a classifier's ``classes_``: ints, strings, whatever was given) and
gives the model their indices, which :mod:`aekit.models.conditioning` one-hot encodes. Later
calls (``transform``, ``sample``, ...) take labels of the same kind, and so does a loaded model:
the classes are saved in the model folder.
"""

from __future__ import annotations

import numpy as np
import torch

from ..data.bundle import as_labels


def fit_condition_classes(condition, n_rows: int) -> tuple[np.ndarray, torch.Tensor]:
    """``(classes, indices)`` of the labels given to ``fit``: the sorted distinct labels and each
    row's index among them (int64, shape (n_rows,)).

    Examples
    --------
    >>> classes, idx = fit_condition_classes(["b", "a", "b"], 3)
    >>> classes.tolist(), idx.tolist()
    (['a', 'b'], [1, 0, 1])
    """
    labels = _label_array(condition, "condition")
    if len(labels) != n_rows:
        raise ValueError(f"condition has {len(labels)} labels but X has {n_rows} rows; give one label per row")
    classes, idx = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"condition holds a single class ({classes[0]!r}); a condition needs at least 2 classes")
    return classes, torch.from_numpy(idx.astype(np.int64).reshape(-1))


def condition_indices(condition, classes: np.ndarray, n_rows: int) -> torch.Tensor:
    """Indices (int64, shape (n_rows,)) of the labels ``condition`` among the fitted ``classes``;
    a single label applies to every row.

    Examples
    --------
    >>> condition_indices("b", np.array(["a", "b"]), 2).tolist()
    [1, 1]
    """
    labels = _label_array(np.full(n_rows, condition) if np.ndim(condition) == 0 else condition, "condition")
    if len(labels) != n_rows:
        raise ValueError(f"condition has {len(labels)} labels but there are {n_rows} rows; give one label per "
                         "row, or a single label for all of them")
    if labels.dtype.kind in "US" and classes.dtype.kind not in "US":  # "3" names the class 3
        labels = _numeric_or_same(labels)
    elif classes.dtype.kind in "US" and labels.dtype.kind not in "US":  # 3 names the class "3"
        labels = labels.astype(str)
    idx = np.searchsorted(classes, labels)
    idx = np.clip(idx, 0, len(classes) - 1)
    unknown = classes[idx] != labels
    if np.any(unknown):
        raise ValueError(f"unknown condition class {labels[unknown][0].item()!r}; the model's classes are "
                         f"{describe_classes(classes)}")
    return torch.from_numpy(idx.astype(np.int64))


def resolve_class(value: str, classes: np.ndarray) -> int:
    """The index of the class named ``value`` (a command-line word), or ``value`` read as an index
    into ``classes`` when no class has that name.

    Examples
    --------
    >>> resolve_class("cat", np.array(["cat", "dog"])), resolve_class("1", np.array(["cat", "dog"]))
    (0, 1)
    """
    names = [str(c) for c in classes]
    if value in names:
        return names.index(value)
    if value.lstrip("-").isdigit() and 0 <= int(value) < len(classes):
        return int(value)
    raise ValueError(f"--condition {value!r} is not a class of this model: give a class name or an index from 0 "
                     f"to {len(classes) - 1}; the classes are {describe_classes(classes)}")


def describe_classes(classes: np.ndarray, limit: int = 30) -> str:
    """The classes as a short comma-separated list (for error messages and ``aekit info``)."""
    shown = ", ".join(str(c) for c in classes[:limit])
    return shown + (f", ... ({len(classes)} in all)" if len(classes) > limit else "")


def _label_array(condition, name: str) -> np.ndarray:
    labels = np.asarray(condition.detach().cpu() if isinstance(condition, torch.Tensor) else condition)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"{name} must hold one class label per row, shape (n,), got shape {labels.shape}; "
                         "for vector conditions build the model with create_model(..., n_conditions=K)")
    if labels.dtype == object:
        labels = labels.astype(str)
    return as_labels(labels, name)


def _numeric_or_same(labels: np.ndarray) -> np.ndarray:
    try:
        return labels.astype(np.float64)
    except ValueError:
        return labels
