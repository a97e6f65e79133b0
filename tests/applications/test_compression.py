"""Compression: quantizer round trip, bit packing, byte accounting, comparison with PCA."""

import numpy as np
import pytest
import torch

import aekit
from aekit.applications.compression import (
    UniformQuantizer, autoencoder_codec, compress, pca_codec, rate_distortion,
)


@pytest.mark.parametrize("bits", [3, 8, 12])
def test_round_trip_error_is_at_most_half_a_step(bits):
    rng = np.random.default_rng(bits)
    codes = rng.normal(size=(200, 5)) * [1, 10, 0.1, 3, 0]  # last dimension constant
    q = UniformQuantizer(bits).fit(codes)
    levels = q.quantize(codes)
    assert levels.min() == 0 and levels.max() == 2**bits - 1
    err = np.abs(q.dequantize(levels) - codes)
    half_step = (codes.max(0) - codes.min(0)) / (2**bits - 1) / 2
    assert np.all(err <= half_step + 1e-12)
    assert np.all(err[:, 4] == 0)
    # out of range values clip to the ends
    assert q.quantize(codes.max(0, keepdims=True) + 100).tolist() == [[2**bits - 1] * 5]
    assert q.quantize(codes.min(0, keepdims=True) - 100).tolist() == [[0] * 5]


def test_pack_unpack_is_exact_and_uses_ceil_bytes():
    q = UniformQuantizer(5).fit(np.array([[0.0] * 7, [1.0] * 7]))
    levels = np.random.default_rng(0).integers(0, 32, size=(10, 7))
    packed = q.pack(levels)
    assert packed.shape == (10, 5) and packed.dtype == np.uint8  # ceil(7 * 5 / 8)
    np.testing.assert_array_equal(q.unpack(packed, 7), levels)
    with pytest.raises(ValueError, match="bits"):
        UniformQuantizer(0)


@pytest.mark.slow
def test_byte_accounting_and_distortion_of_pca(digits_flat):
    X = digits_flat[0]
    r = compress(*pca_codec(X, 10), X, X, bits=8)
    assert (r.bytes_per_image, r.raw_bytes_per_image, r.compression_ratio, r.header_bytes) == (10, 64, 6.4, 80)
    assert compress(*pca_codec(X, 10), X, X, bits=3).bytes_per_image == 4  # ceil(30 / 8)
    lossless = compress(*pca_codec(X, 64), X, X, bits=16)
    assert lossless.psnr > 60 and lossless.mse < 1e-6
    coarse = compress(*pca_codec(X, 10), X, X, bits=2)
    assert coarse.mse > r.mse  # fewer bits, more distortion
    assert r.psnr == pytest.approx(10 * np.log10(1 / r.mse), abs=2)  # mean of per-image PSNR vs PSNR of the mean


@pytest.mark.slow
def test_rate_distortion_compares_at_equal_bytes(digits_flat):
    X = digits_flat[0][:600]
    torch.manual_seed(0)
    model = aekit.create_model("deep", (64,), latent_dim=6, hidden_dims=(32,))
    aekit.fit(model, X, aekit.TrainConfig(epochs=3, progress=False, early_stopping=None))
    encode, decode = autoencoder_codec(model)
    assert encode(X[:3]).shape == (3, 6) and decode(encode(X[:3])).shape == (3, 64)
    rows = rate_distortion((encode, decode), X, X, bits=8, pca_bits=(4, 8))
    assert [r["codec"] for r in rows] == ["autoencoder", "pca-4bit", "pca-8bit"]
    assert [r["n_dims"] for r in rows] == [6, 12, 6]
    assert all(r["bytes_per_image"] == 6 for r in rows)
