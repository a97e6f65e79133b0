"""Restoration: the masked (context-encoder) loss, restore() and evaluate_restoration()."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import aekit
from aekit.applications.restoration import corrupt_images, evaluate_restoration, restore
from aekit.cli import main


def _inpainter(visible_weight):
    torch.manual_seed(0)
    return aekit.create_model("inpaint", (1, 8, 8), latent_dim=4, channels=(4, 8), visible_weight=visible_weight)


def test_inpainting_loss_ignores_the_visible_region_when_its_weight_is_zero():
    x = torch.rand(5, 1, 8, 8)
    hidden = torch.zeros(8, 8, dtype=torch.bool)
    hidden[2:6, 2:6] = True
    for vw, expected in ((0.0, 0.0), (0.5, 0.5 * 0.5 * 9.0 * 48)):
        model = _inpainter(vw).train()
        result = model(x)
        assert result.loss_weight is not None
        result.params = torch.where(hidden, x, x + 3.0)  # wrong only outside the hole
        assert model.sample_losses(x, result)["reconstruction"].tolist() == pytest.approx([expected] * 5)
    model = _inpainter(0.0).train()
    result = model(x)
    result.params = torch.where(hidden, x + 1.0, x)  # wrong only inside the hole: 0.5 * 16 * 1
    assert model.sample_losses(x, result)["reconstruction"].tolist() == pytest.approx([8.0] * 5)


def test_full_visible_weight_is_the_plain_likelihood():
    model = _inpainter(1.0).train()
    x = torch.rand(3, 1, 8, 8)
    result = model(x)
    assert result.loss_weight is None
    torch.testing.assert_close(model.sample_losses(x, result)["reconstruction"], model.likelihood.loss(result.params, x))


def test_bernoulli_element_loss_sums_to_its_nll():
    lik = aekit.models.build_autoencoder((4,), 2, likelihood="bernoulli").likelihood
    p, x = torch.randn(3, 4), torch.rand(3, 4)
    torch.testing.assert_close(lik.element_loss(p, x).sum(1), lik.nll(p, x))


@pytest.mark.slow
def test_restore_improves_psnr_over_the_noisy_input_on_digits(digits_images):
    X = digits_images[0]
    torch.manual_seed(0)
    # the recipe's corruption with a small MLP, so the test trains in seconds
    model = aekit.create_model("denoise", (1, 8, 8), latent_dim=32, architecture="mlp", hidden_dims=(128,), std=0.5)
    aekit.fit(model, X[:1400], aekit.TrainConfig(epochs=25, lr=3e-3, batch_size=64, progress=False,
                                                 early_stopping=None, validation_split=0))
    m = evaluate_restoration(model, X[1400:], seed=0)
    assert m["n"] == 397
    noisy, _ = corrupt_images(X[1400:], model.corruption, seed=0)
    by_hand = np.mean(10 * np.log10(1 / ((np.clip(noisy, 0, 1) - X[1400:]) ** 2).mean(axis=(1, 2, 3))))
    assert m["psnr_corrupted"] == pytest.approx(by_hand, abs=1e-4)
    assert m["psnr_restored"] > m["psnr_corrupted"] + 4, m
    assert m["ssim_restored"] > m["ssim_corrupted"]
    flat = restore(model, X[1400:1405].reshape(5, -1))
    np.testing.assert_allclose(flat, restore(model, X[1400:1405]), atol=1e-6)


def test_restore_keeps_known_pixels_and_validates_input():
    model = _inpainter(0.0)
    x = np.random.default_rng(0).random((4, 1, 8, 8)).astype(np.float32)
    corrupted, mask = corrupt_images(x, model.corruption, seed=0)
    assert mask.shape == (4, 1, 8, 8) and mask.sum() == 4 * 16
    out = restore(model, corrupted, mask=mask)
    np.testing.assert_array_equal(out[~np.broadcast_to(mask, out.shape)], corrupted[~np.broadcast_to(mask, out.shape)])
    with pytest.raises(ValueError, match="corrupted_images must have shape"):
        restore(model, np.zeros((2, 10)))
    with pytest.raises(TypeError, match="model_or_estimator"):
        restore("model", x)
    a, _ = corrupt_images(x, "gaussian", seed=5)
    b, _ = corrupt_images(x, "gaussian", seed=5)
    np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_restore_accepts_a_fitted_estimator(digits_images):
    X = digits_images[0][:200]
    est = aekit.Autoencoder(recipe="superres", latent_dim=8, recipe_options={"channels": [4, 8]}, epochs=1,
                            random_state=0, verbose=False).fit(X)
    out = restore(est, X[:6])
    assert out.shape == (6, 1, 8, 8)
    np.testing.assert_allclose(out.reshape(6, -1), est.reconstruct(X[:6].reshape(6, -1)), atol=1e-6)


@pytest.mark.slow
def test_cli_restore_writes_figure_and_metrics(tmp_path):
    out = tmp_path / "inp"
    args = ["restore", "--task", "inpaint", "digits", "--out", str(out), "--limit", "300", "--epochs", "2",
            "--latent-dim", "8", "--option", "channels=[4,8]", "--option", "mode=random_block", "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_test"] == 30 and metrics["corruption"]["mode"] == "random_block"
    assert metrics["psnr_corrupted"] > 0 and (out / "restoration.png").stat().st_size > 1000
    assert aekit.load_model(out / "model").corruption.config() == metrics["corruption"]
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2 and "already exists" in again.output
    # the trained model restores the user's own images (aekit restore-images), keeping known pixels
    from sklearn.datasets import load_digits

    images = (load_digits().images[:5, None] / 16).astype(np.float32)
    mask = np.zeros_like(images, dtype=bool)
    mask[:, :, 2:6, 2:6] = True
    holed = np.where(mask, 0.5, images)
    np.save(tmp_path / "holed.npy", holed)
    np.save(tmp_path / "mask.npy", mask)
    restored_file = tmp_path / "restored.npy"
    result = CliRunner().invoke(main, ["restore-images", str(out), str(tmp_path / "holed.npy"), "--mask",
                                       str(tmp_path / "mask.npy"), "--out", str(restored_file)])
    assert result.exit_code == 0, result.output
    restored = np.load(restored_file)
    assert restored.shape == (5, 1, 8, 8) and np.array_equal(restored[~mask], holed[~mask])
    assert not np.allclose(restored[mask], 0.5)  # the hole was filled by the model


def _zero_last_layer(model):
    last = [m for m in model.decoder.modules() if getattr(m, "weight", None) is not None][-1]
    with torch.no_grad():
        for p in last.parameters():
            p.zero_()


@pytest.mark.parametrize("likelihood", ["gaussian", "bernoulli"])
def test_input_skip_passes_what_the_decoder_leaves_alone(tmp_path, likelihood):
    model = aekit.create_model("superres", (3, 8, 8), latent_dim=4, channels=(4, 8), likelihood=likelihood)
    assert model.input_skip
    _zero_last_layer(model)
    x = torch.rand(4, 3, 8, 8) * 0.98 + 0.01
    torch.testing.assert_close(model.eval().reconstruct(x), x, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="input_skip"):
        model.decode(torch.zeros(2, 4))
    aekit.save_model(model, tmp_path / "m")
    torch.testing.assert_close(aekit.load_model(tmp_path / "m").reconstruct(x), model.reconstruct(x))
    plain = aekit.create_model("superres", (3, 8, 8), latent_dim=4, channels=(4, 8), input_skip=False)
    assert not plain.input_skip and plain.decode(torch.zeros(2, 4)).shape == (2, 3, 8, 8)
    with pytest.raises(ValueError, match="input_skip=True needs"):
        aekit.create_model("superres", (3, 8, 8), likelihood="categorical")


@pytest.mark.slow
def test_input_skip_beats_the_bottleneck_where_the_input_is_mostly_right(digits_images):
    """Super-resolution x2 on digits, same network and budget: with the skip the output beats the
    low-resolution input; through the bottleneck alone it must rebuild every pixel."""
    X = digits_images[0]
    psnr = {}
    for skip in (True, False):
        torch.manual_seed(0)
        model = aekit.create_model("superres", (1, 8, 8), latent_dim=16, architecture="mlp", hidden_dims=(64,),
                                   input_skip=skip)
        aekit.fit(model, X[:1400], aekit.TrainConfig(epochs=15, lr=3e-3, batch_size=64, progress=False,
                                                     early_stopping=None, validation_split=0))
        psnr[skip] = evaluate_restoration(model, X[1400:], seed=0)
    assert psnr[True]["psnr_restored"] > psnr[True]["psnr_corrupted"] + 1.0, psnr
    assert psnr[True]["psnr_restored"] > psnr[False]["psnr_restored"], psnr
