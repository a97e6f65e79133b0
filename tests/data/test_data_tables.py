"""CSV / TSV / TXT tables."""

from __future__ import annotations

import numpy as np
import pytest

from aekit.data import load_data, read_csv


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_plain_csv_without_header(tmp_path):
    b = read_csv(write(tmp_path, "a.csv", "1,2,3\n4,5.5,-6e1\n"))
    assert b.X.dtype == np.float32 and b.X.shape == (2, 3) and b.y is None and b.name == "a.csv"
    np.testing.assert_allclose(b.X, [[1, 2, 3], [4, 5.5, -60]])


def test_header_detected_and_label_by_convention(tmp_path):
    b = read_csv(write(tmp_path, "h.csv", "a,b,label\n1,2,0\n3,4,1\n5,6,1\n"))
    np.testing.assert_array_equal(b.X, [[1, 2], [3, 4], [5, 6]])
    assert b.y.dtype == np.int64 and b.y.tolist() == [0, 1, 1]


@pytest.mark.parametrize("name", ["label", "y", "Target", "CLASS"])
def test_conventional_label_names(tmp_path, name):
    b = read_csv(write(tmp_path, "h.csv", f"{name},f1\n2,0.5\n3,0.25\n"))
    assert b.y.tolist() == [2, 3] and b.X.shape == (2, 1)


def test_header_without_label_column_keeps_all(tmp_path):
    b = read_csv(write(tmp_path, "h.csv", "f1,f2\n1,2\n"))
    assert b.y is None and b.X.shape == (1, 2)


@pytest.mark.parametrize(
    ("label_column", "expected_x"),
    [("b", [[1, 3], [4, 6]]), (1, [[1, 3], [4, 6]]), (-1, [[1, 2], [4, 5]])],
)
def test_explicit_label_column(tmp_path, label_column, expected_x):
    b = read_csv(write(tmp_path, "e.csv", "a,b,c\n1,2,3\n4,5,6\n"), label_column=label_column)
    np.testing.assert_array_equal(b.X, expected_x)


def test_explicit_label_column_overrides_convention_and_works_without_header(tmp_path):
    b = read_csv(write(tmp_path, "n.csv", "0,1.5,2\n1,2.5,3\n"), label_column=0)
    assert b.y.tolist() == [0, 1] and b.X.shape == (2, 2)
    b = load_data(write(tmp_path, "c.csv", "label,k\n1,2\n3,4\n"), label_column="k")
    assert b.y.tolist() == [2, 4] and b.X.ravel().tolist() == [1, 3]


def test_text_and_float_labels(tmp_path):
    b = read_csv(write(tmp_path, "s.csv", "cat,1,2\ndog,3,4\n"), label_column=0)
    assert b.y.tolist() == ["cat", "dog"] and b.X.shape == (2, 2)
    b = read_csv(
        write(tmp_path, "s2.csv", "x,species\n1,setosa\n2,virginica\n"), label_column="species"
    )
    assert b.y.tolist() == ["setosa", "virginica"]
    b = read_csv(write(tmp_path, "f.csv", "x,target\n1,0.5\n2,1.5\n"))
    assert b.y.dtype == np.float64 and b.y.tolist() == [0.5, 1.5]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("t.tsv", "a\tb\n1\t2\n3\t4\n"),
        ("w.txt", "1 2\n3   4\n"),
        ("s.csv", "a;b\n1;2\n3;4\n"),
        ("q.csv", '"a","b"\n"1","2"\n3,4\n'),
    ],
)
def test_delimiters(tmp_path, name, text):
    b = load_data(write(tmp_path, name, text))
    np.testing.assert_array_equal(b.X, [[1, 2], [3, 4]])


def test_blank_lines_comments_bom_and_crlf(tmp_path):
    b = read_csv(
        write(tmp_path, "c.csv", "\ufeff# comment\r\na,b\r\n\r\n1,2\r\n3,4\r\n", encoding="utf-8")
    )
    np.testing.assert_array_equal(b.X, [[1, 2], [3, 4]])


