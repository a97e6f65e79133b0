"""Latent-space tools for any autoencoder: encoding, nearest neighbours, scatter plots."""

import numpy as np
import pytest
import torch

from aekit import Autoencoder, create_model
from aekit.evaluation import encode_dataset, latent_scatter, nearest_neighbours


def test_encode_dataset_batches_like_one_pass_and_accepts_estimators(digits_flat):
    X = digits_flat[0][:300]
    model = create_model("deep", (64,), latent_dim=3).eval()
    codes = encode_dataset(model, X, batch_size=64)
    np.testing.assert_allclose(codes, model.encode(torch.from_numpy(X)).detach().numpy(), atol=1e-6)
    est = Autoencoder(latent_dim=2, hidden_dims=(8,), epochs=1, device="cpu", random_state=0).fit(X)
    np.testing.assert_array_equal(encode_dataset(est, X), est.transform(X))
    with pytest.raises(TypeError, match="AutoencoderModel or a fitted aekit estimator"):
        encode_dataset(object(), X)


def test_nearest_neighbours_hand_example_and_errors():
    codes = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0], [0.0, 2.0]])
    idx, dist = nearest_neighbours(codes, np.array([[0.9, 0.1], [5.0, 4.0]]), k=2)
    assert idx.tolist() == [[1, 0], [2, 3]]
    assert dist[0, 0] == pytest.approx(np.hypot(0.1, 0.1))
    with pytest.raises(ValueError, match="same width"):
        nearest_neighbours(codes, np.zeros((1, 3)))


def test_latent_scatter_writes_a_png(digits_flat, tmp_path):
    X, y = digits_flat
    model = create_model("vae", (64,), latent_dim=5)
    path = latent_scatter(model, X[:200], tmp_path / "latent.png", labels=y[:200], method="pca")
    assert path.stat().st_size > 1000
