"""A row's outputs never depend on the rows it is scored with, bit for bit.

Parametrized over the estimator registry: every inference method of every registered estimator
(found by name, so a new method or a new estimator is covered or the test says what is missing)
gives exactly the same bits for the rows of X scored all at once, in splits of 1, 7, 33 and odd
remainders, across a block boundary, in a shuffled subset, and with 1 or 2 threads. The shared
fixed-block inference (:func:`aekit.models.blockwise.infer_rows`) is what makes this hold.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

import aekit
from aekit.estimators import ESTIMATORS
from aekit.models.blockwise import INFERENCE_BLOCK

TINY = dict(device="cpu", random_state=0)
N_ROWS = INFERENCE_BLOCK + 89  # two blocks, the second padded: an odd remainder

# Per estimator: (case id, constructor parameters, parameters set after fit). Tiny fits: the test is
# about inference. An estimator registered without a case here is fitted with its defaults (and
# epochs=2), see _cases_of.
CASES = {
    "Autoencoder": [
        ("deep", dict(latent_dim=3, hidden_dims=(16,), epochs=2), {}),
        ("refine_codes", dict(latent_dim=3, hidden_dims=(16,), epochs=2), dict(refine_codes=2)),
        ("bf16", dict(latent_dim=3, hidden_dims=(16,), epochs=2), dict(precision="bf16")),
        ("conv", dict(recipe="conv", latent_dim=3, epochs=1, recipe_options={"channels": [4, 8]}), {}),
    ],
    "VariationalAutoencoder": [
        ("elbo", dict(latent_dim=2, hidden_dims=(16,), epochs=2, n_importance=3), {}),
        ("iwae", dict(latent_dim=2, hidden_dims=(16,), epochs=2), dict(score_method="iwae", n_importance=5)),
    ],
    "AnomalyDetector": [
        ("network_and_neighbours", dict(epochs=2), {}),
        ("members_reconstruction", dict(recipe="linear", n_estimators=2, epochs=2, n_neighbors=0), {}),
        ("members_latent", dict(recipe="vae", score="latent", n_estimators=2, epochs=2, n_neighbors=0), {}),
        ("members_elbo", dict(recipe="vae", score="elbo", n_estimators=2, epochs=2, n_neighbors=0), {}),
    ],
    "TimeSeriesAnomalyDetector": [("conv1d", dict(window=16, n_estimators=2, epochs=2), {})],
    "SelfSupervised": [
        ("masked_features", dict(method="masked_features", epochs=1), {}),
        ("rotation_conv_pooled", dict(method="rotation", epochs=1, backbone_options={"channels": [4, 8]}),
         dict(pool_grid=2)),
    ],
    "PretrainedClassifier": [("mlp", dict(hidden_dims=(16,), latent_dim=4, pretrain_epochs=1, finetune_epochs=2), {})],
    # Word vectors: no method maps rows of X to rows of outputs (vectors are a lookup table, and
    # MaskedTokenModel.evaluate is a corpus-level metric over fixed-length chunks of seq_len tokens).
    "Word2Vec": [],
    "MaskedTokenModel": [],
}

# Public methods that give one output per input row, and what they are called with.
ROW_METHODS = ("transform", "inverse_transform", "reconstruct", "score_samples", "decision_function", "predict",
               "predict_proba", "predict_confidence", "predict_rank", "feature_contributions", "window_scores")
# Public methods that are not row-wise inference (training, parameters, persistence, aggregates,
# generation, word queries, and what is computed from a checked row method).
NOT_ROW_METHODS = {"fit", "partial_fit", "fit_transform", "fit_predict", "score", "save", "load", "sample",
                   "top_features", "evaluate", "most_similar", "analogy",
                   "similarity", "vectors", "training_options"}
SERIES = {"TimeSeriesAnomalyDetector"}  # rows are time steps of one series, see test_series_windows


def _public_methods(cls) -> set[str]:
    """Public methods, less scikit-learn's parameter and metadata plumbing (get_*, set_*)."""
    return {m for m in dir(cls) if not m.startswith(("_", "get_", "set_")) and callable(getattr(cls, m, None))}


def _cases_of(name: str) -> list:
    if name in CASES:
        return CASES[name]
    cls = ESTIMATORS.get(name)
    if not any(hasattr(cls, m) for m in ROW_METHODS):
        return []
    return [("defaults", {"epochs": 2} if "epochs" in inspect.signature(cls).parameters else {}, {})]


def _cases():
    for name in ESTIMATORS.names():
        for case_id, params, after in _cases_of(name):
            yield pytest.param(name, params, after, id=f"{name}-{case_id}")


def test_every_row_method_of_every_estimator_is_covered():
    for name in ESTIMATORS.names():
        cls = ESTIMATORS.get(name)
        unknown = _public_methods(cls) - set(ROW_METHODS) - NOT_ROW_METHODS
        assert not unknown, f"{name}: classify {sorted(unknown)} as ROW_METHODS (and test them) or NOT_ROW_METHODS"
        has_rows = any(hasattr(cls, m) for m in ROW_METHODS)
        assert has_rows == bool(_cases_of(name)), f"{name}: row-wise methods need a case; a case needs row methods"


