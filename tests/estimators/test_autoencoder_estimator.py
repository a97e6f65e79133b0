import numpy as np
import pytest
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import aekit
from aekit.io import ModelFolderError

FAST = dict(epochs=3, batch_size=32, device="cpu", random_state=0)


@pytest.mark.slow
def test_check_estimator_passes_every_check():
    est = aekit.Autoencoder(latent_dim=2, hidden_dims=(8,), **FAST)
    results = check_estimator(est, on_fail=None)
    failed = [(r["check_name"], r["exception"]) for r in results if r["status"] == "failed"]
    assert not failed
    assert len(results) > 40


@pytest.mark.slow
def test_linear_recipe_learns_the_pca_subspace(digits_flat):
    """Bourlard & Kamp (1988): a linear AE with squared error spans PCA's principal subspace."""
    X = StandardScaler().fit_transform(digits_flat[0].astype(np.float64))
    k = 8
    pca = PCA(k).fit(X)
    for tied in (False, True):
        ae = aekit.Autoencoder(
            "linear", latent_dim=k, epochs=1000, lr=1e-2, batch_size=len(X), scheduler="cosine", validation_split=0,
            early_stopping=None, preprocessing="none", recipe_options={"tied": tied}, device="cpu", random_state=0,
        ).fit(X)
        layer = ae.model_.encoder[1].weight.T if tied else ae.model_.decoder[0].weight
        angle = np.degrees(subspace_angles(layer.detach().numpy(), pca.components_.T)).max()
        assert angle < 2.0, f"tied={tied}: largest principal angle {angle:.2f} degrees"


@pytest.mark.slow
def test_deep_recipe_beats_pca_on_held_out_digits(digits_flat):
    X_train, X_test = train_test_split(digits_flat[0].astype(np.float64), test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(X_train)
    A, B = scaler.transform(X_train), scaler.transform(X_test)
    k = 8
    pca = PCA(k).fit(A)
    mse_pca = np.mean((pca.inverse_transform(pca.transform(B)) - B) ** 2)
    ae = aekit.Autoencoder("deep", latent_dim=k, epochs=60, preprocessing="none", device="cpu", random_state=0).fit(A)
    mse_ae = np.mean((ae.reconstruct(B) - B) ** 2)
    assert mse_ae < 0.75 * mse_pca, (mse_ae, mse_pca)
    # inverse_transform(transform) is the same path as reconstruct
    np.testing.assert_allclose(ae.inverse_transform(ae.transform(B)), ae.reconstruct(B), rtol=1e-5, atol=1e-5)


def test_save_load_round_trip_is_identical(tmp_path, digits_flat):
    X = digits_flat[0][:300].astype(np.float64) * 16
    ae = aekit.Autoencoder("conv", latent_dim=4, recipe_options={"channels": [4, 8]}, **FAST).fit(X)
    ae.save(tmp_path / "m")
    loaded = aekit.Autoencoder.load(tmp_path / "m")
    np.testing.assert_allclose(loaded.transform(X), ae.transform(X), rtol=0, atol=1e-6)
    np.testing.assert_allclose(loaded.score_samples(X), ae.score_samples(X), rtol=1e-6)
    assert loaded.get_params() == {**ae.get_params(), "recipe_options": {"channels": [4, 8]}}
    assert len(loaded.history_) == len(ae.history_)
    with pytest.raises(FileExistsError, match="overwrite"):
        ae.save(tmp_path / "m")
    ae.save(tmp_path / "m", overwrite=True)


def test_images_as_4d_arrays_and_input_shape(digits_images):
    X = digits_images[0][:200]
    ae = aekit.Autoencoder("conv", latent_dim=3, **FAST).fit(X)
    assert ae.input_shape_ == (1, 8, 8) and ae.n_features_in_ == 64
    assert ae.transform(X).shape == (200, 3)
    assert ae.transform(X.reshape(200, -1)).shape == (200, 3)
    with pytest.raises(ValueError, match="not a square number"):
        aekit.Autoencoder("conv", **FAST).fit(np.random.rand(10, 10))
    with pytest.raises(ValueError, match="input_shape"):
        aekit.Autoencoder("conv", input_shape=(1, 4, 4), **FAST).fit(np.random.rand(10, 10))


@pytest.mark.slow
def test_score_samples_ranks_outliers_lower(digits_flat):
    X = digits_flat[0]
    ae = aekit.Autoencoder(latent_dim=8, epochs=30, device="cpu", random_state=0).fit(X[:1500])
    noise = np.random.default_rng(0).random((50, 64))
    assert np.median(ae.score_samples(noise)) < np.percentile(ae.score_samples(X[1500:]), 5)
    assert ae.score(X[1500:]) == pytest.approx(np.mean(ae.score_samples(X[1500:])))


@pytest.mark.slow
def test_pipeline_and_grid_search(digits_flat):
    X, y = digits_flat[0][:600], digits_flat[1][:600]
    pipe = make_pipeline(aekit.Autoencoder(latent_dim=8, epochs=20, device="cpu", random_state=0),
                         LogisticRegression(max_iter=500))
    assert pipe.fit(X, y).score(X, y) > 0.7
    search = GridSearchCV(aekit.Autoencoder(**FAST), {"latent_dim": [2, 16]}, cv=2).fit(X)
    assert search.best_params_["latent_dim"] == 16  # a wider code reconstructs better


def test_bernoulli_and_categorical_likelihoods_preprocess_to_unit_interval(digits_flat):
    X = digits_flat[0][:200] * 16  # 0..16, not in [0, 1]
    for lik in ("bernoulli", {"name": "categorical", "n_levels": 17}):
        ae = aekit.Autoencoder(likelihood=lik, **FAST).fit(X)
        assert ae.preprocessing_ == "minmax"
        recon = ae.reconstruct(X)
        assert recon.min() >= -1e-6 and recon.max() <= 16 + 1e-6


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[1.0, np.nan], [0.0, 1.0]]), "NaN"),
        (np.array([[1.0, np.inf], [0.0, 1.0]]), "infinity"),
        (np.empty((0, 3)), "0 sample"),
        (np.array([1.0, 2.0, 3.0]), "Reshape your data"),
        (np.array([["a", "b"], ["c", "d"]]), "could not convert|dtype"),
    ],
)
def test_bad_inputs_at_fit(X, match):
    with pytest.raises(ValueError, match=match):
        aekit.Autoencoder(**FAST).fit(X)


