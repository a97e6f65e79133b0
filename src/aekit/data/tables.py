"""Readers for text tables (``.csv``, ``.tsv``, ``.txt``): numeric (:func:`read_csv`) or with text
and missing cells (:func:`read_table`)."""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import NamedTuple

import numpy as np

from .bundle import DataBundle
from .formats import existing_file
from .table_encoding import MISSING_TOKENS

__all__ = ["read_csv", "read_table", "read_column_names", "Table", "LABEL_COLUMN_NAMES"]

#: Header names taken as the label column when ``label_column`` is not given.
LABEL_COLUMN_NAMES = ("label", "y", "target", "class")

_Line = tuple[int, str]  # (1-based line number in the file, text)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _sniff_delimiter(line: str, suffix: str) -> str | None:
    """Pick the delimiter from the first row; None means runs of whitespace."""
    order = {".tsv": "\t,;", ".csv": ",\t;"}.get(suffix, "\t,;")
    return next((d for d in order if d in line), None)


def _splitter(delimiter: str | None, name: str) -> Callable[[str], list[str]]:
    if delimiter is None:
        return str.split

    def split(line: str) -> list[str]:
        try:
            return next(csv.reader([line], delimiter=delimiter))
        except (csv.Error, StopIteration) as exc:
            raise ValueError(
                f"cannot parse a row of '{name}' as {delimiter!r}-separated values ({exc})"
            ) from None

    return split


def _has_header(first: list[str], second: list[str] | None, blanks: frozenset[str] = frozenset()) -> bool:
    """A header has a non-numeric cell above a numeric one (or only text cells).

    Comparing with the second row keeps a text *label* column in a headerless
    file from being mistaken for a header. Cells in ``blanks`` (lower-cased
    missing-value tokens) count as numbers: "NA" above a number is a gap, not a name.
    """
    text = [not _is_number(c) and c.strip().lower() not in blanks for c in first]
    if not any(text):
        return False
    if second is None or all(text):
        return True
    return any(t and j < len(second) and _is_number(second[j]) for j, t in enumerate(text))


def _resolve_label_column(
    label_column: int | str | None, names: list[str] | None, n_cols: int, file: str
) -> int | None:
    if label_column is None:
        lowered = [n.lower() for n in names or []]
        return next((j for j, n in enumerate(lowered) if n in LABEL_COLUMN_NAMES), None)
    if isinstance(label_column, (int, np.integer)) and not isinstance(label_column, bool):
        j = int(label_column)
        if not -n_cols <= j < n_cols:
            raise ValueError(f"label_column={j} is out of range: '{file}' has {n_cols} columns")
        return j % n_cols
    if isinstance(label_column, str):
        if names is None:
            raise ValueError(
                f"label_column={label_column!r} names a column but '{file}' has no "
                f"header row; pass the column's integer index instead"
            )
        if label_column in names:
            return names.index(label_column)
        folded = [n.casefold() for n in names]
        if label_column.casefold() in folded:
            return folded.index(label_column.casefold())
        shown = names if len(names) <= 12 else names[:12] + ["..."]
        raise ValueError(
            f"label_column={label_column!r} is not a column of '{file}'; columns are {shown}"
        )
    raise ValueError(
        f"label_column must be a column name (str), an integer index or None, got {label_column!r}"
    )


def _labels_from_numbers(values: np.ndarray) -> np.ndarray:
    # Text labels like "3" are integers in the user's eyes, so give int64.
    if (
        np.all(np.isfinite(values))
        and np.all(values == np.round(values))
        and np.all(np.abs(values) < 2**53)
    ):
        return values.astype(np.int64)
    return values


def _check_width(cells: list[str], n_cols: int, lineno: int, names: list[str] | None, file: str) -> None:
    if len(cells) != n_cols:
        shape_of = "the header" if names is not None else "the first row"
        raise ValueError(f"'{file}' line {lineno} has {len(cells)} columns, expected {n_cols} like {shape_of}")


