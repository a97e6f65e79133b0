"""RankMe's effective rank, the label-free collapse check (#19: I-JEPA's diagnosis)."""

import math

import numpy as np
import pytest
import torch

from aekit.evaluation import effective_rank


def test_equal_directions_count_fully_and_one_line_counts_once():
    assert effective_rank(np.eye(5)) == pytest.approx(5.0, rel=1e-5)
    line = np.outer(np.linspace(-2, 3, 50), np.arange(1.0, 9.0))
    assert effective_rank(line) == pytest.approx(1.0, abs=1e-4)


def test_uneven_singular_values_by_hand():
    # singular values 3 and 1: p = (0.75, 0.25), exp(entropy)
    f = np.diag([3.0, 1.0])
    want = math.exp(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25)))
    assert effective_rank(f) == pytest.approx(want, rel=1e-5)


def test_rotations_and_row_order_do_not_change_it():
    rng = np.random.default_rng(0)
    f = rng.normal(size=(40, 6)) * np.array([5, 3, 2, 1, 0.5, 0.1])
    q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    assert effective_rank(f @ q) == pytest.approx(effective_rank(f), rel=1e-6)
    assert effective_rank(f[::-1]) == pytest.approx(effective_rank(f), rel=1e-6)
    assert 1 < effective_rank(f) < 6
    assert effective_rank(torch.as_tensor(f, dtype=torch.float32).requires_grad_()) == pytest.approx(effective_rank(f), rel=1e-5)


@pytest.mark.parametrize("bad, message", [
    (np.zeros(5), "non-empty 2-D"),
    (np.zeros((0, 3)), "non-empty 2-D"),
    (np.array([[1.0, np.nan]]), "finite"),
    (np.zeros((3, 2)), "all zero"),
])
def test_bad_features_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        effective_rank(bad)
