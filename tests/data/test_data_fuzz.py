"""Property tests: the table and IDX readers either return a clean bundle or raise ValueError."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from aekit.data import DataBundle, load_data, read_csv  # noqa: E402

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def assert_well_formed(b: DataBundle) -> None:
    assert isinstance(b, DataBundle)
    assert b.X.dtype == np.float32 and b.X.ndim >= 2 and b.X.size > 0
    assert np.all(np.isfinite(b.X))
    if b.y is not None:
        assert len(b.y) == len(b.X)


cells = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.floats(allow_nan=True, allow_infinity=True, width=64).map(repr),
    st.sampled_from(
        ["", " ", "nan", "inf", "1e400", "label", "a,b", '"', "x y", "\u00e9", "#", "0x1f"]
    ),
    st.text(max_size=5),
)
tables = st.builds(
    lambda header, rows, delim: "\n".join(
        delim.join(r) for r in ([header] if header else []) + rows
    ),
    st.one_of(
        st.none(),
        st.lists(st.sampled_from(["a", "b", "label", "y", "Target", "1"]), min_size=1, max_size=4),
    ),
    st.lists(st.lists(cells, min_size=1, max_size=4), max_size=5),
    st.sampled_from([",", "\t", ";", " "]),
)


@pytest.mark.slow
@FUZZ
@given(
    content=st.one_of(
        tables.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=200)
    ),
    suffix=st.sampled_from([".csv", ".tsv", ".txt"]),
    label_column=st.one_of(st.none(), st.integers(-5, 5), st.sampled_from(["a", "label", "zz"])),
)
def test_csv_reader_never_crashes(scratch, content, suffix, label_column):
    path = scratch / f"t{suffix}"
    path.write_bytes(content)
    try:
        b = read_csv(path, label_column=label_column)
    except ValueError:
        return
    assert_well_formed(b)
    assert b.X.ndim == 2


_ITEMSIZE = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}


def _idx_header(code: int, dims: list[int]) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


idx_files = st.one_of(
    st.binary(max_size=300),
    st.builds(
        lambda code, dims, payload: _idx_header(code, dims) + payload,
        st.sampled_from([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x07]),
        st.lists(st.integers(0, 6), min_size=1, max_size=4),
        st.binary(max_size=600),
    ),
    # Headers with a payload of exactly the declared size, so decoding is reached.
    st.tuples(
        st.sampled_from(list(_ITEMSIZE)), st.lists(st.integers(0, 5), min_size=1, max_size=4)
    ).flatmap(
        lambda cd: st.binary(
            min_size=_ITEMSIZE[cd[0]] * int(np.prod(cd[1])),
            max_size=_ITEMSIZE[cd[0]] * int(np.prod(cd[1])),
        ).map(lambda payload: _idx_header(cd[0], cd[1]) + payload)
    ),
)


@FUZZ
@given(content=idx_files, compress=st.booleans(), truncate=st.integers(0, 8))
def test_idx_reader_never_crashes(scratch, content, compress, truncate):
    data = gzip.compress(content) if compress else content
    if truncate and compress:
        data = data[:-truncate]  # corrupt gzip streams too
    path = scratch / "x-idx3-ubyte.gz"
    path.write_bytes(data)
    try:
        b = load_data(path)
    except ValueError:
        return
    assert_well_formed(b)