def test_single_column(tmp_path):
    assert read_csv(write(tmp_path, "one.csv", "1\n2\n3\n")).X.shape == (3, 1)


@pytest.mark.parametrize("text", ["", "\n\n  \n", "# only a comment\n"])
def test_empty_file(tmp_path, text):
    with pytest.raises(ValueError, match="empty"):
        read_csv(write(tmp_path, "e.csv", text))


def test_header_only(tmp_path):
    with pytest.raises(ValueError, match="has a header row but no data rows"):
        read_csv(write(tmp_path, "h.csv", "a,b,c\n"))


def test_non_numeric_cell_names_line_and_column(tmp_path):
    with pytest.raises(
        ValueError, match=r"'bad\.csv' line 3, column 2 \('b'\): cannot read 'oops' as a number"
    ):
        read_csv(write(tmp_path, "bad.csv", "a,b\n1,2\n3,oops\n"))
    with pytest.raises(ValueError, match=r"line 2, column 1: cannot read an empty cell"):
        read_csv(write(tmp_path, "gap.csv", "1,2\n,4\n"))


def test_ragged_rows(tmp_path):
    with pytest.raises(ValueError, match="line 3 has 3 columns, expected 2 like the first row"):
        read_csv(write(tmp_path, "r.csv", "1,2\n3,4\n5,6,7\n"))
    with pytest.raises(ValueError, match="line 2 has 3 columns, expected 2 like the header"):
        read_csv(write(tmp_path, "r2.csv", "a,b\n1,2,3\n"))


def test_nan_and_inf_report_count_and_position(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"contains 2 NaN/infinite value\(s\).*first is at line 3, column 3 \('c'\)",
    ):
        read_csv(write(tmp_path, "n.csv", "label,b,c\n0,1,2\n1,2,nan\n0,inf,3\n"))
    with pytest.raises(ValueError, match="line 2, column 1"):
        read_csv(write(tmp_path, "big.csv", "1,2\n1e60,1\n"))
    with pytest.raises(ValueError, match="the label nan is not a finite number"):
        read_csv(write(tmp_path, "nl.csv", "label,b\n0.5,1\nnan,2\n"))


def test_label_column_errors(tmp_path):
    path = write(tmp_path, "l.csv", "a,b\n1,2\n")
    with pytest.raises(
        ValueError, match=r"label_column='z' is not a column of 'l\.csv'; columns are \['a', 'b'\]"
    ):
        read_csv(path, label_column="z")
    with pytest.raises(ValueError, match="label_column=5 is out of range: 'l.csv' has 2 columns"):
        read_csv(path, label_column=5)
    with pytest.raises(ValueError, match="label_column must be a column name"):
        read_csv(path, label_column=1.0)
    nohead = write(tmp_path, "n.csv", "1,2\n")
    with pytest.raises(ValueError, match="names a column but 'n.csv' has no header row"):
        read_csv(nohead, label_column="a")
    with pytest.raises(ValueError, match="only the label column"):
        read_csv(write(tmp_path, "o.csv", "label\n1\n2\n"))


def test_not_utf8(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes(b"1,2\n\xff\xfe,3\n")
    with pytest.raises(ValueError, match="not a UTF-8 text table"):
        read_csv(path)


def test_missing_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data file '.*x\.csv' does not exist"):
        read_csv(tmp_path / "x.csv")
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(ValueError, match="is a directory, expected a file"):
        read_csv(tmp_path / "d.csv")


def test_large_table_fast_path(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(2000, 50))
    y = rng.integers(0, 10, size=2000)
    lines = ["label," + ",".join(f"p{i}" for i in range(50))]
    lines += [f"{a}," + ",".join(map(str, row)) for a, row in zip(y, X, strict=True)]
    b = read_csv(write(tmp_path, "big.csv", "\n".join(lines)))
    np.testing.assert_array_equal(b.X, X)
    np.testing.assert_array_equal(b.y, y)
