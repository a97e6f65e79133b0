"""A tiny run folder shared by the report, explorer and browser tests (trained once per session)."""

import pytest

from aekit.data import DataBundle
from aekit.estimators import Autoencoder
from aekit.runs import train_run


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, digits_images):
    """A denoising conv autoencoder with a 3-d code, 400 digits, 4 epochs."""
    X, y = digits_images
    bundle = DataBundle(X[:400], y[:400], "digits-400")
    est = Autoencoder(recipe="conv", latent_dim=3, recipe_options={"channels": [8, 16]}, corruption="gaussian",
                      epochs=4, batch_size=64, lr=3e-3, random_state=0, device="cpu")
    out = tmp_path_factory.mktemp("runs") / "tiny"
    summary = train_run(bundle, est, out)
    return out, est, bundle, summary


@pytest.fixture(scope="session")
def tiny_run_2d(tmp_path_factory, digits_flat):
    """A deep autoencoder with a 2-d code on flat vectors, no labels."""
    X, _ = digits_flat
    est = Autoencoder(recipe="deep", latent_dim=2, hidden_dims=[32], epochs=3, random_state=0, device="cpu")
    out = tmp_path_factory.mktemp("runs") / "tiny2d"
    train_run(DataBundle(X[:300], None, "digits-flat"), est, out)
    return out, est