def test_bad_inputs_after_fit(digits_flat, tmp_path):
    X = digits_flat[0][:100]
    ae = aekit.Autoencoder(latent_dim=3, **FAST).fit(X)
    with pytest.raises(ValueError, match="64 features"):
        ae.transform(X[:, :10])
    with pytest.raises(ValueError, match="3 columns"):
        ae.inverse_transform(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"'latent_dim' parameter of Autoencoder must be an int in the range \[1, inf\)"):
        aekit.Autoencoder(latent_dim=0, **FAST).fit(X)
    with pytest.raises(ValueError, match="recipe must be one of"):
        aekit.Autoencoder(recipe="nope", **FAST).fit(X)
    with pytest.raises(ValueError, match="'epochs' parameter of Autoencoder must be an int"):
        aekit.Autoencoder(epochs=-1).fit(X)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        aekit.Autoencoder.load(tmp_path / "missing")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{not json")
    (tmp_path / "broken" / "model.safetensors").write_bytes(b"junk")
    with pytest.raises(ModelFolderError, match="not valid JSON"):
        aekit.Autoencoder.load(tmp_path / "broken")


@pytest.mark.slow
def test_inference_follows_the_training_precision(digits_flat):
    """precision='bf16' also runs transform/reconstruct in bf16; set_params(precision='fp32')
    after fit gives full-precision outputs of the same weights."""
    X = digits_flat[0].astype(np.float32)
    ae = aekit.Autoencoder(latent_dim=4, hidden_dims=(32,), precision="bf16", **FAST).fit(X)
    codes_bf16 = ae.transform(X)
    recon_bf16 = ae.reconstruct(X)
    ae.set_params(precision="fp32")
    codes_fp32 = ae.transform(X)
    import torch

    with torch.no_grad():
        exact = ae.model_.encode(ae._to_model_space(X)).numpy()
    np.testing.assert_allclose(codes_fp32, exact, rtol=1e-5, atol=1e-5)
    rel = np.abs(codes_bf16 - codes_fp32).max() / np.abs(codes_fp32).max()
    assert 0 < rel < 0.05  # bf16 arithmetic: different, to about 2-3 significant digits
    mse_bf16 = np.mean((recon_bf16 - X) ** 2)
    mse_fp32 = np.mean((ae.reconstruct(X) - X) ** 2)
    assert abs(mse_bf16 / mse_fp32 - 1) < 0.02


@pytest.mark.slow
def test_inference_reads_float32_input_without_copying_it():
    """transform / reconstruct of float32 data that needs no scaling make no copy of X (a pass over
    70,000 Fashion-MNIST rows cost a quarter of transform's time), yet read-only input still works
    and fit still never shares memory with the caller's array."""
    import tracemalloc

    rng = np.random.default_rng(0)
    X = rng.random((20000, 64), dtype=np.float32)
    ae = aekit.Autoencoder(latent_dim=4, hidden_dims=(16,), epochs=1, device="cpu", random_state=0).fit(X[:500])
    assert ae.preprocessing_ == "none"
    tracemalloc.start()
    codes = ae.transform(X)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < X.nbytes / 4, f"transform allocated {peak} bytes of numpy memory for {X.nbytes} bytes of input"
    ro = X.copy()
    ro.flags.writeable = False
    np.testing.assert_array_equal(ae.transform(ro), codes)
    recon = ae.reconstruct(X)
    assert recon.dtype == np.float32
    np.testing.assert_allclose(ae.reconstruct(X.astype(np.float64)), recon, rtol=0, atol=0)
