"""Every hostile input of benchmarks/hostile_inputs.py ends in a clean one-line error (or is
accepted where that is right), runs no planted pickle and changes no user file; and a
property-based test fuzzes the estimator's inputs."""

import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from aekit import Autoencoder  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "hostile_inputs", Path(__file__).resolve().parents[1] / "benchmarks" / "hostile_inputs.py"
)
hostile = importlib.util.module_from_spec(_spec)
sys.modules["hostile_inputs"] = hostile  # dataclasses look their module up there
_spec.loader.exec_module(hostile)
CASES = hostile.cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.kind}: {c.what}" for c in CASES])
def test_hostile_input(case, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome, detail = hostile.run_case(case, tmp_path)
    assert outcome != "FAILED", detail
    assert not (tmp_path / "PWNED").exists()


def test_every_kind_of_the_issue_is_covered():
    kinds = {c.kind for c in CASES}
    assert {"NaN/inf values", "wrong shape/dtype", "empty file", "truncated/corrupt file", "mixed image sizes/modes",
            "model folder", "path is a directory", "existing output"} <= kinds
    assert len(CASES) >= 60


values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.floats(-1e6, 1e6),
    st.sampled_from([0.0, 1.0, -1.0, 1e300, -1e300, 5e-324]),
)
arrays = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.uint8, np.bool_, np.float16]),
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5),
    elements=None,
).flatmap(lambda a: hnp.arrays(a.dtype, a.shape, elements=values if a.dtype.kind == "f" else None))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=arrays)
def test_estimator_fuzz_fits_cleanly_or_refuses_in_one_line(X):
    """Arbitrary shapes, dtypes and values: either a finite model or a one-line ValueError/TypeError."""
    est = Autoencoder(latent_dim=2, hidden_dims=[3], epochs=1, batch_size=4, device="cpu", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            est.fit(X)
        except (ValueError, TypeError) as err:
            assert str(err) and "\n" not in str(err).strip(), str(err)
            return
    codes = est.transform(X.reshape(len(X), -1) if X.ndim > 2 else X)
    assert codes.shape == (len(X), 2) and np.isfinite(codes).all()
    finite = np.isfinite(X.astype(np.float64)).all()
    assert finite, "a non-finite X was accepted"
