"""DataBundle, check_array_values and the load_data dispatcher."""

from __future__ import annotations

import numpy as np
import pytest

from aekit.data import DataBundle, check_array_values, load_data, load_digits


def test_bundle_properties_and_float32():
    b = DataBundle(np.zeros((4, 3, 5, 6), dtype=np.float64), np.arange(4), "z")
    assert b.X.dtype == np.float32
    assert b.sample_shape == (3, 5, 6)
    assert b.is_image
    assert b.flat().shape == (4, 90)
    assert len(b) == 4
    assert b.label_names is None
    assert "float32(4, 3, 5, 6)" in repr(b)


def test_bundle_tabular_is_not_image():
    b = DataBundle(np.ones((3, 2), dtype=np.float32), None, "t")
    assert b.sample_shape == (2,)
    assert not b.is_image
    assert b.flat() is not None and b.flat().shape == (3, 2)


def test_bundle_rejects_bad_shapes():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        DataBundle(np.ones(3), None, "v")
    with pytest.raises(ValueError, match="one label per sample"):
        DataBundle(np.ones((3, 2)), np.arange(2), "v")


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.empty((0, 3)), "X is empty"),
        (np.array([["a", "b"]]), "must be numeric"),
        (np.array([[1, None]], dtype=object), "must be numeric"),
        (
            np.array([[1.0, np.nan, np.inf]]),
            r"2 NaN/infinite value\(s\); the first is nan at index \(0, 1\)",
        ),
        (np.array([1.0, 2.0, -np.inf]), "1 NaN/infinite value.*-inf at index 2"),
    ],
)
def test_check_array_values_errors(X, match):
    with pytest.raises(ValueError, match=match):
        check_array_values(X)


def test_check_array_values_accepts_numbers_and_uses_name():
    check_array_values(np.array([[1, 2]], dtype=np.uint8))
    check_array_values(np.array([[True, False]]))
    with pytest.raises(ValueError, match="^weights is empty"):
        check_array_values(np.empty(0), name="weights")


def test_load_data_array():
    b = load_data(np.arange(6, dtype=np.int64).reshape(3, 2))
    assert b.name == "array" and b.X.dtype == np.float32 and b.y is None
    np.testing.assert_array_equal(b.X, [[0, 1], [2, 3], [4, 5]])
    assert load_data([[1, 2], [3, 4]]).X.shape == (2, 2)
    # Arrays are taken as they are: no image scaling, no guessing at 1-D.
    imgs = load_data(np.full((2, 3, 3), 255, dtype=np.uint8))
    assert imgs.X.shape == (2, 3, 3) and imgs.X.max() == 255.0
    with pytest.raises(ValueError, match=r"reshape a single feature with X\.reshape\(-1, 1\)"):
        load_data(np.arange(5))


def test_load_data_array_errors():
    with pytest.raises(ValueError, match="NaN"):
        load_data(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="must be numeric"):
        load_data(np.array([["x"]]))
    with pytest.raises(ValueError, match="source must be a numpy array"):
        load_data(3.5)
    with pytest.raises(ValueError, match="label_column cannot be used with an array"):
        load_data(np.ones((2, 2)), label_column=0)


def test_load_data_returns_bundle_unchanged():
    b = DataBundle(np.ones((2, 2)), None, "b")
    assert load_data(b) is b


def test_load_digits():
    b = load_digits()
    assert b.X.shape == (1797, 1, 8, 8) and b.X.dtype == np.float32
    assert b.y.dtype == np.int64 and b.y.shape == (1797,)
    assert b.name == "digits" and b.is_image
    assert b.X.min() == 0.0 and b.X.max() == 1.0
    assert sorted(set(b.y.tolist())) == list(range(10))
    assert load_data("digits").X.shape == (1797, 1, 8, 8)
    assert load_data("Digits").name == "digits"


def test_load_data_builtin_rejects_file_options():
    with pytest.raises(
        ValueError, match="image_size cannot be used with the built-in data set 'digits'"
    ):
        load_data("digits", image_size=8)


def test_load_data_missing_and_unknown(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data file 'x\.csv' does not exist"):
        load_data("x.csv")
    with pytest.raises(FileNotFoundError, match="built-in data sets: digits, fashion-mnist"):
        load_data("mnist-digits")
    weird = tmp_path / "model.pt"
    weird.write_bytes(b"abc")
    with pytest.raises(ValueError, match=r"unsupported data file 'model\.pt'.*\.csv.*\.npz.*idx"):
        load_data(weird)


def test_load_data_dispatches_by_suffix(tmp_path, make_idx):
    (tmp_path / "t.tsv").write_text("1\t2\n3\t4\n")
    np.save(tmp_path / "a.npy", np.ones((2, 3)))
    np.savez(tmp_path / "a.npz", X=np.ones((2, 3)), y=np.array([0, 1]))
    make_idx(tmp_path / "d.idx", np.zeros((2, 5), dtype=np.float32))
    assert load_data(tmp_path / "t.tsv").X.shape == (2, 2)
    assert load_data(str(tmp_path / "a.npy")).X.shape == (2, 3)
    assert load_data(tmp_path / "a.npz").y.tolist() == [0, 1]
    assert load_data(tmp_path / "d.idx").X.shape == (2, 5)
    with pytest.raises(ValueError, match="label_column cannot be used with 'a.npz'"):
        load_data(tmp_path / "a.npz", label_column=0)


def test_load_data_directory_without_images(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match="is not an image folder: no image files"):
        load_data(tmp_path)
    with pytest.raises(ValueError, match="label_column cannot be used with an image folder"):
        load_data(tmp_path, label_column="y")
