"""Turn a real table (numbers, text categories, missing cells) into a float matrix.

:class:`TableEncoder` one-hot encodes the text columns, passes numeric columns through and
handles missing cells by an explicit policy, so that :class:`aekit.AnomalyDetector` (which
needs numbers) can score tables as they come from a spreadsheet or a database export.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["TableEncoder", "MISSING_TOKENS", "MISSING_CATEGORY"]

#: Text cells read as missing, compared after stripping and lower-casing; None and NaN are
#: missing too. ``"<na>"`` and ``"nat"`` are how pandas prints its missing values.
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-", "<na>", "nat"})

#: The category that missing cells of a text column become with ``missing="impute"``.
MISSING_CATEGORY = "<missing>"

_MISSING = ("error", "impute")
_UNSEEN = ("ignore", "error")


def _key(cell) -> str | None:
    """A cell as a stripped category string, or None when it is missing."""
    if cell is None:
        return None
    if isinstance(cell, bytes):
        cell = cell.decode("utf-8", "replace")
    if isinstance(cell, (float, np.floating)) and np.isnan(cell):
        return None
    text = str(cell).strip()
    return None if text.lower() in MISSING_TOKENS else text


def _to_keys(col: np.ndarray) -> np.ndarray:
    return np.array([_key(c) for c in col], dtype=object)


def _to_numbers(col: np.ndarray) -> tuple[np.ndarray, int]:
    """Float64 values (NaN where missing) and the row of the first text cell (-1: none)."""
    try:
        # numpy's own loop; it fails on the first text, empty or None cell
        return col.astype(np.float64), -1
    except (ValueError, TypeError):
        pass
    values = np.full(len(col), np.nan)
    for i, cell in enumerate(col):
        key = _key(cell)
        if key is not None:
            try:
                values[i] = float(key)
            except ValueError:
                return values, i
    return values, -1


def _as_table(X) -> tuple[np.ndarray | list[np.ndarray], list[str] | None]:
    """A numeric 2-D array as float64, or else the list of columns; and a data frame's names."""
    if hasattr(X, "columns") and hasattr(X, "dtypes"):  # pandas (or similar), without importing it
        names = [str(c) for c in X.columns]
        if hasattr(X, "iloc"):  # column by column keeps numeric columns numeric
            return [np.asarray(X.iloc[:, j].to_numpy()) for j in range(len(names))], names
        X = np.asarray(X, dtype=object)
        return [X[:, j] for j in range(X.shape[1])], names
    if hasattr(X, "toarray"):
        raise TypeError("sparse input is not supported: a table is dense; pass X.toarray()")
    try:
        arr = np.asarray(X)
    except ValueError:
        raise ValueError("X must be a 2-D table with the same number of cells in every row") from None
    if arr.ndim != 2:
        raise ValueError(
            f"X must be a 2-D table (rows x columns), got {arr.ndim} dimension(s). "
            f"Reshape your data: X.reshape(-1, 1) for a single column"
        )
    if arr.dtype.kind == "c":
        raise ValueError("Complex data not supported: a table holds real numbers and text")
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64), None  # a copy: transform fills it in place
    if arr.dtype.kind not in "OUS":
        arr = arr.astype(object)
    return [arr[:, j] for j in range(arr.shape[1])], None


