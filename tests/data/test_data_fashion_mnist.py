"""Fashion-MNIST: the real files when present, and the download path without any network."""

from __future__ import annotations

import hashlib
import os
import time
import urllib.error
from pathlib import Path

import numpy as np
import pytest

import aekit.data.builtin as builtin
from aekit.data import load_data, load_fashion_mnist

_HERE = Path(__file__).resolve()
_CANDIDATES = [
    Path("/work/shared/datasets/fashion-mnist"),
    _HERE.parents[2] / "shared" / "datasets" / "fashion-mnist",  # shared/ inside the checkout
    _HERE.parents[3] / "shared" / "datasets" / "fashion-mnist",  # shared/ beside the checkout
]
REAL_DIR = Path(
    os.environ.get("AEKIT_FASHION_MNIST_DIR")
    or next((str(p) for p in _CANDIDATES if p.is_dir()), str(_CANDIDATES[0]))
)


def _real_files_present() -> bool:
    return all(
        (REAL_DIR / n).is_file() or (REAL_DIR / n[:-3]).is_file()
        for pair in builtin.FASHION_MNIST_FILES.values()
        for n in pair
    )


needs_real = pytest.mark.skipif(
    not _real_files_present(),
    reason=f"Fashion-MNIST files not found in {REAL_DIR} (set AEKIT_FASHION_MNIST_DIR)",
)


@needs_real
@pytest.mark.parametrize(("split", "n"), [pytest.param("train", 60000, marks=pytest.mark.slow), ("test", 10000)])
def test_real_files(split, n, monkeypatch, tmp_path):
    monkeypatch.setenv("AEKIT_CACHE_DIR", str(tmp_path))
    start = time.perf_counter()
    b = load_fashion_mnist(split, data_dir=REAL_DIR, download=False)
    elapsed = time.perf_counter() - start
    assert b.X.shape == (n, 1, 28, 28) and b.X.dtype == np.float32
    assert b.y.shape == (n,) and b.y.dtype == np.int64
    assert b.name == f"fashion-mnist/{split}"
    assert b.X.min() == 0.0 and b.X.max() == 1.0
    assert np.bincount(b.y).tolist() == [n // 10] * 10
    assert b.label_names[0] == "T-shirt/top" and len(b.label_names) == 10
    assert elapsed < 5.0  # ~0.7 s on a 2-core machine; generous against CI noise


@needs_real
def test_real_files_through_env_var_and_load_data(monkeypatch, tmp_path):
    monkeypatch.setenv("AEKIT_FASHION_MNIST_DIR", str(REAL_DIR))
    monkeypatch.setenv("AEKIT_CACHE_DIR", str(tmp_path))
    b = load_data("fashion-mnist", split="test", download=False)
    assert b.X.shape == (10000, 1, 28, 28) and b.name == "fashion-mnist/test"


# ------------------------------------------------------- download, offline


def _small_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), (np.arange(n) % 10).astype(np.uint8)


