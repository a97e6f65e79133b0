"""IDX, .npz and .npy readers."""

from __future__ import annotations

import gzip
import zipfile

import numpy as np
import pytest

from aekit.data import load_data, read_idx, read_npz

# ---------------------------------------------------------------- IDX


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_read_idx_roundtrip(tmp_path, make_idx, suffix):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    got = read_idx(make_idx(tmp_path / f"x-idx3-ubyte{suffix}", arr))
    assert got.dtype == np.uint8 and got.flags.writeable
    np.testing.assert_array_equal(got, arr)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.float32, np.float64])
def test_read_idx_other_dtypes_are_big_endian(tmp_path, make_idx, dtype):
    arr = (
        (np.arange(6) * 300 - 700).astype(dtype).reshape(3, 2)
        if dtype != np.int8
        else np.arange(-3, 3, dtype=np.int8).reshape(3, 2)
    )
    got = read_idx(make_idx(tmp_path / "a.idx", arr))
    assert got.dtype == np.dtype(dtype) and got.dtype.isnative
    np.testing.assert_array_equal(got, arr)


def test_idx_images_become_nchw_scaled(tmp_path, make_idx):
    imgs = np.array([[[0, 255], [51, 102]]] * 3, dtype=np.uint8)
    b = load_data(make_idx(tmp_path / "x-idx3-ubyte.gz", imgs))
    assert b.X.shape == (3, 1, 2, 2) and b.X.dtype == np.float32 and b.is_image
    np.testing.assert_allclose(b.X[0, 0], [[0, 1], [0.2, 0.4]], rtol=1e-6)
    assert b.y is None and b.name == "x-idx3-ubyte.gz"


@pytest.mark.parametrize("labels_name", ["train-labels-idx1-ubyte", "train-labels-idx1-ubyte.gz"])
def test_idx_sibling_labels_found(tmp_path, make_idx, labels_name):
    make_idx(tmp_path / labels_name, np.array([3, 1, 4], dtype=np.uint8))
    b = load_data(make_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((3, 4, 4), np.uint8)))
    assert b.y.dtype == np.int64 and b.y.tolist() == [3, 1, 4]


def test_idx_sibling_labels_same_pattern(tmp_path, make_idx):
    make_idx(tmp_path / "my-labels.idx", np.array([7, 8], dtype=np.uint8))
    b = load_data(make_idx(tmp_path / "my-images.idx", np.zeros((2, 3, 3), np.uint8)))
    assert b.y.tolist() == [7, 8]


def test_idx_sibling_labels_wrong_length(tmp_path, make_idx):
    make_idx(tmp_path / "t-labels-idx1-ubyte", np.array([1, 2], dtype=np.uint8))
    path = make_idx(tmp_path / "t-images-idx3-ubyte", np.zeros((3, 2, 2), np.uint8))
    with pytest.raises(
        ValueError, match=r"labels file 't-labels-idx1-ubyte' has shape \(2,\), expected \(3,\)"
    ):
        load_data(path)


def test_idx_truncated(tmp_path, encode_idx):
    data = encode_idx(np.zeros((10, 4, 4), np.uint8))
    path = tmp_path / "x-idx3-ubyte"
    path.write_bytes(data[:-5])
    with pytest.raises(
        ValueError,
        match=r"truncated: its header says 10 items of shape \(4, 4\) \(160 bytes.*155 bytes",
    ):
        read_idx(path)
    path.write_bytes(data[:9])
    with pytest.raises(ValueError, match="truncated: its header declares 3 dimensions"):
        read_idx(path)
    path.write_bytes(data[:3])
    with pytest.raises(ValueError, match="too short"):
        read_idx(path)


def test_idx_trailing_bytes(tmp_path, encode_idx):
    path = tmp_path / "x.idx"
    path.write_bytes(encode_idx(np.zeros((2, 2), np.uint8)) + b"junk")
    with pytest.raises(ValueError, match="4 bytes follow the 4 bytes of data"):
        read_idx(path)


@pytest.mark.parametrize(
    "magic", [b"\x01\x00\x08\x03", b"\x00\x00\x07\x03", b"\x00\x00\x08\x00", b"PK\x03\x04"]
)
def test_idx_bad_magic(tmp_path, magic):
    path = tmp_path / "x-idx3-ubyte"
    path.write_bytes(magic + b"\x00" * 20)
    with pytest.raises(ValueError, match=f"not an IDX file: bad magic number 0x{magic.hex()}"):
        read_idx(path)


def test_idx_corrupt_gzip(tmp_path, encode_idx):
    path = tmp_path / "x-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(encode_idx(np.zeros((5, 3, 3), np.uint8)))[:-12])
    with pytest.raises(ValueError, match="corrupt or truncated gzip"):
        read_idx(path)


def test_idx_missing_empty_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="IDX file '.*nope.idx' does not exist"):
        read_idx(tmp_path / "nope.idx")
    (tmp_path / "e.idx").write_bytes(b"")
    with pytest.raises(ValueError, match=r"e\.idx' is empty"):
        read_idx(tmp_path / "e.idx")
    (tmp_path / "d.idx").mkdir()
    with pytest.raises(ValueError, match="is a directory, expected a file"):
        read_idx(tmp_path / "d.idx")


