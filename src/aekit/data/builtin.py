"""Built-in data sets: scikit-learn's digits and Fashion-MNIST (local files or download)."""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.request
from os import PathLike
from pathlib import Path

import numpy as np

from .bundle import DataBundle, as_labels
from .formats import as_samples, read_idx
from .._files import replace_file

__all__ = [
    "load_digits",
    "load_fashion_mnist",
    "fashion_mnist_cache_dir",
    "FASHION_MNIST_FILES",
    "FASHION_MNIST_MD5",
    "FASHION_MNIST_URLS",
    "FASHION_MNIST_CLASSES",
]

#: (images, labels) file names of each split, as published.
FASHION_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
#: MD5 of the official gzipped files, from the table in the README of
#: github.com/zalandoresearch/fashion-mnist ("Get the Data").
FASHION_MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
#: Official mirrors, tried in order: the project's download site, then its repository.
FASHION_MNIST_URLS = [
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
]
FASHION_MNIST_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
DOWNLOAD_TIMEOUT = 30.0  # seconds per connection attempt / read

# Indirection so tests can swap the network out.
_urlopen = urllib.request.urlopen


def load_digits() -> DataBundle:
    """scikit-learn's 8x8 handwritten digits as images scaled to [0, 1].

    Returns
    -------
    DataBundle
        ``X`` float32 ``(1797, 1, 8, 8)`` (pixel counts 0..16 divided by 16),
        ``y`` int64 digits 0..9, name ``"digits"``.

    Examples
    --------
    >>> b = load_digits()
    >>> b.X.shape, b.y.dtype
    ((1797, 1, 8, 8), dtype('int64'))
    """
    from sklearn.datasets import load_digits as sk_load_digits

    d = sk_load_digits()
    X = d.images[:, None].astype(np.float32) / np.float32(16)
    return DataBundle(X, d.target.astype(np.int64), "digits", [str(t) for t in d.target_names])


def fashion_mnist_cache_dir() -> Path:
    """Download directory: ``$AEKIT_CACHE_DIR/fashion-mnist`` (default ``~/.cache/aekit/...``)."""
    root = os.environ.get("AEKIT_CACHE_DIR") or Path.home() / ".cache" / "aekit"
    return Path(root).expanduser() / "fashion-mnist"


def _search_dirs(data_dir: str | PathLike[str] | None) -> list[Path]:
    dirs = []
    if data_dir is not None:
        d = Path(data_dir).expanduser()
        if not d.exists():
            raise FileNotFoundError(f"data_dir '{d}' does not exist")
        if not d.is_dir():
            raise ValueError(
                f"data_dir '{d}' is a file, expected a directory holding the Fashion-MNIST files"
            )
        dirs.append(d)
    env = os.environ.get("AEKIT_FASHION_MNIST_DIR")
    if env:
        dirs.append(Path(env).expanduser())
    dirs.append(fashion_mnist_cache_dir())
    return dirs


def _find(folder: Path, gz_name: str) -> Path | None:
    for cand in (folder / gz_name, folder / gz_name[: -len(".gz")]):
        if cand.is_file():
            return cand
    return None


def _download(name: str, dest: Path) -> Path:
    """Fetch ``name`` from the first mirror that answers, verify its MD5, move it into ``dest``.

    The bytes go to a temporary file in ``dest`` and are renamed into place
    only once verified, so an interrupted or bad download never leaves a
    file that a later call would trust.
    """
    dest.mkdir(parents=True, exist_ok=True)
    expected = FASHION_MNIST_MD5[name]
    failures = []
    for base in FASHION_MNIST_URLS:
        url = base + name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=dest)
        try:
            md5 = hashlib.md5(usedforsecurity=False)
            request = urllib.request.Request(url, headers={"User-Agent": "aekit"})
            with os.fdopen(fd, "wb") as out, _urlopen(request, timeout=DOWNLOAD_TIMEOUT) as resp:
                while chunk := resp.read(1 << 20):
                    md5.update(chunk)
                    out.write(chunk)
            digest = md5.hexdigest()
            if digest != expected:
                raise ValueError(
                    f"checksum mismatch for '{name}' downloaded from {url}: md5 {digest}, "
                    f"expected {expected}; the download was discarded"
                )
            replace_file(tmp, dest / name)
            return dest / name
        except (OSError, http.client.HTTPException) as exc:  # URLError and timeouts are OSErrors
            failures.append(f"{url}: {exc}")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    raise FileNotFoundError(
        f"Fashion-MNIST file '{name}' is not available locally and could not be "
        f"downloaded (are you offline?). Tried: {'; '.join(failures)}"
    )


def load_fashion_mnist(
    split: str = "train",
    data_dir: str | PathLike[str] | None = None,
    download: bool = True,
) -> DataBundle:
    """Fashion-MNIST (Zalando), 28x28 greyscale clothing images in 10 classes.

    The official IDX files (gzipped or not) are looked for in ``data_dir``,
    then in ``$AEKIT_FASHION_MNIST_DIR``, then in the cache directory
    (:func:`fashion_mnist_cache_dir`). If neither holds the split and
    ``download`` is true, the missing files are downloaded from the official
    mirrors into the cache and checked against the published MD5 sums.
    Local files are not checksummed (recompressed copies are fine).

    Parameters
    ----------
    split : {"train", "test"}
        60,000 training or 10,000 test images.
    data_dir : str or path-like, optional
        Directory holding the files; must exist when given.
    download : bool
        Whether to download missing files.

    Returns
    -------
    DataBundle
        ``X`` float32 ``(N, 1, 28, 28)`` in [0, 1], ``y`` int64 0..9, name
        ``"fashion-mnist/<split>"``, ``label_names`` the class names.

    Examples
    --------
    >>> b = load_fashion_mnist("test", download=False)  # doctest: +SKIP
    >>> b.X.shape, b.label_names[9]  # doctest: +SKIP
    ((10000, 1, 28, 28), 'Ankle boot')
    """
    if split not in FASHION_MNIST_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    names = FASHION_MNIST_FILES[split]
    dirs = _search_dirs(data_dir)
    paths = None
    for d in dirs:
        found = [_find(d, n) for n in names]
        if all(found):
            paths = found
            break
    if paths is None:
        if not download:
            raise FileNotFoundError(
                f"Fashion-MNIST {split} files {list(names)} not found in any of "
                f"{[str(d) for d in dirs]} and download=False; put the files in one of "
                f"these directories (or set AEKIT_FASHION_MNIST_DIR) or pass download=True"
            )
        cache = fashion_mnist_cache_dir()
        paths = [_find(cache, n) or _download(n, cache) for n in names]
    return _load_pair(paths[0], paths[1], f"fashion-mnist/{split}")


def _load_pair(images_path: Path, labels_path: Path, name: str) -> DataBundle:
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"'{images_path}' should hold uint8 images of shape (N, 28, 28), got "
            f"{images.dtype} {images.shape}"
        )
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(
            f"'{labels_path}' should hold {len(images)} labels to match '{images_path.name}', "
            f"got shape {labels.shape}"
        )
    X = as_samples(images, images_path.name)
    return DataBundle(X, as_labels(labels), name, list(FASHION_MNIST_CLASSES))
