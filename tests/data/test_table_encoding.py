"""TableEncoder (mixed columns, missing cells) and read_table."""

import numpy as np
import pytest
from sklearn.base import clone

from aekit.data import TableEncoder, read_table
from aekit.data.table_encoding import MISSING_CATEGORY, MISSING_TOKENS

ROWS = [
    [1.5, "red", 10],
    [2.0, "blue", 20],
    [0.5, "red", 30],
    [4.0, "green", 40],
]


def test_one_hot_layout_names_and_source_columns():
    enc = TableEncoder().fit(ROWS, column_names=["size", "colour", "weight"])
    assert enc.n_features_in_ == 3 and enc.column_names_ == ["size", "colour", "weight"]
    assert list(enc.feature_names_in_) == ["size", "colour", "weight"]
    assert enc.categorical_columns_ == [1] and enc.categories_ == {1: ["blue", "green", "red"]}
    assert enc.get_feature_names_out().tolist() == ["size", "colour=blue", "colour=green", "colour=red", "weight"]
    assert enc.source_columns_.tolist() == [0, 1, 1, 1, 2] and not enc.all_numeric_
    Z = enc.transform(ROWS)
    np.testing.assert_array_equal(Z, [[1.5, 0, 0, 1, 10], [2.0, 1, 0, 0, 20], [0.5, 0, 0, 1, 30], [4.0, 0, 1, 0, 40]])
    # each row has exactly one 1 in the colour block, and summing by source column gives it back
    per_column = np.zeros((len(Z), 3))
    np.add.at(per_column.T, enc.source_columns_, Z.T)
    np.testing.assert_array_equal(per_column[:, 1], 1)
    np.testing.assert_array_equal(per_column[:, [0, 2]], np.array(ROWS, dtype=object)[:, [0, 2]].astype(float))


def test_default_names_without_header():
    enc = TableEncoder().fit(np.array(ROWS, dtype=object))
    assert enc.column_names_ == ["x0", "x1", "x2"] and not hasattr(enc, "feature_names_in_")
    assert enc.feature_names_out_.tolist()[:2] == ["x0", "x1=blue"]


def test_numeric_passthrough_is_exact_and_float64():
    X = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    enc = TableEncoder().fit(X)
    assert enc.all_numeric_ and enc.categorical_columns_ == [] and enc.source_columns_.tolist() == [0, 1, 2, 3]
    Z = enc.transform(X)
    assert Z.dtype == np.float64 and Z is not X
    np.testing.assert_array_equal(Z, X.astype(np.float64))
    # numbers written as text read as the same numbers
    np.testing.assert_array_equal(TableEncoder().fit_transform(X.astype(str)), X.astype(str).astype(np.float64))


def test_dataframe_input_uses_its_column_names():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"size": [1.5, 2.0, np.nan], "colour": ["red", None, "blue"], "n": [1, 2, 3]})
    enc = TableEncoder(missing="impute").fit(df)
    assert list(enc.feature_names_in_) == ["size", "colour", "n"]
    assert enc.get_feature_names_out().tolist() == ["size", "colour=blue", "colour=red", f"colour={MISSING_CATEGORY}",
                                                     "n"]
    np.testing.assert_array_equal(enc.transform(df)[2], [1.75, 1, 0, 0, 3])
    with pytest.raises(ValueError, match="fitted on"):
        enc.transform(df.rename(columns={"n": "m"}))


def test_unseen_category_ignore_gives_zeros_and_error_names_it():
    enc = TableEncoder().fit(ROWS)
    Z = enc.transform([[1.0, "purple", 5], [1.0, "red", 5]])
    np.testing.assert_array_equal(Z[0, 1:4], 0)
    np.testing.assert_array_equal(Z[1, 1:4], [0, 0, 1])
    strict = TableEncoder(unseen="error").fit(ROWS)
    with pytest.raises(ValueError, match=r"'x1' \(index 1\) has the category 'purple' at row 1"):
        strict.transform([[1.0, "red", 5], [1.0, "purple", 5]])


def test_missing_error_names_column_and_first_row():
    rows = [[1.0, "red"], [2.0, "blue"], [3.0, "NA"], [None, "red"]]
    with pytest.raises(ValueError, match=r"column 'colour' \(index 1\) has a missing value at row 2 \(0-based"):
        TableEncoder().fit(rows, column_names=["size", "colour"])
    enc = TableEncoder().fit(rows[:2], column_names=["size", "colour"])
    with pytest.raises(ValueError, match=r"'size' \(index 0\) has a missing value at row 1 .*missing='impute'"):
        enc.transform([[1.0, "red"], [np.nan, "red"]])


@pytest.mark.parametrize("token", sorted(MISSING_TOKENS) + [" NA ", "N/A", "Null", "NONE", None, np.nan])
def test_each_missing_token_is_missing(token):
    with pytest.raises(ValueError, match="missing value at row 1"):
        TableEncoder().fit([["1", "a"], [token, "b"]])
    with pytest.raises(ValueError, match=r"'x1' \(index 1\) has a missing value at row 1"):
        TableEncoder().fit([["1", "a"], ["2", token]])


