"""Readers for array files: IDX (MNIST-style, optionally gzipped), ``.npz`` and ``.npy``.

CSV/TSV tables live in :mod:`aekit.data.tables`, image folders in
:mod:`aekit.data.images`.
"""

from __future__ import annotations

import gzip
import math
import re
import struct
import zipfile
import zlib
from os import PathLike
from pathlib import Path

import numpy as np

from .bundle import DataBundle, as_labels, check_array_values

__all__ = ["read_idx", "read_idx_bundle", "read_npz", "is_idx_name", "existing_file", "as_samples"]

# IDX type byte -> big-endian numpy dtype (from the MNIST format description).
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_IDX_NAME = re.compile(r"(\.idx|idx\d+-ubyte)$", re.IGNORECASE)
_NPZ_X_KEYS = ("X", "x", "data", "images")
_NPZ_Y_KEYS = ("y", "labels", "target")


def existing_file(path: str | PathLike[str], what: str = "data file") -> Path:
    """Return ``path`` as a Path after checking it is an existing, non-empty file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} '{path}' does not exist")
    if path.is_dir():
        raise ValueError(f"{what} '{path}' is a directory, expected a file")
    if path.stat().st_size == 0:
        raise ValueError(f"{what} '{path}' is empty (0 bytes)")
    return path


def is_idx_name(name: str) -> bool:
    """True for IDX file names such as ``train-images-idx3-ubyte[.gz]`` or ``x.idx``."""
    name = name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return bool(_IDX_NAME.search(name))


def _read_maybe_gzip(path: Path) -> bytes:
    raw = path.read_bytes()
    # Decide by magic bytes, not by suffix: people gunzip files and keep names.
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"'{path.name}' is a corrupt or truncated gzip file ({exc})") from None


def read_idx(path: str | PathLike[str]) -> np.ndarray:
    """Read an IDX file (the MNIST / Fashion-MNIST format), gzipped or not.

    Parameters
    ----------
    path : str or path-like
        File such as ``train-images-idx3-ubyte.gz``.

    Returns
    -------
    numpy.ndarray
        The array with the shape and dtype its header declares, in native
        byte order (uint8 for the MNIST files).

    Raises
    ------
    ValueError
        Wrong magic number, unknown type code, or a data section that is
        shorter or longer than the header says.

    Examples
    --------
    >>> images = read_idx("train-images-idx3-ubyte.gz")  # doctest: +SKIP
    >>> images.shape, images.dtype  # doctest: +SKIP
    ((60000, 28, 28), dtype('uint8'))
    """
    path = existing_file(path, "IDX file")
    buf = _read_maybe_gzip(path)
    name = path.name
    if len(buf) < 4:
        raise ValueError(f"IDX file '{name}' is too short ({len(buf)} bytes) to hold a header")
    if buf[0] != 0 or buf[1] != 0 or buf[2] not in _IDX_DTYPES or buf[3] == 0:
        raise ValueError(
            f"'{name}' is not an IDX file: bad magic number 0x{buf[:4].hex()} "
            f"(expected 0x0000TTDD with type code TT in 08,09,0b,0c,0d,0e and "
            f"DD >= 1 dimensions, e.g. 0x00000803 for images)"
        )
    ndim = buf[3]
    start = 4 + 4 * ndim
    if len(buf) < start:
        raise ValueError(
            f"IDX file '{name}' is truncated: its header declares {ndim} dimensions "
            f"but the file has only {len(buf)} bytes"
        )
    dims = struct.unpack(f">{ndim}I", buf[4:start])
    dtype = np.dtype(_IDX_DTYPES[buf[2]])
    count = math.prod(dims)
    expected, actual = count * dtype.itemsize, len(buf) - start
    if actual < expected:
        raise ValueError(
            f"IDX file '{name}' is truncated: its header says {dims[0]} items of "
            f"shape {tuple(dims[1:])} ({expected} bytes of data) but only {actual} "
            f"bytes follow"
        )
    if actual > expected:
        raise ValueError(
            f"IDX file '{name}' is corrupt: {actual - expected} bytes follow the "
            f"{expected} bytes of data its header (shape {tuple(dims)}) describes"
        )
    arr = np.frombuffer(buf, dtype=dtype, count=count, offset=start).reshape(dims)
    # A native-order copy: writable, and safe to hand to torch.
    return arr.astype(dtype.newbyteorder("="))


def as_samples(arr: np.ndarray, source: str, *, from_file: bool = True) -> np.ndarray:
    """Turn a raw array into checked float32 samples.

    With ``from_file`` (arrays read from files, whose layout the user cannot
    easily fix), a uint8 array of rank 3 is read as ``(N, H, W)`` greyscale
    images and one of rank 4 as ``(N, C, H, W)`` when ``C`` is 1, 3 or 4,
    else as ``(N, H, W, C)``, both scaled to ``(N, C, H, W)`` in [0, 1]; rank 1
    becomes one feature per sample. Without it only the dtype changes.
    """
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"data in '{source}' must be numeric, got dtype {arr.dtype}")
    if arr.ndim == 0:
        raise ValueError(f"data in '{source}' is a single scalar, expected an array of samples")
    if not from_file:
        pass
    elif arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    elif arr.dtype == np.uint8 and arr.ndim in (3, 4):
        if arr.ndim == 3:
            arr = arr[:, None]
        elif arr.shape[1] not in (1, 3, 4) and arr.shape[-1] in (1, 3, 4):
            arr = arr.transpose(0, 3, 1, 2)
        # One pass, float32 arithmetic: no float64 temporary for 60k images.
        arr = np.divide(arr, np.float32(255), dtype=np.float32)
    check_array_values(arr, f"data in '{source}'")
    with np.errstate(over="ignore"):
        X = np.asarray(arr, dtype=np.float32)
    if arr.dtype.itemsize > 4 and arr.dtype.kind == "f" and not np.all(np.isfinite(X)):
        raise ValueError(
            f"data in '{source}' has values too large for float32 (largest magnitude "
            f"{np.abs(arr).max():.3g}); rescale the data"
        )
    return X


def _sibling_labels(path: Path) -> Path | None:
    """Find ``*-labels-idx1-ubyte[.gz]`` next to ``*-images-idx3-ubyte[.gz]``."""
    name = path.name
    if "images" not in name:
        return None
    base = name.replace("images", "labels")
    stems = {base, re.sub(r"idx\d", "idx1", base)}
    for stem in sorted(stems):
        plain = stem[:-3] if stem.endswith(".gz") else stem
        for cand in (plain, plain + ".gz"):
            if (path.parent / cand).is_file() and cand != name:
                return path.parent / cand
    return None


def read_idx_bundle(path: str | PathLike[str]) -> DataBundle:
    """Read an IDX data file, plus its sibling labels file when one exists.

    Examples
    --------
    >>> b = read_idx_bundle("t10k-images-idx3-ubyte.gz")  # doctest: +SKIP
    >>> b.X.shape, b.y.shape  # doctest: +SKIP
    ((10000, 1, 28, 28), (10000,))
    """
    path = Path(path)
    X = as_samples(read_idx(path), path.name)
    y = None
    labels_path = _sibling_labels(path)
    if labels_path is not None:
        y = read_idx(labels_path)
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(
                f"labels file '{labels_path.name}' has shape {y.shape}, expected "
                f"({len(X)},) to match the {len(X)} items in '{path.name}'"
            )
        y = as_labels(y, f"labels in '{labels_path.name}'")
    return DataBundle(X, y, path.name)


def _npz_member(z: np.lib.npyio.NpzFile, key: str, name: str) -> np.ndarray:
    try:
        arr = z[key]
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise ValueError(
                f"array '{key}' in '{name}' holds Python objects (dtype=object); "
                f"aekit never unpickles data files, save plain numeric arrays instead"
            ) from None
        raise ValueError(f"'{name}' is corrupt: cannot read array '{key}' ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(f"'{name}' is corrupt: cannot read array '{key}' ({exc})") from None
    if not isinstance(arr, np.ndarray):
        raise ValueError(f"member '{key}' of '{name}' is not a numpy array")
    return arr


def _read_npy(path: Path) -> np.ndarray:
    with path.open("rb") as f:
        if f.read(6) != b"\x93NUMPY":
            raise ValueError(f"'{path.name}' is not a valid .npy file (missing the NumPy header)")
        f.seek(0)
        try:
            return np.load(f, allow_pickle=False)
        except ValueError as exc:
            if "allow_pickle" in str(exc):
                raise ValueError(
                    f"'{path.name}' holds Python objects (dtype=object); aekit never "
                    f"unpickles data files, save a plain numeric array instead"
                ) from None
            raise ValueError(f"'{path.name}' is a corrupt .npy file ({exc})") from None
        except (OSError, EOFError) as exc:
            raise ValueError(f"'{path.name}' is a corrupt .npy file ({exc})") from None


def read_npz(path: str | PathLike[str]) -> DataBundle:
    """Read a ``.npz`` archive (or a single ``.npy`` array) into a bundle.

    The samples are taken from the first key among ``X``, ``x``, ``data``,
    ``images`` (or the only array in the archive) and the labels from ``y``,
    ``labels`` or ``target`` when present. Files are always loaded with
    ``allow_pickle=False``: object arrays are rejected, never unpickled.
    uint8 image stacks are scaled to [0, 1] as described in :func:`as_samples`.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "toy.npz")
    >>> np.savez(path, X=np.ones((5, 3)), y=np.arange(5))
    >>> read_npz(path).y.dtype
    dtype('int64')
    """
    path = existing_file(path)
    name = path.name
    if path.suffix.lower() == ".npy":
        return DataBundle(as_samples(_read_npy(path), name), None, name)
    if not zipfile.is_zipfile(path):
        raise ValueError(f"'{name}' is not a valid .npz file (not a zip archive)")
    try:
        z = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"'{name}' is not a valid .npz file ({exc})") from None
    with z:
        keys = list(z.files)
        x_key = next((k for k in _NPZ_X_KEYS if k in keys), None)
        if x_key is None:
            if len(keys) != 1:
                raise ValueError(
                    f"cannot tell which array in '{name}' holds the samples: it has "
                    f"keys {keys}; name the samples one of {list(_NPZ_X_KEYS)}"
                    if keys
                    else f"'{name}' contains no arrays"
                )
            x_key = keys[0]
        y_key = next((k for k in _NPZ_Y_KEYS if k in keys and k != x_key), None)
        X = as_samples(_npz_member(z, x_key, name), f"{name}[{x_key}]")
        y = None
        if y_key is not None:
            y = as_labels(_npz_member(z, y_key, name), f"{name}[{y_key}]")
            if y.ndim == 0 or len(y) != len(X):
                raise ValueError(
                    f"'{name}': '{y_key}' has shape {y.shape} but '{x_key}' has "
                    f"{len(X)} samples; expected one label per sample"
                )
    return DataBundle(X, y, name)