@pytest.fixture(scope="module")
def rows(digits_flat):
    X, y = digits_flat
    return X[:N_ROWS].astype(np.float64), y[:N_ROWS]


@pytest.fixture(scope="module")
def series():
    t = np.arange(700, dtype=np.float64)
    rng = np.random.default_rng(0)
    return np.column_stack([np.sin(t / 7), np.cos(t / 11)]) + 0.05 * rng.normal(size=(len(t), 2))


def _fit(name, params, after, X, y):
    cls = ESTIMATORS.get(name)
    est = cls(**TINY, **params)
    est.fit(X, y) if name == "PretrainedClassifier" else est.fit(X)
    return est.set_params(**after)


def _on_rows(method, data):
    """``rows -> method(data[rows])``."""
    return lambda rows: method(data[rows])


def _calls(est, X) -> dict[str, object]:
    """``method name -> (row indices -> output)`` for every row method ``est`` has."""
    calls = {}
    for method in ROW_METHODS:
        if not hasattr(est, method):
            continue
        if method == "feature_contributions" and (est.score != "reconstruction" or est.likelihood != "gaussian"):
            continue  # raises ValueError by design for these scores (tested in test_anomaly_detector)
        calls[method] = _on_rows(getattr(est, method), est.transform(X) if method == "inverse_transform" else X)
    return calls


def _splits(n: int):
    """Index pieces: cycling sizes 1, 7, 33 (odd remainders everywhere), and a cut just past a block."""
    pieces, start, sizes = [], 0, [1, 7, 33]
    while start < n:
        size = sizes[len(pieces) % 3]
        pieces.append(np.arange(start, min(start + size, n)))
        start += size
    yield "1/7/33", pieces
    cut = INFERENCE_BLOCK + 1
    yield "block+1", [np.arange(cut), np.arange(cut, n)]


def _assert_same(actual, expected, what):
    assert actual.dtype == expected.dtype, what
    assert np.array_equal(actual, expected), f"{what}: {np.sum(actual != expected)} values differ"


@pytest.mark.slow
@pytest.mark.parametrize("name, params, after", [p for p in _cases() if p.values[0] not in SERIES])
def test_rows_give_the_same_bits_however_they_are_batched(name, params, after, rows):
    X, y = rows
    est = _fit(name, params, after, X, y)
    everything = np.arange(len(X))
    for method, call in _calls(est, X).items():
        full = np.asarray(call(everything))
        assert len(full) == len(X)
        for split_name, pieces in _splits(len(X)):
            joined = np.concatenate([np.asarray(call(idx)) for idx in pieces])
            _assert_same(joined, full, f"{method}, split {split_name}")
        subset = np.random.default_rng(1).permutation(len(X))[:45]
        _assert_same(np.asarray(call(subset)), full[subset], f"{method}, shuffled subset")
        threads = torch.get_num_threads()
        try:
            torch.set_num_threads(2 if threads == 1 else 1)
            _assert_same(np.asarray(call(everything)), full, f"{method}, another thread count")
        finally:
            torch.set_num_threads(threads)


@pytest.mark.slow
@pytest.mark.parametrize("name, params, after", [p for p in _cases() if p.values[0] in SERIES])
def test_series_windows_give_the_same_bits_in_a_prefix_of_the_series(name, params, after, series):
    """A series' rows are its steps, not independent samples; its samples are the windows. The
    windows of a prefix are the first windows of the whole series (stride 1), and they and the
    steps they fully cover score the same bits either way."""
    est = _fit(name, params, after, series, None)
    window = est.window
    whole_windows, whole_steps = est.window_scores(series), est.decision_function(series)
    for length in (window, window + 7, window + 33, 300, 600):
        kept = length - window + 1  # windows of the prefix; also its steps that every covering window sees
        _assert_same(est.window_scores(series[:length]), whole_windows[:kept], f"window_scores, prefix {length}")
        _assert_same(est.decision_function(series[:length])[:kept], whole_steps[:kept],
                     f"decision_function, prefix {length}")


def test_vae_scores_use_the_same_noise_for_every_row_whatever_the_block(digits_flat):
    """ELBO and IWAE draw their noise per call with one seed, shared by every row: a row's
    estimate is the same alone or after 600 other rows (more than a block)."""
    X = digits_flat[0][:650].astype(np.float64)
    est = aekit.VariationalAutoencoder(latent_dim=2, hidden_dims=(8,), epochs=1, n_importance=4, **TINY).fit(X[:50])
    for method in ("elbo", "iwae"):
        est.set_params(score_method=method)
        scores = est.score_samples(X)
        assert np.array_equal(est.score_samples(X[-1:]), scores[-1:]), method
        assert np.array_equal(est.score_samples(X[::-1])[::-1], scores), method
        assert len(np.unique(scores)) > 600  # different rows, different estimates: not a constant