def test_impute_median_and_missing_category():
    rows = [["1", "red"], ["2", ""], ["10", "blue"], ["?", "red"]]
    enc = TableEncoder(missing="impute").fit(rows, column_names=["n", "c"])
    assert enc.medians_ == {0: 2.0} and enc.categories_[1] == ["blue", "red", MISSING_CATEGORY]
    assert enc.get_feature_names_out().tolist() == ["n", "c=blue", "c=red", f"c={MISSING_CATEGORY}"]
    Z = enc.transform(rows)
    np.testing.assert_array_equal(Z[:, 0], [1, 2, 10, 2])
    np.testing.assert_array_equal(Z[1, 1:], [0, 0, 1])
    # a text column that had no gap in fit: a missing cell is an unseen category
    enc = TableEncoder(missing="impute").fit([["1", "red"], ["2", "blue"]])
    np.testing.assert_array_equal(enc.transform([["na", "null"]]), [[1.5, 0, 0]])
    with pytest.raises(ValueError, match="no values to impute"):
        TableEncoder(missing="impute").fit([["na", "a"], ["", "b"]])


def test_infinite_numbers_are_never_imputed():
    for policy in ("error", "impute"):
        with pytest.raises(ValueError, match=r"'x0' \(index 0\) has an infinite value at row 1"):
            TableEncoder(missing=policy).fit(np.array([[1.0, 2.0], [np.inf, 3.0]]))
        with pytest.raises(ValueError, match="infinite value at row 0"):
            TableEncoder(missing=policy).fit([["-inf", "a"], ["1", "b"]])


def test_text_in_a_numeric_column_at_transform_is_named():
    enc = TableEncoder().fit([[1.0, 2.0], [3.0, 4.0]], column_names=["a", "b"])
    with pytest.raises(ValueError, match=r"'b' \(index 1\) was numeric in fit, but row 1 .* holds 'oops'"):
        enc.transform([["1", "2"], ["3", "oops"]])
    with pytest.raises(ValueError, match="X has 3 features, but TableEncoder is expecting 2"):
        enc.transform(np.zeros((2, 3)))


def test_parameters_are_checked_in_fit_and_clone_works():
    enc = TableEncoder(missing="drop")  # the constructor only stores
    with pytest.raises(ValueError, match=r"missing must be one of \('error', 'impute'\), got 'drop'"):
        enc.fit(ROWS)
    with pytest.raises(ValueError, match="unseen must be one of"):
        TableEncoder(unseen="zero").fit(ROWS)
    fitted = TableEncoder(missing="impute", unseen="error").fit(ROWS)
    copy = clone(fitted)
    assert copy.get_params() == {"missing": "impute", "unseen": "error"} and not hasattr(copy, "categories_")


def test_identifier_column_warns():
    rows = [[float(i), f"id-{i}"] for i in range(60)]
    with pytest.warns(UserWarning, match="identifier"):
        TableEncoder().fit(rows)


def test_read_table_mixed_csv(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("size,colour,label,weight\n1.5,red,0,10\n2, NA ,1,20\n# a comment\n\n0.5,blue,0,\n")
    cells, names, labels = read_table(path)
    assert names == ["size", "colour", "weight"] and labels.tolist() == [0, 1, 0] and labels.dtype == np.int64
    assert cells.dtype == object and cells.tolist() == [["1.5", "red", "10"], ["2", "NA", "20"], ["0.5", "blue", ""]]
    enc = TableEncoder(missing="impute").fit(cells, column_names=names)
    assert enc.get_feature_names_out().tolist() == ["size", "colour=blue", "colour=red", f"colour={MISSING_CATEGORY}",
                                                    "weight"]
    np.testing.assert_array_equal(enc.transform(cells)[:, -1], [10, 20, 15])
    with pytest.raises(ValueError, match=r"'colour' \(index 1\) has a missing value at row 1"):
        TableEncoder().fit(cells, column_names=names)


def test_read_table_headerless_label_by_index_and_bad_row(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("NA\tred\tyes\n2\tblue\tno\n")  # "NA" above a number is a gap, not a header
    cells, names, labels = read_table(path, label_column=-1)
    assert names is None and cells.tolist() == [["NA", "red"], ["2", "blue"]] and labels.tolist() == ["yes", "no"]
    path.write_text("a\tb\n1\tx\n2\ty\tz\n")
    with pytest.raises(ValueError, match="line 3 has 3 columns, expected 2 like the header"):
        read_table(path)


@pytest.mark.filterwarnings("ignore:Skipping check")  # array-API checks need SCIPY_ARRAY_API
@pytest.mark.parametrize("missing", ["error", "impute"])
def test_passes_sklearn_estimator_checks(missing):
    from sklearn.utils.estimator_checks import check_estimator

    check_estimator(TableEncoder(missing=missing))
