"""read_label_file: one label per row from .csv/.txt/.npy, headers skipped, integers as int64."""

import numpy as np
import pytest

from aekit.data.labels import read_label_file


def test_text_and_npy_label_files(tmp_path):
    (tmp_path / "ints.csv").write_text("label\n3\n1\n\n# a comment\n3\n")
    assert read_label_file(tmp_path / "ints.csv").tolist() == [3, 1, 3]
    assert read_label_file(tmp_path / "ints.csv").dtype == np.int64
    (tmp_path / "names.txt").write_text("cat\ndog\n'cat'\n")
    assert read_label_file(tmp_path / "names.txt").tolist() == ["cat", "dog", "cat"]
    np.save(tmp_path / "col.npy", np.array([[0], [2], [2]], dtype=np.uint8))
    assert read_label_file(tmp_path / "col.npy").tolist() == [0, 2, 2]


def test_label_file_errors_say_what_was_expected(tmp_path):
    (tmp_path / "two.csv").write_text("1,2\n3,4\n")
    with pytest.raises(ValueError, match="line 1 of 'two.csv' has several columns"):
        read_label_file(tmp_path / "two.csv")
    np.save(tmp_path / "grid.npy", np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"shape \(3, 2\); expected one label per row"):
        read_label_file(tmp_path / "grid.npy")
    (tmp_path / "y.json").write_text("[1]")
    with pytest.raises(ValueError, match="expected one of .csv, .txt, .npy"):
        read_label_file(tmp_path / "y.json")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_label_file(tmp_path / "missing.txt")