class TableEncoder(TransformerMixin, BaseEstimator):
    """Encode a table with numeric and text columns and missing cells as a float matrix.

    A column is numeric when every non-missing cell reads as a number; it passes through as
    float64, unscaled (the detector scales later). Any other column is categorical and becomes
    one 0/1 column per category seen in ``fit``, in sorted order.

    Parameters
    ----------
    missing : {"error", "impute"}, default="error"
        Missing cells are None, NaN and the text cells in :data:`MISSING_TOKENS`.
        ``"error"``: ``fit`` and ``transform`` raise a ``ValueError`` naming the column and the
        first row with a missing cell. ``"impute"``: a numeric column's missing cells get the
        median of its values in the training data (``medians_``); in a text column, missing is
        a category of its own, :data:`MISSING_CATEGORY`, with its own one-hot column (so
        "missing" can be informative). A text column with no missing cell in ``fit`` has no
        such column: a missing cell in ``transform`` is then an unseen category.
        Infinite numbers always raise: they are errors in the data, never imputed.
    unseen : {"ignore", "error"}, default="ignore"
        A category in ``transform`` that ``fit`` did not see. ``"ignore"``: its one-hot block
        is all zeros, a pattern no training row had, so a reconstruction-based detector finds
        the row unusual. ``"error"``: raise, naming the column, the row and the value.

    Attributes
    ----------
    n_features_in_ : int
        Input columns.
    feature_names_in_ : ndarray of str
        Input column names, only when ``fit`` got a data frame or ``column_names``.
    column_names_ : list of str
        Input column names (``x0``, ``x1``, ... when none were given).
    categorical_columns_ : list of int
        Indices of the categorical input columns.
    categories_ : dict of int to list of str
        Categories of each categorical column, in the order of their output columns.
    medians_ : dict of int to float
        Fill value of each numeric column (only with ``missing="impute"``).
    feature_names_out_ : ndarray of str
        Output column names: a numeric column keeps its name, a category is ``"name=value"``.
    source_columns_ : ndarray of int
        For each output column, the input column it comes from (to add one-hot parts back up
        to their column, e.g. for per-column explanations).
    all_numeric_ : bool
        True when no column is categorical: the output columns are the input columns.

    Examples
    --------
    >>> enc = TableEncoder().fit([[1.5, "red"], [2.0, "blue"], [0.5, "red"]])
    >>> enc.get_feature_names_out().tolist()
    ['x0', 'x1=blue', 'x1=red']
    >>> enc.transform([[3.0, "blue"], [1.0, "green"]]).tolist()
    [[3.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    >>> enc.source_columns_.tolist()
    [0, 1, 1]
    """

    def __init__(self, missing: str = "error", unseen: str = "ignore") -> None:
        self.missing = missing
        self.unseen = unseen

    def fit(self, X, y=None, column_names: Sequence[str] | None = None) -> TableEncoder:
        """Find the column types, categories and fill values of ``X``.

        Parameters
        ----------
        X : 2-D array-like or data frame
            Float array, object or string array, list of rows, or a pandas DataFrame.
        y : ignored
        column_names : sequence of str, optional
            Names of the columns when ``X`` is not a data frame (e.g. a file's header).

        Returns
        -------
        self
        """
        if self.missing not in _MISSING:
            raise ValueError(f"missing must be one of {_MISSING}, got {self.missing!r}")
        if self.unseen not in _UNSEEN:
            raise ValueError(f"unseen must be one of {_UNSEEN}, got {self.unseen!r}")
        for attr in ("feature_names_in_", "categories_"):  # a refit starts afresh
            self.__dict__.pop(attr, None)
        table, names = _as_table(X)
        numbers, keys = self._parse(table)
        n_rows, n_cols = numbers.shape
        if column_names is not None:
            names = [str(n) for n in column_names]
            if len(names) != n_cols:
                raise ValueError(f"column_names has {len(names)} names but X has {n_cols} columns")
        if n_rows == 0 or n_cols == 0:
            # sklearn's wording, which its checks look for
            raise ValueError(
                f"X is empty: {n_rows} sample(s) and {n_cols} feature(s) (shape=({n_rows}, {n_cols})) while "
                f"a minimum of 1 is required."
            )
        self.n_features_in_ = n_cols
        if names is not None:
            self.feature_names_in_ = np.array(names, dtype=object)
        self.column_names_ = names if names is not None else [f"x{j}" for j in range(n_cols)]
        self.categorical_columns_ = sorted(keys)
        self._check_cells(numbers, keys)

        self.categories_ = {}
        for j in self.categorical_columns_:
            present = {MISSING_CATEGORY if k is None else k for k in keys[j]}
            cats = sorted(present - {MISSING_CATEGORY})
            self.categories_[j] = cats + [MISSING_CATEGORY] * (MISSING_CATEGORY in present)
            if len(cats) > max(20, n_rows // 2):
                warnings.warn(
                    f"column {self._where(j)} has {len(cats)} categories in {n_rows} rows: an identifier? "
                    f"Each value gets a column of its own and makes its row look unique; consider dropping it",
                    UserWarning, stacklevel=2,
                )
        self.medians_ = {}
        if self.missing == "impute":
            numeric = [j for j in range(n_cols) if j not in keys]
            empty = [j for j in numeric if np.isnan(numbers[:, j]).all()]
            if empty:
                raise ValueError(f"column {self._where(empty[0])} has no values to impute from; drop it")
            if numeric:
                self.medians_ = dict(zip(numeric, np.nanmedian(numbers[:, numeric], axis=0).tolist()))
        self._set_outputs()
        return self

    def _set_outputs(self) -> None:
        """The output layout, derived from the columns and their categories (also after loading
        the fitted state from JSON)."""
        self.all_numeric_ = not self.categories_
        self.feature_names_out_ = self._names_out(self.column_names_)
        self.source_columns_ = np.array(
            [j for j in range(self.n_features_in_) for _ in self.categories_.get(j, [None])], dtype=np.int64
        )

    def transform(self, X) -> np.ndarray:
        """Encode ``X`` (the columns of ``fit``) as float64 of shape ``(n_rows, len(feature_names_out_))``."""
        check_is_fitted(self, "source_columns_")
        table, names = _as_table(X)
        n_cols = table.shape[1] if isinstance(table, np.ndarray) else len(table)
        if n_cols != self.n_features_in_:
            raise ValueError(
                f"X has {n_cols} features, but TableEncoder is expecting {self.n_features_in_} "
                f"features as input"
            )
        fitted = getattr(self, "feature_names_in_", None)
        if names is not None and fitted is not None and names != list(fitted):
            raise ValueError(f"X has the columns {names} but the encoder was fitted on {list(fitted)}")
        numbers, keys = self._parse(table, self.categories_)
        self._check_cells(numbers, keys)
        if self.medians_:
            fill = np.full(numbers.shape[1], np.nan)
            fill[list(self.medians_)] = list(self.medians_.values())
            missing = np.isnan(numbers)
            missing[:, self.categorical_columns_] = False
            rows, cols = np.nonzero(missing)
            numbers[rows, cols] = fill[cols]
        if self.all_numeric_:
            return numbers
        out = np.zeros((len(numbers), len(self.source_columns_)))
        numeric_out = ~np.isin(self.source_columns_, self.categorical_columns_)
        out[:, numeric_out] = numbers[:, self.source_columns_[numeric_out]]
        for j, cats in self.categories_.items():
            lookup = {c: i for i, c in enumerate(cats)}
            codes = np.array([lookup.get(MISSING_CATEGORY if k is None else k, -1) for k in keys[j]], dtype=np.int64)
            unseen = np.flatnonzero(codes < 0)
            if unseen.size and self.unseen == "error":
                r = int(unseen[0])
                value = MISSING_CATEGORY if keys[j][r] is None else keys[j][r]
                raise ValueError(
                    f"column {self._where(j)} has the category {value!r} at row {r} (0-based row of the data "
                    f"given), not seen in fit ({unseen.size} such row(s)); pass unseen='ignore' to encode "
                    f"them as all zeros"
                )
            rows = np.flatnonzero(codes >= 0)
            out[rows, np.searchsorted(self.source_columns_, j) + codes[rows]] = 1.0
        return out

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Output column names: numeric columns keep their name, categories are ``"name=value"``."""
        check_is_fitted(self, "source_columns_")
        if input_features is None:
            return self.feature_names_out_.copy()
        if len(input_features) != self.n_features_in_:
            raise ValueError(f"input_features has {len(input_features)} names, expected {self.n_features_in_}")
        return self._names_out([str(n) for n in input_features])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = tags.input_tags.categorical = True
        tags.input_tags.allow_nan = self.missing == "impute"
        return tags

    def _parse(
        self, table: np.ndarray | list[np.ndarray], categorical: dict[int, list[str]] | None = None
    ) -> tuple[np.ndarray, dict[int, np.ndarray]]:
        """``numbers`` (float64, NaN where missing or categorical) and the categorical columns'
        cell keys (None where missing). ``categorical=None`` (in fit): every column with a text
        cell is categorical."""
        if isinstance(table, np.ndarray):  # numeric input: no loop over the cells
            return table, {j: _to_keys(table[:, j]) for j in categorical or ()}
        n_rows = len(table[0]) if table else 0
        numbers = np.full((n_rows, len(table)), np.nan)
        keys = {}
        for j, col in enumerate(table):
            if categorical is not None and j in categorical:
                keys[j] = _to_keys(col)
                continue
            values, text_row = _to_numbers(col)
            if text_row < 0:
                numbers[:, j] = values
            elif categorical is None:
                keys[j] = _to_keys(col)
            else:
                raise ValueError(
                    f"column {self._where(j)} was numeric in fit, but row {text_row} (0-based row of the "
                    f"data given) holds {str(col[text_row]).strip()[:40]!r}"
                )
        return numbers, keys

    def _names_out(self, names: list[str]) -> np.ndarray:
        out: list[str] = []
        for j, name in enumerate(names):
            out += [f"{name}={c}" for c in self.categories_[j]] if j in self.categories_ else [name]
        return np.array(out, dtype=object)

    def _where(self, j: int) -> str:
        return f"{self.column_names_[j]!r} (index {j})"

    def _check_cells(self, numbers: np.ndarray, keys: dict[int, np.ndarray]) -> None:
        """Raise on infinite numbers, and on missing cells unless they are imputed."""
        if np.isinf(numbers).any():
            r, j = (int(i) for i in np.argwhere(np.isinf(numbers))[0])
            raise ValueError(
                f"column {self._where(j)} has an infinite value at row {r} (0-based row of the data given); "
                f"infinite numbers are never imputed: fix or drop them"
            )
        if self.missing == "impute":
            return
        missing = np.isnan(numbers)
        for j, k in keys.items():
            missing[:, j] = np.equal(k, None)
        if missing.any():
            # the first row with a missing cell, as the user reads the table
            r, j = (int(i) for i in np.argwhere(missing)[0])
            raise ValueError(
                f"column {self._where(j)} has a missing value at row {r} (0-based row of the data given; "
                f"{int(missing.sum())} missing cell(s) in all: NaN, None, empty, 'NA', ...); pass "
                f"missing='impute' to fill numeric columns with the training median and to treat missing "
                f"as a category of its own in text columns"
            )
