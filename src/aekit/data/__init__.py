"""Data loading: arrays, built-in data sets, tables, array files and image folders.

Everything loads into a :class:`DataBundle` with float32 ``X`` (images as
``(N, C, H, W)`` in [0, 1]) and optional labels ``y``. :func:`load_data` is
the single entry point; the ``read_*`` functions handle one format each.

Examples
--------
>>> from aekit.data import load_data
>>> load_data("digits").X.shape
(1797, 1, 8, 8)
"""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from .builtin import load_digits, load_fashion_mnist
from .bundle import DataBundle, check_array_values
from .formats import as_samples, is_idx_name, read_idx, read_idx_bundle, read_npz
from .images import IMAGE_SUFFIXES, read_image_folder
from .tables import read_csv, read_table
from .table_encoding import TableEncoder
from .streaming import ArrayStream  # noqa: E402  (data larger than memory)

__all__ = [
    "DataBundle",
    "load_data",
    "load_digits",
    "load_fashion_mnist",
    "read_idx",
    "read_csv",
    "read_table",
    "TableEncoder",
    "read_npz",
    "read_image_folder",
    "check_array_values",
    "SUPPORTED_SUFFIXES",
    "BUILTIN_DATASETS",
    "ArrayStream",
]

# suffix -> (reader, names of the load_data options it accepts)
_FILE_READERS: dict[str, tuple[Callable[..., DataBundle], tuple[str, ...]]] = {
    ".csv": (read_csv, ("label_column",)),
    ".tsv": (read_csv, ("label_column",)),
    ".txt": (read_csv, ("label_column",)),
    ".npz": (read_npz, ()),
    ".npy": (read_npz, ()),
    ".idx": (read_idx_bundle, ()),
}
SUPPORTED_SUFFIXES = (*_FILE_READERS, "*-idx?-ubyte", ".gz (IDX only)")

BUILTIN_DATASETS: dict[str, Callable[..., DataBundle]] = {
    "digits": lambda split, data_dir, download: load_digits(),
    "fashion-mnist": lambda split, data_dir, download: load_fashion_mnist(
        split, data_dir, download
    ),
}


def _reader_for(path: Path) -> tuple[Callable[..., DataBundle], tuple[str, ...]]:
    if is_idx_name(path.name):
        return _FILE_READERS[".idx"]
    try:
        return _FILE_READERS[path.suffix.lower()]
    except KeyError:
        raise ValueError(
            f"unsupported data file '{path.name}': expected one of "
            f"{', '.join(SUPPORTED_SUFFIXES)}, or a folder of images "
            f"({', '.join(IMAGE_SUFFIXES)})"
        ) from None


def _reject_unused(options: dict[str, Any], accepted: tuple[str, ...], what: str) -> None:
    """Refuse options that would otherwise be silently ignored for this source."""
    unused = [k for k, v in options.items() if v is not None and k not in accepted]
    if unused:
        raise ValueError(f"{', '.join(unused)} cannot be used with {what}")


def load_data(
    source: np.ndarray | str | PathLike[str] | DataBundle,
    *,
    split: str = "train",
    label_column: int | str | None = None,
    image_size: int | tuple[int, int] | None = None,
    color_mode: str | None = None,
    data_dir: str | PathLike[str] | None = None,
    download: bool = True,
) -> DataBundle:
    """Load data from an array, a built-in data set name, a file or a folder of images.

    Parameters
    ----------
    source : array, str or path-like
        - a numpy array (or nested lists) of samples, at least 2-D,
          returned as float32 (values unchanged) with name ``"array"``; a
          :class:`DataBundle` is returned as is;
        - ``"digits"`` or ``"fashion-mnist"`` (see ``split``);
        - a ``.csv`` / ``.tsv`` / ``.txt`` numeric table, a ``.npz`` or
          ``.npy`` file, an IDX file (``*-idx3-ubyte``, ``*.idx``, optionally
          gzipped), or a directory of images.
    split : {"train", "test"}
        Which part of Fashion-MNIST to load; ignored by other sources.
    label_column : int or str, optional
        Label column of a table (by header name or index).
    image_size : int or (height, width), optional
        Size to resize images of an image folder to.
    color_mode : {"L", "RGB"}, optional
        Colour mode to convert images of an image folder to.
    data_dir : path-like, optional
        Directory holding the Fashion-MNIST files.
    download : bool
        Whether Fashion-MNIST may be downloaded when not found locally.

    Returns
    -------
    DataBundle

    Raises
    ------
    FileNotFoundError
        The path does not exist.
    ValueError
        Unsupported or malformed input; the message says what was expected.

    Examples
    --------
    >>> import numpy as np
    >>> load_data(np.eye(3)).X.dtype
    dtype('float32')
    >>> load_data("digits").name
    'digits'
    """
    file_options = {
        "label_column": label_column,
        "image_size": image_size,
        "color_mode": color_mode,
        "data_dir": data_dir,
    }
    if isinstance(source, DataBundle):
        return source
    if isinstance(source, (np.ndarray, list, tuple)):
        _reject_unused(file_options, (), "an array source")
        X = as_samples(np.asarray(source), "array", from_file=False)
        return DataBundle(X, None, "array")
    if not isinstance(source, (str, PathLike)):
        raise ValueError(
            f"source must be a numpy array, one of {sorted(BUILTIN_DATASETS)} or a path, "
            f"got {type(source).__name__}"
        )
    key = str(source).strip().lower().replace("_", "-")
    if isinstance(source, str) and key in BUILTIN_DATASETS and not Path(source).exists():
        accepted = ("data_dir",) if key == "fashion-mnist" else ()
        _reject_unused(file_options, accepted, f"the built-in data set '{key}'")
        return BUILTIN_DATASETS[key](split, data_dir, download)

    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"data file '{source}' does not exist "
            f"(built-in data sets: {', '.join(sorted(BUILTIN_DATASETS))})"
        )
    if path.is_dir():
        _reject_unused(file_options, ("image_size", "color_mode"), "an image folder")
        return read_image_folder(path, image_size=image_size, color_mode=color_mode)
    reader, accepted = _reader_for(path)
    _reject_unused(file_options, accepted, f"'{path.name}'")
    return reader(path, **{k: file_options[k] for k in accepted})
