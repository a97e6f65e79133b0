import numpy as np
import pytest

from aekit.evaluation.metrics import auprc, auroc, mse, precision_at_n, psnr, ssim


def test_mse_and_psnr_per_sample():
    a = np.zeros((2, 4))
    b = np.array([[0.1] * 4, [0.0] * 4])
    np.testing.assert_allclose(mse(a, b), [0.01, 0.0])
    p = psnr(a, b)
    assert p[0] == pytest.approx(20.0) and np.isinf(p[1])


def test_ssim_identity_noise_and_reference_value():
    rng = np.random.default_rng(0)
    x = rng.random((3, 1, 16, 16))
    np.testing.assert_allclose(ssim(x, x), 1.0, atol=1e-12)
    noisy = np.clip(x + rng.normal(0, 0.2, x.shape), 0, 1)
    worse = np.clip(x + rng.normal(0, 0.5, x.shape), 0, 1)
    assert (ssim(x, worse) < ssim(x, noisy)).all() and (ssim(x, noisy) < 1).all()
    # constant images: SSIM reduces to the luminance term (2ab + c1) / (a^2 + b^2 + c1)
    a, b = np.full((1, 8, 8), 0.2), np.full((1, 8, 8), 0.6)
    c1 = 0.01**2
    assert ssim(a, b)[0] == pytest.approx((2 * 0.2 * 0.6 + c1) / (0.04 + 0.36 + c1))
    skimage = pytest.importorskip("skimage.metrics")
    ref = skimage.structural_similarity(x[0, 0], noisy[0, 0], data_range=1.0, gaussian_weights=True, sigma=1.5,
                                        use_sample_covariance=False)
    # with the paper's 11x11 window, scikit-image's SSIM to float precision (aekit's default window is 7x7)
    assert ssim(x[:1], noisy[:1], win_size=11)[0] == pytest.approx(ref, abs=1e-9)


def test_ranking_metrics():
    y = np.array([0, 0, 1, 1, 0])
    s = np.array([0.1, 0.2, 0.9, 0.3, 0.4])
    assert auroc(y, s) == pytest.approx(5 / 6)
    assert precision_at_n(y, s) == pytest.approx(0.5)
    assert precision_at_n(y, s, n=1) == 1.0
    assert 0 < auprc(y, s) <= 1
    with pytest.raises(ValueError, match="0 \\(normal\\) or 1"):
        auroc(np.array([0, 2]), np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="same length"):
        auroc(y, s[:3])