@pytest.fixture
def mirror(tmp_path, monkeypatch, make_idx):
    """A file:// mirror with small official-looking files and their MD5s; empty cache."""
    src = tmp_path / "mirror"
    src.mkdir()
    arrays = {}
    for split, n in (("train", 20), ("test", 10)):
        images, labels = _small_split(n, seed=n)
        img_name, lab_name = builtin.FASHION_MNIST_FILES[split]
        make_idx(src / img_name, images)
        make_idx(src / lab_name, labels)
        arrays[split] = (images, labels)
    md5 = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in src.iterdir()}
    monkeypatch.setattr(builtin, "FASHION_MNIST_MD5", md5)
    monkeypatch.setattr(builtin, "FASHION_MNIST_URLS", [src.as_uri() + "/"])
    monkeypatch.setenv("AEKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("AEKIT_FASHION_MNIST_DIR", raising=False)
    return src, arrays, tmp_path / "cache" / "fashion-mnist"


def _offline(monkeypatch):
    def refuse(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(builtin, "_urlopen", refuse)


def test_default_cache_dir(monkeypatch):
    monkeypatch.delenv("AEKIT_CACHE_DIR", raising=False)
    assert builtin.fashion_mnist_cache_dir() == Path.home() / ".cache" / "aekit" / "fashion-mnist"
    monkeypatch.setenv("AEKIT_CACHE_DIR", "/tmp/somewhere")
    assert builtin.fashion_mnist_cache_dir() == Path("/tmp/somewhere/fashion-mnist")


def test_official_checksums_cover_every_file():
    names = {n for pair in builtin.FASHION_MNIST_FILES.values() for n in pair}
    assert set(builtin.FASHION_MNIST_MD5) == names
    assert (
        builtin.FASHION_MNIST_MD5["train-images-idx3-ubyte.gz"]
        == "8d4fb7e6c68d591d4c3dfef9ec88bf0d"
    )
    assert all(u.endswith("/") for u in builtin.FASHION_MNIST_URLS)


def test_download_success_then_cached(mirror, monkeypatch):
    _, arrays, cache = mirror
    b = load_fashion_mnist("train")
    images, labels = arrays["train"]
    assert b.X.shape == (20, 1, 28, 28) and b.name == "fashion-mnist/train"
    np.testing.assert_allclose(b.X[:, 0], images / 255, rtol=1e-6)
    assert b.y.tolist() == labels.tolist()
    assert sorted(p.name for p in cache.iterdir()) == sorted(builtin.FASHION_MNIST_FILES["train"])
    _offline(monkeypatch)  # the second load must not touch the network
    assert load_fashion_mnist("train").X.shape == (20, 1, 28, 28)


def test_download_falls_back_to_second_mirror(mirror, monkeypatch, tmp_path):
    src, _, _ = mirror
    monkeypatch.setattr(
        builtin, "FASHION_MNIST_URLS", [(tmp_path / "gone").as_uri() + "/", src.as_uri() + "/"]
    )
    assert load_data("fashion-mnist", split="test").X.shape == (10, 1, 28, 28)


def test_download_only_missing_files(mirror, monkeypatch):
    src, _, cache = mirror
    cache.mkdir(parents=True)
    (cache / "t10k-images-idx3-ubyte.gz").write_bytes(
        (src / "t10k-images-idx3-ubyte.gz").read_bytes()
    )
    fetched = []
    real = builtin._urlopen
    monkeypatch.setattr(
        builtin,
        "_urlopen",
        lambda req, timeout: fetched.append(req.full_url) or real(req, timeout=timeout),
    )
    load_fashion_mnist("test")
    assert [u.rsplit("/", 1)[1] for u in fetched] == ["t10k-labels-idx1-ubyte.gz"]


def test_checksum_mismatch_leaves_nothing(mirror, monkeypatch):
    _, _, cache = mirror
    monkeypatch.setitem(builtin.FASHION_MNIST_MD5, "train-images-idx3-ubyte.gz", "0" * 32)
    with pytest.raises(
        ValueError, match=r"checksum mismatch for 'train-images-idx3-ubyte\.gz'.*expected 0{32}"
    ):
        load_fashion_mnist("train")
    assert not list(cache.iterdir())


def test_offline_error(mirror, monkeypatch):
    _, _, cache = mirror
    _offline(monkeypatch)
    with pytest.raises(
        FileNotFoundError, match=r"could not be downloaded \(are you offline\?\).*name resolution"
    ):
        load_fashion_mnist("test")
    assert not list(cache.iterdir())


def test_interrupted_download_leaves_nothing(mirror, monkeypatch):
    _, _, cache = mirror

    class Dropped:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def __init__(self):
            self.calls = 0

        def read(self, n):
            self.calls += 1
            if self.calls > 1:
                raise TimeoutError("The read operation timed out")
            return b"\x1f\x8b partial"

    monkeypatch.setattr(builtin, "_urlopen", lambda *a, **k: Dropped())
    with pytest.raises(FileNotFoundError, match="timed out"):
        load_fashion_mnist("train")
    assert not list(cache.iterdir())


def test_no_download_when_disabled(mirror):
    with pytest.raises(
        FileNotFoundError, match=r"Fashion-MNIST test files .* not found .*download=False"
    ):
        load_fashion_mnist("test", download=False)


def test_local_files_not_checksummed_and_may_be_uncompressed(
    mirror, monkeypatch, tmp_path, make_idx
):
    _, arrays, _ = mirror
    local = tmp_path / "local"
    local.mkdir()
    images, labels = arrays["test"]
    make_idx(local / "t10k-images-idx3-ubyte", images)
    make_idx(local / "t10k-labels-idx1-ubyte.gz", labels)
    monkeypatch.setattr(
        builtin, "FASHION_MNIST_MD5", dict.fromkeys(builtin.FASHION_MNIST_MD5, "0" * 32)
    )
    _offline(monkeypatch)
    assert load_fashion_mnist("test", data_dir=local).y.tolist() == labels.tolist()
    monkeypatch.setenv("AEKIT_FASHION_MNIST_DIR", str(local))
    assert load_fashion_mnist("test").X.shape == (10, 1, 28, 28)


def test_data_dir_wins_over_env_var(mirror, monkeypatch, tmp_path, make_idx):
    _, arrays, _ = mirror
    for name, n in (("a", 3), ("b", 4)):
        d = tmp_path / name
        d.mkdir()
        images, labels = _small_split(n, seed=0)
        make_idx(d / "t10k-images-idx3-ubyte.gz", images)
        make_idx(d / "t10k-labels-idx1-ubyte.gz", labels)
    monkeypatch.setenv("AEKIT_FASHION_MNIST_DIR", str(tmp_path / "b"))
    assert len(load_fashion_mnist("test", data_dir=tmp_path / "a")) == 3
    assert len(load_fashion_mnist("test")) == 4


def test_argument_errors(mirror, tmp_path):
    with pytest.raises(ValueError, match="split must be 'train' or 'test', got 'val'"):
        load_fashion_mnist("val")
    with pytest.raises(FileNotFoundError, match="data_dir '.*missing' does not exist"):
        load_fashion_mnist(data_dir=tmp_path / "missing")
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match="data_dir '.*f' is a file, expected a directory"):
        load_fashion_mnist(data_dir=tmp_path / "f")


def test_corrupt_local_file(mirror, tmp_path, make_idx):
    d = tmp_path / "bad"
    d.mkdir()
    images, labels = _small_split(5, seed=1)
    make_idx(d / "t10k-images-idx3-ubyte", images)
    (d / "t10k-images-idx3-ubyte").write_bytes((d / "t10k-images-idx3-ubyte").read_bytes()[:-100])
    make_idx(d / "t10k-labels-idx1-ubyte", labels)
    with pytest.raises(ValueError, match="truncated"):
        load_fashion_mnist("test", data_dir=d)
    make_idx(d / "t10k-images-idx3-ubyte", images)
    make_idx(d / "t10k-labels-idx1-ubyte", labels[:3])
    with pytest.raises(ValueError, match="should hold 5 labels"):
        load_fashion_mnist("test", data_dir=d)