def _parse_slow(
    data: Sequence[_Line],
    split: Callable[[str], list[str]],
    n_cols: int,
    label: int | None,
    names: list[str] | None,
    file: str,
) -> tuple[np.ndarray, list[str]]:
    """Cell-by-cell parse that can say exactly which cell is wrong."""
    X = np.empty((len(data), n_cols - (label is not None)), dtype=np.float64)
    labels: list[str] = []
    for r, (lineno, line) in enumerate(data):
        cells = split(line)
        _check_width(cells, n_cols, lineno, names, file)
        k = 0
        for j, cell in enumerate(cells):
            if j == label:
                labels.append(cell.strip())
                continue
            try:
                X[r, k] = float(cell)
            except ValueError:
                col = f"column {j + 1}" + (f" ('{names[j]}')" if names else "")
                what = "an empty cell" if not cell.strip() else f"{cell.strip()[:40]!r}"
                raise ValueError(
                    f"'{file}' line {lineno}, {col}: cannot read {what} as a number; "
                    f"tables must be numeric (a text label column can be named with label_column)"
                ) from None
            k += 1
    return X, labels


@dataclass
class _Source:
    """A table file split into data lines, with its layout."""

    file: str
    lines: list[_Line]  # data lines only: no header, blank or comment lines
    delimiter: str | None
    split: Callable[[str], list[str]]
    names: list[str] | None
    n_cols: int
    label: int | None


