"""The fixed principal-component front end (``input_pca``): the basis is PCA's, fitted from the
training data before the first step, saved with the model, and the network trains on it."""

import numpy as np
import pytest
import torch
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA

import aekit
from aekit import TrainConfig, create_model, fit
from aekit.nn import PCAProjection, pca as pca_module
from aekit.training.batching import LoaderBatches, sample_inputs

FAST = dict(epochs=25, batch_size=64, lr=3e-3, device="cpu", random_state=0, validation_split=0.0, early_stopping=None)


def test_basis_and_variances_match_scikit_learn(digits_flat):
    X = digits_flat[0]
    proj = PCAProjection((64,), 10)
    proj.init_from_data(torch.from_numpy(X))
    ref = PCA(10).fit(X.astype(np.float64))
    # Same axes up to sign, same variances, same mean.
    cosines = np.abs(np.sum(proj.components.numpy() * ref.components_, axis=1))
    np.testing.assert_allclose(cosines, 1.0, atol=1e-4)
    np.testing.assert_allclose(proj.explained_variance.numpy(), ref.explained_variance_, rtol=1e-4)
    np.testing.assert_allclose(proj.mean.numpy(), ref.mean_, atol=1e-6)
    # Signs are fixed: every axis' largest entry is positive, so the basis is reproducible.
    comps = proj.components.numpy()
    assert (comps[np.arange(10), np.abs(comps).argmax(1)] > 0).all()


def test_randomized_path_for_many_features_finds_the_same_subspace(monkeypatch, digits_flat):
    X = torch.from_numpy(digits_flat[0])
    exact = PCAProjection((64,), 5)
    exact.init_from_data(X)
    monkeypatch.setattr(pca_module, "_EXACT_MAX_FEATURES", 16)  # force the randomized SVD
    approx = PCAProjection((64,), 5)
    approx.init_from_data(X)
    angles = np.degrees(subspace_angles(exact.components.numpy().T, approx.components.numpy().T))
    assert angles.max() < 1.0, angles
    np.testing.assert_allclose(approx.explained_variance.numpy(), exact.explained_variance.numpy(), rtol=1e-2)


def test_unfitted_projection_refuses_to_run():
    proj = PCAProjection((1, 4, 4), 3)
    with pytest.raises(RuntimeError, match="input_pca"):
        proj(torch.zeros(2, 1, 4, 4))


@pytest.mark.parametrize("k", [0, 65, 2.5, True])
def test_bad_component_counts(k):
    with pytest.raises(ValueError, match="input_pca"):
        create_model("deep", (64,), input_pca=k)


def test_incompatible_options_are_refused():
    with pytest.raises(ValueError, match="input_pca needs likelihood='gaussian'"):
        create_model("deep", (64,), input_pca=8, likelihood="bernoulli")
    with pytest.raises(ValueError, match="input_pca needs an MLP"):
        create_model("conv", (1, 8, 8), input_pca=8)
    with pytest.raises(ValueError, match="n_conditions"):
        create_model("deep", (64,), input_pca=8, n_conditions=3)


@pytest.mark.slow
def test_fit_initialises_the_basis_and_reconstructions_stay_in_it(digits_flat):
    X = digits_flat[0]
    k = 24
    ae = aekit.Autoencoder(latent_dim=8, hidden_dims=(64,), recipe_options={"input_pca": k}, **FAST).fit(X)
    proj = ae.model_.encoder[0]
    ref = PCA(k).fit(X.astype(np.float64))
    assert np.degrees(subspace_angles(proj.components.numpy().T, ref.components_.T)).max() < 0.5
    R = ae.reconstruct(X)
    off_subspace = (R - ref.mean_) - (R - ref.mean_) @ ref.components_.T @ ref.components_
    assert np.abs(off_subspace).max() < 1e-4
    # It learns: better than PCA with as many components as the code, no better than PCA-k.
    mse = np.mean((R - X) ** 2)
    pca8 = PCA(8).fit(X)
    mse_pca8 = np.mean((pca8.inverse_transform(pca8.transform(X)) - X) ** 2)
    mse_pcak = np.mean((ref.inverse_transform(ref.transform(X)) - X) ** 2)
    assert mse_pcak < mse < 0.9 * mse_pca8, (mse_pcak, mse, mse_pca8)


def test_the_basis_is_saved_and_loaded(tmp_path, digits_flat):
    X = digits_flat[0][:400]
    ae = aekit.Autoencoder(latent_dim=4, hidden_dims=(32,), recipe_options={"input_pca": 16}, **{**FAST, "epochs": 3}).fit(X)
    ae.save(tmp_path / "m")
    loaded = aekit.Autoencoder.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.model_.encoder[0].components.numpy(), ae.model_.encoder[0].components.numpy())
    np.testing.assert_allclose(loaded.reconstruct(X), ae.reconstruct(X), atol=1e-6)
    np.testing.assert_allclose(loaded.score_samples(X), ae.score_samples(X), rtol=1e-6)


def test_a_second_fit_keeps_the_basis(digits_flat):
    """Continuing to train a model (warm start, fine-tuning) must not refit the front end."""
    X = torch.from_numpy(digits_flat[0])
    model = create_model("deep", (64,), latent_dim=4, hidden_dims=(16,), input_pca=12)
    config = TrainConfig(epochs=1, batch_size=64, progress=False, validation_split=0.0)
    fit(model, X, config)
    before = model.encoder[0].components.clone()
    fit(model, X[:100] * 3.0, config)
    torch.testing.assert_close(model.encoder[0].components, before)


def test_sampling_a_dataset_leaves_the_data_order_unchanged(digits_flat):
    data = torch.utils.data.TensorDataset(torch.from_numpy(digits_flat[0]))
    gen = torch.Generator().manual_seed(3)
    source = LoaderBatches(data, 32, gen, torch.device("cpu"), num_workers=0)
    state = gen.get_state().clone()
    sample = sample_inputs(source, 100)
    assert sample.shape == (100, 64)
    assert torch.equal(gen.get_state(), state)


def test_in_memory_sample_is_evenly_spaced_and_capped(digits_flat):
    from aekit.training.batching import TensorBatches

    x = torch.arange(1000.0).reshape(1000, 1)
    sample = sample_inputs(TensorBatches((x,), 10, torch.Generator()), 300)
    assert len(sample) <= 300 and sample[0, 0] == 0 and sample[1, 0] == 4
