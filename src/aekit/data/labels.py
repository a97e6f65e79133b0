"""A file of labels, one per row of a data set (e.g. the condition of a conditional VAE)."""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import numpy as np

from .bundle import as_labels

__all__ = ["LABEL_FILE_SUFFIXES", "read_label_file"]

LABEL_FILE_SUFFIXES = (".csv", ".txt", ".npy")


def read_label_file(path: str | PathLike[str]) -> np.ndarray:
    """One label per row from a ``.npy`` array (shape (n,) or (n, 1)) or a ``.csv``/``.txt`` file
    with one label per line.

    In a text file, blank lines and lines starting with ``#`` are skipped, a first line of text
    above numbers is a header (skipped), and labels that are all integers come back as int64
    (so ``3`` and ``"3"`` are the same class), else as numbers or strings.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "y.csv"
    >>> _ = path.write_text("label\\n3\\n1\\n3\\n")
    >>> read_label_file(path).tolist()
    [3, 1, 3]
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"label file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix not in LABEL_FILE_SUFFIXES:
        raise ValueError(f"label file {path.name!r}: expected one of {', '.join(LABEL_FILE_SUFFIXES)}")
    if suffix == ".npy":
        labels = np.load(path, allow_pickle=False)  # never run code from a file
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels[:, 0]
        if labels.ndim != 1:
            raise ValueError(f"label file {path.name!r} holds an array of shape {labels.shape}; "
                             "expected one label per row, shape (n,)")
        return as_labels(labels, f"label file {path.name!r}")
    return _text_labels(path)


def _text_labels(path: Path) -> np.ndarray:
    lines = [(i, ln.strip()) for i, ln in enumerate(path.read_text().splitlines(), 1)]
    lines = [(i, ln) for i, ln in lines if ln and not ln.startswith("#")]
    for i, line in lines:
        if "," in line or "\t" in line:
            raise ValueError(f"line {i} of {path.name!r} has several columns ({line[:40]!r}); a label file holds "
                             "one label per line (for a column of a table use --condition-column)")
    values = [ln.strip("\"'") for _, ln in lines]
    numeric = [_is_number(v) for v in values]
    if len(values) > 1 and not numeric[0] and all(numeric[1:]):
        values, numeric = values[1:], numeric[1:]  # a header above numeric labels
    if not values:
        raise ValueError(f"label file {path.name!r} holds no labels")
    if all(numeric):
        numbers = np.array([float(v) for v in values])
        if np.all(numbers == np.round(numbers)):
            return numbers.astype(np.int64)
        return as_labels(numbers, f"label file {path.name!r}")
    return np.array(values)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
