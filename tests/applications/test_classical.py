"""Classical restoration baselines: each improves on its corrupted input where it should."""

import sys

import numpy as np
import pytest

from aekit.applications.classical import (
    classical_methods,
    classical_restore,
    default_grid,
    evaluate_classical,
    noise_std,
    select_classical,
)
from aekit.applications.restoration import corrupt_images, restoration_metrics

BLOCK = {"name": "block_mask", "mode": "center", "size": 0.5, "value": 0.5}


def smooth_images(n=8, side=16, channels=1, seed=0):
    """Low-frequency waves in [0.2, 0.8]: what interpolation and inpainting should restore well."""
    rng = np.random.default_rng(seed)
    u, v = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    phase = rng.uniform(0, 2 * np.pi, size=(n, channels, 2, 1, 1))
    waves = np.sin(2 * np.pi * u / side + phase[:, :, 0]) * np.cos(2 * np.pi * v / side + phase[:, :, 1])
    return (0.5 + 0.3 * waves).astype(np.float32)


def test_methods_by_task():
    assert classical_methods("denoise") == ["median", "nlm"]
    assert classical_methods("superres") == ["bicubic"]
    assert classical_methods("inpaint") == ["biharmonic", "fast_marching"]
    assert classical_methods("colorize") == []
    assert len(default_grid("nlm")) == 4 * 2 * 3 and default_grid("bicubic") == [{}]


def test_median_filter_removes_salt_and_pepper():
    clean = smooth_images()
    spec = {"name": "salt_and_pepper", "p": 0.1}
    m = evaluate_classical("median", clean, spec, params={"size": 3}, seed=1)
    assert m["psnr_corrupted"] < 20 and m["psnr_restored"] > m["psnr_corrupted"] + 10


def test_bicubic_beats_the_blocky_low_resolution_input():
    clean = smooth_images(channels=3)
    m = evaluate_classical("bicubic", clean, {"name": "downsample", "factor": 2})  # factor from the corruption
    assert m["psnr_restored"] > m["psnr_corrupted"] + 3


def test_bicubic_keeps_a_constant_image_and_handles_odd_sides():
    x = np.full((2, 1, 7, 9), 0.25, dtype=np.float32)
    np.testing.assert_allclose(classical_restore("bicubic", x, factor=2), x, atol=1e-6)


def test_noise_std_matches_the_noise():
    rng = np.random.default_rng(0)
    noisy = 0.5 + rng.normal(0, 0.2, size=(1, 64, 64))
    assert noise_std(noisy) == pytest.approx(0.2, rel=0.05)


def test_non_local_means_denoises():
    pytest.importorskip("skimage")
    clean = smooth_images(n=4, side=24)
    m = evaluate_classical("nlm", clean, {"name": "gaussian", "std": 0.2}, params={"h": 0.8}, seed=1)
    assert m["psnr_restored"] > m["psnr_corrupted"] + 5


# Measured gains on these waves: biharmonic +9.7 dB, fast marching (first-order, streaky) +3.4 dB.
@pytest.mark.parametrize("method, package, gain", [("biharmonic", "skimage", 7), ("fast_marching", "cv2", 2.5)])
def test_inpainting_fills_the_hole_and_keeps_known_pixels(method, package, gain):
    pytest.importorskip(package)
    clean = smooth_images(channels=3)
    m, corrupted, restored = evaluate_classical(method, clean, BLOCK, return_images=True)
    assert m["psnr_restored"] > m["psnr_corrupted"] + gain
    _, hidden = corrupt_images(clean, BLOCK)
    known = ~np.broadcast_to(hidden, clean.shape)
    np.testing.assert_array_equal(restored[known], corrupted[known])


def test_select_classical_chooses_the_best_validation_psnr():
    clean = smooth_images(n=6)
    spec = {"name": "salt_and_pepper", "p": 0.3}
    best, scores = select_classical("median", clean, spec, grid=[{"size": 1}, {"size": 3}, {"size": 5}])
    assert [params for params, _ in scores] == [{"size": 1}, {"size": 3}, {"size": 5}]
    assert best == max(scores, key=lambda s: s[1])[0] and best != {"size": 1}  # size 1 is no filter at all
    corrupted, _ = corrupt_images(clean, spec, seed=0)
    assert scores[0][1] == pytest.approx(restoration_metrics(clean, corrupted)["psnr"])


def test_clear_errors():
    x = smooth_images(n=2)
    with pytest.raises(ValueError, match="method must be one of"):
        classical_restore("wiener", x)
    with pytest.raises(ValueError, match="mask="):
        classical_restore("biharmonic", x)
    with pytest.raises(ValueError, match="size must be a positive int"):
        classical_restore("median", x, size=0)
    with pytest.raises(ValueError, match="shape"):
        classical_restore("median", x[0])


def test_missing_optional_package_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "skimage.restoration", None)  # import now raises ImportError
    with pytest.raises(ImportError, match="scikit-image"):
        classical_restore("nlm", smooth_images(n=1))
