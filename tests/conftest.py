"""Shared fixtures: small data, fast training settings."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

# The test models are tiny: a second thread only adds synchronisation, and on a shared machine a
# descheduled thread stalls every step (a small LSTM ran 40x slower with 2 threads under load).
torch.set_num_threads(1)


@pytest.fixture
def one_thread():
    """One torch thread for the test, restored after it: for folders whose tests (or code they call)
    may change the count (their conftest makes it autouse)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(autouse=True)
def _fixed_seed():
    torch.manual_seed(0)
    np.random.seed(0)


@pytest.fixture(scope="session")
def digits_flat():
    """Digits scaled to [0, 1], shape (1797, 64), and labels."""
    d = load_digits()
    return (d.data / 16.0).astype(np.float32), d.target


@pytest.fixture(scope="session")
def digits_images(digits_flat):
    X, y = digits_flat
    return X.reshape(-1, 1, 8, 8), y
