"""The container every loader returns, and the value checks they share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DataBundle", "check_array_values", "as_labels"]


@dataclass(eq=False, repr=False)
class DataBundle:
    """A loaded data set: samples, optional labels and a display name.

    Parameters
    ----------
    X : numpy.ndarray
        Samples, shape ``(n_samples, *sample_shape)``. Stored as float32
        (converted on construction if needed). Images are ``(N, C, H, W)``
        scaled to ``[0, 1]``.
    y : numpy.ndarray or None
        One label per sample (int64 when the labels are integers, else as
        read), or None when the data set is unlabelled.
    name : str
        Short description such as ``"digits"``, ``"fashion-mnist/train"`` or
        the file name the data came from.
    label_names : list of str or None
        Class names indexed by the integer label, when known (e.g. the
        subfolder names of an image folder).

    Examples
    --------
    >>> import numpy as np
    >>> b = DataBundle(np.zeros((4, 1, 8, 8)), None, "zeros")
    >>> b.sample_shape, b.is_image, b.flat().shape
    ((1, 8, 8), True, (4, 64))
    """

    X: np.ndarray
    y: np.ndarray | None
    name: str
    label_names: list[str] | None = None

    def __post_init__(self) -> None:
        X = np.asarray(self.X)
        if X.ndim < 2:
            raise ValueError(
                f"X must have shape (n_samples, *sample_shape) with at least 2 "
                f"dimensions, got shape {X.shape}; reshape a single feature "
                f"with X.reshape(-1, 1)"
            )
        # float32 everywhere so the models never have to guess a dtype.
        self.X = X if X.dtype == np.float32 else X.astype(np.float32)
        if self.y is not None:
            y = np.asarray(self.y)
            if y.ndim == 0 or len(y) != len(self.X):
                raise ValueError(
                    f"y must have one label per sample: X has {len(self.X)} "
                    f"samples but y has shape {y.shape}"
                )
            self.y = y

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one sample, ``X.shape[1:]``."""
        return tuple(self.X.shape[1:])

    @property
    def is_image(self) -> bool:
        """True when samples are ``(C, H, W)`` images."""
        return len(self.sample_shape) == 3

    def flat(self) -> np.ndarray:
        """Samples as a 2-D ``(n_samples, n_features)`` array (a view when possible)."""
        return self.X.reshape(len(self.X), -1)

    def __len__(self) -> int:
        return len(self.X)

    def __repr__(self) -> str:
        # The default dataclass repr would print whole arrays.
        y = "None" if self.y is None else f"{self.y.dtype}{self.y.shape}"
        return f"DataBundle(name={self.name!r}, X=float32{self.X.shape}, y={y}" + (
            f", label_names={self.label_names!r})" if self.label_names else ")"
        )


def check_array_values(X: np.ndarray, name: str = "X") -> None:
    """Raise ``ValueError`` unless ``X`` is a non-empty, finite, numeric array.

    Parameters
    ----------
    X : numpy.ndarray
        Array to check.
    name : str
        How to call the array in error messages.

    Raises
    ------
    ValueError
        If ``X`` is empty, has a non-numeric dtype, or contains NaN or
        infinite values (the message gives the count and the first position).

    Examples
    --------
    >>> check_array_values(np.ones((2, 3)))
    >>> check_array_values(np.array([[1.0, np.nan]]))
    Traceback (most recent call last):
    ...
    ValueError: X contains 1 NaN/infinite value(s); the first is nan at index (0, 1)
    """
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric (bool, integer or float), got dtype {X.dtype}")
    if X.size == 0:
        raise ValueError(f"{name} is empty (shape {X.shape}); at least one value is needed")
    if X.dtype.kind == "f":
        bad = ~np.isfinite(X)
        n_bad = int(np.count_nonzero(bad))
        if n_bad:
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            where = first[0] if len(first) == 1 else first
            raise ValueError(
                f"{name} contains {n_bad} NaN/infinite value(s); the first is "
                f"{X[first]} at index {where}"
            )


def as_labels(y: np.ndarray, name: str = "y") -> np.ndarray:
    """Normalise a label array: integers become int64, numbers must be finite.

    Examples
    --------
    >>> as_labels(np.array([0, 1], dtype=np.uint8)).dtype
    dtype('int64')
    """
    y = np.asarray(y)
    if y.dtype.kind in "biu":
        return y.astype(np.int64)
    if y.dtype.kind == "f":
        check_array_values(y, name)
    elif y.dtype.kind not in "USf":
        raise ValueError(f"{name} must hold numbers or strings, got dtype {y.dtype}")
    return y
