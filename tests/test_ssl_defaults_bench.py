"""benchmarks/ssl_defaults.py: a model read by ``--final --load`` must have been trained with what
the library ships as the defaults (options spelled out equal to the method's defaults count)."""

import pytest
from benchmark_modules import load_benchmark


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("ssl_defaults")


def test_options_equal_to_the_method_defaults_count_as_the_defaults(bench):
    shipped = bench.shipped("mae", epochs=20, seed=0).get_params()
    spelled = bench.shipped("mae", epochs=20, seed=0).set_params(
        method_options={"mask_ratio": 0.5, "decoder_depth": 3}).get_params()
    assert bench.effective(spelled) == bench.effective(shipped)
    other = bench.shipped("mae", epochs=20, seed=0).set_params(method_options={"mask_ratio": 0.75}).get_params()
    assert bench.effective(other) != bench.effective(shipped)
    assert bench.effective({**shipped, "epochs": 5}) != bench.effective(shipped)


def test_the_probe_rows_never_overlap_and_the_select_step_has_no_test_split(bench, monkeypatch):
    import numpy as np

    from aekit.data import DataBundle

    X = np.arange(60_000, dtype=np.float32).reshape(-1, 1, 1, 1) * np.ones((1, 1, 28, 28), np.float32)
    fake = DataBundle(X, np.arange(60_000) % 10, "fake")
    monkeypatch.setattr("aekit.data.load_fashion_mnist", lambda split, download=True: fake)
    parts = bench.load(with_test=False, limit=None)
    assert "test" not in parts
    ids = [set(a[:, 0, 0, 0].astype(int)) for a in (parts["unlabeled"], parts["probe"][0], parts["val"][0])]
    assert [len(s) for s in ids] == [20_000, 5_000, 10_000]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert min(ids[2]) == 50_000  # the last 10,000 training images validate