def test_idx_nan_values_rejected(tmp_path, make_idx):
    path = make_idx(tmp_path / "f.idx", np.array([[1.0, np.nan], [np.inf, 0.0]], dtype=np.float32))
    with pytest.raises(
        ValueError, match=r"2 NaN/infinite value\(s\); the first is nan at index \(0, 1\)"
    ):
        load_data(path)


# ---------------------------------------------------------------- npz / npy


@pytest.mark.parametrize(
    ("xkey", "ykey"), [("X", "y"), ("x", "labels"), ("data", "target"), ("images", None)]
)
def test_npz_keys(tmp_path, xkey, ykey):
    arrays = {xkey: np.arange(12, dtype=np.float64).reshape(4, 3)}
    if ykey:
        arrays[ykey] = np.array([0, 1, 0, 1], dtype=np.int32)
    np.savez(tmp_path / "d.npz", **arrays)
    b = read_npz(tmp_path / "d.npz")
    assert b.X.dtype == np.float32 and b.X.shape == (4, 3) and b.name == "d.npz"
    if ykey:
        assert b.y.dtype == np.int64 and b.y.tolist() == [0, 1, 0, 1]
    else:
        assert b.y is None


def test_npz_single_unnamed_array_and_string_labels(tmp_path):
    np.savez_compressed(tmp_path / "one.npz", np.ones((3, 2)))
    assert read_npz(tmp_path / "one.npz").X.shape == (3, 2)
    np.savez(tmp_path / "s.npz", X=np.ones((2, 2)), y=np.array(["cat", "dog"]))
    assert read_npz(tmp_path / "s.npz").y.tolist() == ["cat", "dog"]


def test_npz_uint8_images_scaled(tmp_path):
    np.savez(tmp_path / "i.npz", images=np.full((2, 5, 5, 3), 255, np.uint8))
    b = read_npz(tmp_path / "i.npz")
    assert b.X.shape == (2, 3, 5, 5) and b.X.max() == 1.0


def test_npz_ambiguous_keys(tmp_path):
    np.savez(tmp_path / "a.npz", foo=np.ones((2, 2)), bar=np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"cannot tell which array.*\['foo', 'bar'\]"):
        read_npz(tmp_path / "a.npz")


def test_npz_label_length_mismatch(tmp_path):
    np.savez(tmp_path / "m.npz", X=np.ones((3, 2)), y=np.arange(2))
    with pytest.raises(ValueError, match="one label per sample"):
        read_npz(tmp_path / "m.npz")


def test_npz_not_a_zip(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"this is not a zip file at all")
    with pytest.raises(
        ValueError, match=r"'bad\.npz' is not a valid \.npz file \(not a zip archive\)"
    ):
        load_data(tmp_path / "bad.npz")


def test_npz_corrupt_member(tmp_path):
    with zipfile.ZipFile(tmp_path / "c.npz", "w") as z:
        z.writestr("X.npy", b"\x93NUMPY garbage that is not a header")
    with pytest.raises(ValueError, match="c.npz"):
        read_npz(tmp_path / "c.npz")


def test_npz_object_arrays_are_never_unpickled(tmp_path, monkeypatch):
    np.savez(tmp_path / "o.npz", X=np.array([[1, object()]], dtype=object))
    import pickle

    # If anything tried to unpickle, this would make it loud.
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("unpickled"))
    with pytest.raises(
        ValueError, match=r"array 'X' in 'o\.npz' holds Python objects.*never unpickles"
    ):
        read_npz(tmp_path / "o.npz")
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"'o\.npy' holds Python objects"):
        read_npz(tmp_path / "o.npy")


def test_npy(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(6, dtype=np.int16).reshape(2, 3))
    b = read_npz(tmp_path / "a.npy")
    assert b.X.dtype == np.float32 and b.X.shape == (2, 3) and b.y is None
    np.save(tmp_path / "v.npy", np.arange(4.0))
    assert load_data(tmp_path / "v.npy").X.shape == (4, 1)  # a 1-D file is one feature
    (tmp_path / "bad.npy").write_bytes(b"\x00" * 64)
    with pytest.raises(ValueError, match=r"'bad\.npy' is not a valid \.npy file"):
        read_npz(tmp_path / "bad.npy")
    (tmp_path / "trunc.npy").write_bytes((tmp_path / "a.npy").read_bytes()[:-4])
    with pytest.raises(ValueError, match="corrupt .npy"):
        read_npz(tmp_path / "trunc.npy")


def test_npy_empty_and_nan(tmp_path):
    (tmp_path / "e.npy").write_bytes(b"")
    with pytest.raises(ValueError, match=r"data file '.*e\.npy' is empty"):
        read_npz(tmp_path / "e.npy")
    np.save(tmp_path / "z.npy", np.empty((0, 4)))
    with pytest.raises(ValueError, match="is empty"):
        read_npz(tmp_path / "z.npy")
    np.save(tmp_path / "n.npy", np.array([[0.0, 1.0], [2.0, np.nan]]))
    with pytest.raises(
        ValueError, match=r"1 NaN/infinite value\(s\); the first is nan at index \(1, 1\)"
    ):
        read_npz(tmp_path / "n.npy")
    np.save(tmp_path / "big.npy", np.array([[1e300]]))
    with pytest.raises(ValueError, match="too large for float32"):
        read_npz(tmp_path / "big.npy")
