"""Lossy compression with an autoencoder: encode, quantize the code, decode; compare with PCA.

The code of each image is quantized uniformly per dimension to ``bits`` bits between that
dimension's minimum and maximum over the fitting data (stored once, as float32: the header), and
the bits are packed, so an image costs ``ceil(latent_dim * bits / 8)`` bytes. The raw image is
counted at one byte per pixel value (8-bit images). PCA coefficients are quantized the same way,
so :func:`rate_distortion` compares the two codecs at exactly the same bytes per image.

Examples
--------
>>> import numpy as np
>>> from sklearn.datasets import load_digits
>>> X = (load_digits().data / 16).astype("float32")
>>> report = compress(*pca_codec(X, 8), X, X, bits=8)
>>> report.bytes_per_image, report.compression_ratio
(8, 8.0)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
from sklearn.decomposition import PCA

from ..evaluation.metrics import mse, psnr

Codec = tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]


class UniformQuantizer:
    """Uniform scalar quantizer, one range per code dimension.

    ``fit`` stores per-dimension min/max; ``quantize`` maps a value to the nearest of ``2**bits``
    evenly spaced levels (values outside the range are clipped), so inside the range the
    round-trip error is at most half a step, ``(max - min) / (2**bits - 1) / 2``.

    Examples
    --------
    >>> q = UniformQuantizer(bits=2).fit(np.array([[0.0], [3.0]]))
    >>> q.dequantize(q.quantize(np.array([[1.2]]))).tolist()
    [[1.0]]
    """

    def __init__(self, bits: int = 8) -> None:
        if not isinstance(bits, int) or isinstance(bits, bool) or not 1 <= bits <= 16:
            raise ValueError(f"bits must be an int in [1, 16], got {bits!r}")
        self.bits = bits

    @property
    def levels(self) -> int:
        return 2**self.bits

    def fit(self, codes) -> "UniformQuantizer":
        codes = _matrix(codes, "codes")
        self.min_, self.max_ = codes.min(axis=0), codes.max(axis=0)
        return self

    def _step(self) -> np.ndarray:
        # constant dimensions get a unit step: every value maps to level 0 and back to min exactly
        span = self.max_ - self.min_
        return np.where(span > 0, span, 1.0) / (self.levels - 1)

    def quantize(self, codes) -> np.ndarray:
        """Integer levels in ``[0, 2**bits - 1]``, dtype uint16 (or uint8 for <= 8 bits)."""
        codes = _matrix(codes, "codes")
        q = np.rint((codes - self.min_) / self._step())
        return np.clip(q, 0, self.levels - 1).astype(np.uint8 if self.bits <= 8 else np.uint16)

    def dequantize(self, levels) -> np.ndarray:
        return self.min_ + np.asarray(levels, dtype=np.float64) * self._step()

    def pack(self, levels) -> np.ndarray:
        """Bit-pack each row of levels: (n, d) -> (n, ceil(d * bits / 8)) uint8, the stored bytes."""
        levels = np.asarray(levels, dtype=np.uint16)
        bits = (levels[..., None] >> np.arange(self.bits - 1, -1, -1, dtype=np.uint16)) & 1  # (n, d, bits)
        return np.packbits(bits.reshape(len(levels), -1).astype(np.uint8), axis=1)

    def unpack(self, packed, n_dims: int) -> np.ndarray:
        bits = np.unpackbits(np.asarray(packed, dtype=np.uint8), axis=1)[:, : n_dims * self.bits]
        weights = (1 << np.arange(self.bits - 1, -1, -1)).astype(np.uint32)
        return (bits.reshape(len(bits), n_dims, self.bits) * weights).sum(axis=2).astype(np.uint16)

    def header_bytes(self) -> int:
        """Bytes stored once per model: min and max per dimension as float32."""
        return 2 * 4 * len(self.min_)


def _matrix(x, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2 or not len(arr):
        raise ValueError(f"{name} must be a non-empty 2-D array (n, d), got shape {arr.shape}")
    return arr


@dataclass
class CompressionReport:
    """Rate and distortion of one codec on one data set."""

    n_dims: int  # code dimensions stored per image
    bits: int  # bits per code dimension
    bytes_per_image: int  # packed payload
    raw_bytes_per_image: int  # 8-bit pixels
    compression_ratio: float  # raw / payload
    header_bytes: int  # per-dimension ranges, stored once
    mse: float  # mean over images of the per-pixel squared error
    psnr: float  # mean over images, dB

    def as_dict(self) -> dict:
        return asdict(self)


def compress(encode: Callable, decode: Callable, X_fit, X, bits: int = 8, data_range: float = 1.0) -> CompressionReport:
    """Quantize the codes of ``X`` (ranges fit on ``encode(X_fit)``), decode, measure rate and distortion.

    ``X`` is flat rows (n, features) with values in ``[0, data_range]``; ``encode`` maps rows to
    codes (n, d) and ``decode`` codes back to rows. See :func:`autoencoder_codec` and :func:`pca_codec`.
    """
    X = _matrix(X, "X")
    quantizer = UniformQuantizer(bits).fit(encode(np.asarray(X_fit)))
    levels = quantizer.quantize(encode(X))
    packed = quantizer.pack(levels)
    decoded = np.clip(decode(quantizer.dequantize(quantizer.unpack(packed, levels.shape[1]))), 0, data_range)
    decoded = np.asarray(decoded, dtype=np.float64).reshape(X.shape)
    payload, raw = packed.shape[1], X.shape[1]
    return CompressionReport(
        n_dims=levels.shape[1], bits=bits, bytes_per_image=payload, raw_bytes_per_image=raw,
        compression_ratio=raw / payload, header_bytes=quantizer.header_bytes(),
        mse=float(np.mean(mse(decoded, X))), psnr=float(np.mean(psnr(decoded, X, data_range))),
    )


def pca_codec(X_fit, n_components: int) -> Codec:
    """PCA fit on ``X_fit``: project to ``n_components`` coefficients and back."""
    pca = PCA(n_components=n_components, random_state=0).fit(_matrix(X_fit, "X_fit"))
    return pca.transform, pca.inverse_transform


def autoencoder_codec(model_or_estimator) -> Codec:
    """Encode/decode functions on flat rows for a fitted ``aekit.Autoencoder`` or an ``AutoencoderModel``."""
    if hasattr(model_or_estimator, "model_"):
        est = model_or_estimator
        return est.transform, est.inverse_transform
    model = model_or_estimator
    if not hasattr(model, "encode") or not hasattr(model, "decode"):
        raise TypeError(f"model_or_estimator must be an autoencoder, got {type(model).__name__}")
    shape = tuple(model.input_shape)
    device = next(model.parameters()).device

    @torch.no_grad()
    def run(fn, x: np.ndarray, reshape: tuple[int, ...] | None) -> np.ndarray:
        model.eval()
        x = torch.from_numpy(np.asarray(x, dtype=np.float32))
        out = [fn((b if reshape is None else b.reshape(len(b), *reshape)).to(device)).float().cpu()
               for b in x.split(4096)]
        return torch.cat(out).flatten(1).numpy()

    return (lambda x: run(model.encode, x, shape)), (lambda z: run(model.decode, z, None))


def rate_distortion(codec: Codec, X_fit, X, bits: int = 8, pca_bits: tuple[int, ...] = (4, 6, 8)) -> list[dict]:
    """One row per codec at the autoencoder's bytes per image: the autoencoder, then PCA at each of
    ``pca_bits`` with as many components as fit in the same bytes.

    Examples
    --------
    >>> X = np.random.default_rng(0).random((50, 16))
    >>> [r["codec"] for r in rate_distortion(pca_codec(X, 4), X, X, pca_bits=(8,))]
    ['autoencoder', 'pca-8bit']
    """
    ae = compress(*codec, X_fit, X, bits)
    rows = [{"codec": "autoencoder", **ae.as_dict()}]
    n_features = _matrix(X, "X").shape[1]
    for b in pca_bits:
        k = min(ae.bytes_per_image * 8 // b, n_features, len(np.asarray(X_fit)))
        if k < 1:
            continue
        report = compress(*pca_codec(X_fit, k), X_fit, X, b)
        if report.bytes_per_image <= ae.bytes_per_image:
            rows.append({"codec": f"pca-{b}bit", **report.as_dict()})
    return rows


__all__ = ["CompressionReport", "UniformQuantizer", "autoencoder_codec", "compress", "pca_codec", "rate_distortion"]