def _open_table(
    path: str | PathLike[str], label_column: int | str | None, blanks: frozenset[str] = frozenset()
) -> _Source:
    """Read the lines of a table, detect its delimiter and header, resolve its label column."""
    path = existing_file(path)
    file = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"'{file}' is not a UTF-8 text table (undecodable byte at offset {exc.start})"
        ) from None
    data: list[_Line] = [
        (i, line)
        for i, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not data:
        raise ValueError(f"data file '{file}' is empty: it has no rows")
    delimiter = _sniff_delimiter(data[0][1], path.suffix.lower())
    split = _splitter(delimiter, file)
    first = split(data[0][1])
    names = None
    if _has_header(first, split(data[1][1]) if len(data) > 1 else None, blanks):
        names = [c.strip() for c in first]
        data = data[1:]
        if not data:
            raise ValueError(f"data file '{file}' has a header row but no data rows")
    n_cols = len(first)
    label = _resolve_label_column(label_column, names, n_cols, file)
    if label is not None and n_cols == 1:
        raise ValueError(f"'{file}' has only the label column; no feature columns are left")
    return _Source(file, data, delimiter, split, names, n_cols, label)


def _labels_from_cells(labels: list[str]) -> np.ndarray:
    try:
        return _labels_from_numbers(np.array(labels, dtype=np.float64))
    except ValueError:
        return np.array(labels)


def _check_labels(y: np.ndarray | None, data: Sequence[_Line], file: str) -> None:
    if y is not None and y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        r = int(np.argmin(np.isfinite(y)))
        raise ValueError(f"'{file}' line {data[r][0]}: the label {y[r]} is not a finite number")


def read_csv(path: str | PathLike[str], label_column: int | str | None = None) -> DataBundle:
    """Read a numeric table from a ``.csv``, ``.tsv`` or whitespace-separated ``.txt`` file.

    The delimiter is detected from the first row (tab, comma or semicolon,
    else whitespace). A first row with text cells above numbers is taken as a
    header. Blank lines and lines starting with ``#`` are skipped.

    Parameters
    ----------
    path : str or path-like
        The table.
    label_column : int, str or None
        Column holding the labels, by header name or integer index (negative
        counts from the end). When None and the header has a column named
        ``label``, ``y``, ``target`` or ``class``, that column is used.

    Returns
    -------
    DataBundle
        ``X`` float32 ``(n_rows, n_features)``; ``y`` int64 when the labels
        are integers, float when numeric, else strings.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_text("a,b,label\\n1,2,0\\n3,4,1\\n")
    >>> b = read_csv(path)
    >>> b.X.shape, b.y.tolist()
    ((2, 2), [0, 1])
    """
    src = _open_table(path, label_column)
    file, data, delimiter, split, names, n_cols, label = (
        src.file, src.lines, src.delimiter, src.split, src.names, src.n_cols, src.label
    )

    table = None
    with contextlib.suppress(ValueError):
        # numpy's C parser is several times faster; on any complaint fall
        # back to the slow parse, whose messages name the bad cell.
        table = np.loadtxt(
            [line for _, line in data],
            delimiter=delimiter,
            dtype=np.float64,
            ndmin=2,
            comments=None,
            quotechar='"' if delimiter else None,
        )
    if table is not None and table.shape == (len(data), n_cols):
        keep = [j for j in range(n_cols) if j != label]
        X = table[:, keep] if label is not None else table
        y = None if label is None else _labels_from_numbers(table[:, label])
    else:
        X, labels = _parse_slow(data, split, n_cols, label, names, file)
        y = None if label is None else _labels_from_cells(labels)
    _check_labels(y, data, file)

    with np.errstate(over="ignore"):  # overflow is reported just below
        X = X.astype(np.float32)
    bad = ~np.isfinite(X)
    if bad.any():
        # Report positions in the file (line, column), not array indices.
        r, k = (int(i) for i in np.argwhere(bad)[0])
        j = k + (label is not None and k >= label)
        col = f"column {j + 1}" + (f" ('{names[j]}')" if names else "")
        raise ValueError(
            f"'{file}' contains {int(bad.sum())} NaN/infinite value(s) (or numbers too large "
            f"for float32); the first is at line {data[r][0]}, {col}"
        )
    return DataBundle(X, y, file)


class Table(NamedTuple):
    """A table as read by :func:`read_table`; unpacks as ``cells, column_names, labels``."""

    cells: np.ndarray
    """Object array ``(n_rows, n_columns)`` of stripped strings, label column left out."""
    column_names: list[str] | None
    """Header names of the columns of ``cells``, or None when the file has no header."""
    labels: np.ndarray | None
    """The label column (int64 for integers, float for other numbers, else strings) or None."""


def read_table(path: str | PathLike[str], label_column: int | str | None = None) -> Table:
    """Read a table with text and missing cells as strings, for :class:`~aekit.data.TableEncoder`.

    Unlike :func:`read_csv`, no cell has to be a number: every cell comes back as a stripped
    string (an empty string for an empty cell). The file is read as by :func:`read_csv`
    (delimiter, header, comments, label column); missing-value tokens such as ``NA`` in the
    first row do not make it a header.

    Parameters
    ----------
    path : str or path-like
        A ``.csv``, ``.tsv`` or ``.txt`` file.
    label_column : int, str or None
        As in :func:`read_csv`.

    Returns
    -------
    Table
        ``(cells, column_names, labels)``.

    Raises
    ------
    ValueError
        A row with the wrong number of cells (naming its line), a bad label column, an empty file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_text("size,colour,label\\n1.5,red,0\\n2,NA,1\\n")
    >>> cells, names, y = read_table(path)
    >>> cells.tolist(), names, y.tolist()
    ([['1.5', 'red'], ['2', 'NA']], ['size', 'colour'], [0, 1])
    """
    src = _open_table(path, label_column, blanks=MISSING_TOKENS)
    keep = [j for j in range(src.n_cols) if j != src.label]
    cells = np.empty((len(src.lines), len(keep)), dtype=object)
    labels = []
    for r, (lineno, line) in enumerate(src.lines):
        row = src.split(line)
        _check_width(row, src.n_cols, lineno, src.names, src.file)
        cells[r] = [row[j].strip() for j in keep]
        if src.label is not None:
            labels.append(row[src.label].strip())
    y = None if src.label is None else _labels_from_cells(labels)
    _check_labels(y, src.lines, src.file)
    names = None if src.names is None else [src.names[j] for j in keep]
    return Table(cells, names, y)


def read_column_names(path: str | PathLike[str], label_column: int | str | None = None) -> list[str] | None:
    """The header names of a table's feature columns (label column left out), or None.

    For naming the columns of :func:`read_csv`'s ``X``, which has no names. None when the file
    has no header row.
    """
    src = _open_table(path, label_column)
    return None if src.names is None else [n for j, n in enumerate(src.names) if j != src.label]
