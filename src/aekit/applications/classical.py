"""Classical restoration baselines: what a user tries before training an autoencoder.

Each method restores a batch of corrupted images ``(n, C, H, W)`` without learning:

- ``median`` (denoise): median filter of side ``size``; scipy (core).
- ``nlm`` (denoise): non-local means with ``h`` times the noise std found in each image
  (:func:`noise_std`), ``patch_size``, ``patch_distance``; scikit-image.
- ``bicubic`` (superres): keep one pixel per ``factor`` x ``factor`` block (the low-resolution
  image), resize it back with bicubic interpolation; Pillow (core).
- ``biharmonic`` (inpaint): biharmonic fill of the hidden pixels; scikit-image.
- ``fast_marching`` (inpaint): Telea's fast-marching fill with ``radius``; opencv-python-headless.

scikit-image and OpenCV are optional (``pip install aekit[bench]``); a method that needs one
raises an ImportError naming the package. Settings are chosen with :func:`select_classical` on
validation images (carved from the training images, never the test images), then
:func:`evaluate_classical` reports the same PSNR/SSIM/MSE as
:func:`aekit.applications.evaluate_restoration`, on the same corrupted images when given the
same corruption and seed.

Examples
--------
>>> import numpy as np
>>> from sklearn.datasets import load_digits
>>> X = (load_digits().data / 16).astype("float32").reshape(-1, 1, 8, 8)
>>> spec = {"name": "salt_and_pepper", "p": 0.2}
>>> best, scores = select_classical("median", X[:200], spec, grid=[{"size": 3}, {"size": 5}])
>>> best
{'size': 3}
>>> m = evaluate_classical("median", X[1500:], spec, params=best, seed=1)
>>> m["psnr_restored"] > m["psnr_corrupted"]
True
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..transforms.corruption import CorruptionSpec, make_corruption
from .restoration import corrupt_images, restoration_metrics


def _optional(module: str, package: str):
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f"this classical baseline needs {package}: pip install {package} "
                          "(or pip install 'aekit[bench]')") from err


def _median(x, mask, size: int = 3):
    from scipy.ndimage import median_filter

    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    # Filter each channel of each image on its own: (1, 1, size, size).
    return median_filter(x, size=(1, 1, size, size), mode="reflect")


def _nlm(x, mask, h: float = 0.8, patch_size: int = 5, patch_distance: int = 6):
    restoration = _optional("skimage.restoration", "scikit-image")
    out = np.empty_like(x)
    for i, img in enumerate(x):
        hwc = np.moveaxis(img, 0, -1).astype(np.float64)
        # skimage's own recipe: h and sigma from the noise std estimated on each image, so one
        # setting serves every noise level.
        sigma = noise_std(img)
        den = restoration.denoise_nl_means(hwc, h=h * sigma, sigma=sigma, patch_size=patch_size,
                                           patch_distance=patch_distance, fast_mode=True, channel_axis=-1)
        out[i] = np.moveaxis(den.reshape(hwc.shape), -1, 0)  # skimage drops a single channel axis
    return out


def noise_std(image) -> float:
    """Gaussian noise std of one image (C, H, W): median absolute Haar diagonal detail / 0.6745.

    Donoho's estimate, what ``skimage.restoration.estimate_sigma`` computes with its default
    Haar wavelet (averaged over channels), without needing PyWavelets.
    """
    x = np.asarray(image, dtype=np.float64)
    h, w = (x.shape[-2] // 2) * 2, (x.shape[-1] // 2) * 2
    x = x[..., :h, :w]
    detail = (x[..., 0::2, 0::2] - x[..., 0::2, 1::2] - x[..., 1::2, 0::2] + x[..., 1::2, 1::2]) / 2
    return float(np.mean(np.median(np.abs(detail).reshape(len(x), -1), axis=1) / 0.6745))


def _low_resolution_indices(side: int, factor: int) -> np.ndarray:
    """One index per low-resolution pixel: where nearest upsampling of ceil(side/factor) put it first."""
    low = -(-side // factor)
    nearest = np.floor(np.arange(side) * low / side).astype(int)
    return np.unique(nearest, return_index=True)[1]


def _bicubic(x, mask, factor: int = 2):
    from PIL import Image

    if not isinstance(factor, int) or isinstance(factor, bool) or factor < 1:
        raise ValueError(f"factor must be a positive int (the downsampling factor), got {factor!r}")
    h, w = x.shape[-2:]
    low = x[:, :, _low_resolution_indices(h, factor)][:, :, :, _low_resolution_indices(w, factor)]
    out = np.empty_like(x)
    for i, j in np.ndindex(*x.shape[:2]):
        # Pillow's bicubic (Keys, a=-0.5) on 32-bit float images, the usual super-resolution baseline.
        out[i, j] = np.asarray(Image.fromarray(np.ascontiguousarray(low[i, j]), mode="F").resize((w, h), Image.BICUBIC))
    return out


def _need_mask(mask, method: str) -> np.ndarray:
    if mask is None:
        raise ValueError(f"{method} inpainting needs mask= (True where pixels are hidden)")
    return np.asarray(mask, dtype=bool)


def _biharmonic(x, mask):
    hidden = _need_mask(mask, "biharmonic")  # the caller's mistake first, then a missing package
    restoration = _optional("skimage.restoration", "scikit-image")
    out = x.copy()
    for i, img in enumerate(x):
        m = np.array(hidden[i, 0])  # a writable copy: skimage's solver refuses read-only views
        if m.any():
            hwc = np.ascontiguousarray(np.moveaxis(img, 0, -1))
            out[i] = np.moveaxis(restoration.inpaint_biharmonic(hwc, m, channel_axis=-1).reshape(hwc.shape), -1, 0)
    return out


def _fast_marching(x, mask, radius: int = 3):
    hidden = _need_mask(mask, "fast_marching")  # the caller's mistake first, then a missing package
    cv2 = _optional("cv2", "opencv-python-headless")
    out = x.copy()
    for i, img in enumerate(x):
        m = hidden[i, 0].astype(np.uint8)
        if not m.any():
            continue
        for c in range(img.shape[0]):
            # OpenCV's float32 path returns noise in the hole (opencv-python-headless 5.1), so each
            # channel goes through 16 bits, scaled to its known pixels' range.
            lo, hi = float(img[c][m == 0].min(initial=0.0)), float(img[c][m == 0].max(initial=1.0))
            scale = max(hi - lo, 1e-12)
            q = np.round((np.clip(img[c], lo, hi) - lo) / scale * 65535).astype(np.uint16)
            filled = cv2.inpaint(q, m, float(radius), cv2.INPAINT_TELEA).astype(np.float32) / 65535 * scale + lo
            out[i, c] = np.where(m.astype(bool), filled, img[c])
    return out


# method -> (task, function, grid searched by select_classical by default)
_METHODS: dict[str, tuple[str, Callable, dict[str, list]]] = {
    "median": ("denoise", _median, {"size": [3, 5, 7]}),
    "nlm": ("denoise", _nlm, {"h": [0.4, 0.6, 0.8, 1.0], "patch_size": [3, 5], "patch_distance": [3, 6, 10]}),
    "bicubic": ("superres", _bicubic, {}),
    "biharmonic": ("inpaint", _biharmonic, {}),
    "fast_marching": ("inpaint", _fast_marching, {"radius": [1, 3, 5]}),
}


def classical_methods(task: str | None = None) -> list[str]:
    """Names of the classical baselines, all or those for ``task`` (denoise, superres, inpaint)."""
    return [name for name, (t, _, _) in _METHODS.items() if task is None or t == task]


def _method(method: str):
    if method not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)}, got {method!r}")
    return _METHODS[method]


def default_grid(method: str) -> list[dict[str, Any]]:
    """The settings :func:`select_classical` tries for ``method`` (every combination of its grid)."""
    grid = _method(method)[2]
    return [dict(zip(grid, values)) for values in itertools.product(*grid.values())]


def classical_restore(method: str, corrupted_images, *, mask=None, **params) -> np.ndarray:
    """Restore ``corrupted_images`` (n, C, H, W) with a classical method.

    ``mask`` (True where hidden, broadcastable to (n, 1, H, W)) is needed by the inpainting
    methods, which change only the hidden pixels; ``params`` are the method's settings (see the
    module table), e.g. ``size=3`` for ``median`` or ``factor=2`` for ``bicubic``.
    """
    _, fn, _ = _method(method)
    x = np.asarray(corrupted_images, dtype=np.float32)
    if x.ndim != 4:
        raise ValueError(f"corrupted_images must have shape (n, channels, height, width), got {x.shape}")
    if mask is not None:
        mask = np.broadcast_to(np.asarray(mask, dtype=bool), (len(x), 1, *x.shape[-2:]))
    return np.asarray(fn(x, mask, **params), dtype=np.float32)


def _corruption_params(method: str, corruption: CorruptionSpec) -> dict[str, Any]:
    """Settings a method takes from the corruption itself (the downsampling factor)."""
    c = make_corruption(corruption)
    config = c.config() if c is not None else {}
    return {"factor": config["factor"]} if method == "bicubic" and "factor" in config else {}


def _restore_corrupted(method, clean, corruption, params, seed):
    corrupted, mask = corrupt_images(clean, corruption, seed=seed)
    restored = classical_restore(method, corrupted, mask=mask, **{**_corruption_params(method, corruption), **params})
    return corrupted, restored


def select_classical(method: str, clean_images, corruption: CorruptionSpec, *, grid: list[dict] | None = None,
                     seed: int = 0, data_range: float = 1.0) -> tuple[dict[str, Any], list[tuple[dict, float]]]:
    """Choose ``method``'s settings by mean PSNR on ``clean_images`` corrupted with ``corruption``.

    Give validation images (e.g. carved from the training images), never the test images.
    Returns ``(best_params, [(params, mean_psnr), ...])`` in grid order; ties go to the first.
    """
    clean = np.asarray(clean_images, dtype=np.float32)
    scores = []
    for params in grid if grid is not None else default_grid(method):
        _, restored = _restore_corrupted(method, clean, corruption, params, seed)
        scores.append((dict(params), restoration_metrics(clean, restored, data_range)["psnr"]))
    if not scores:
        raise ValueError("grid must hold at least one setting")
    best = max(range(len(scores)), key=lambda i: (scores[i][1], -i))
    return scores[best][0], scores


def evaluate_classical(method: str, clean_images, corruption: CorruptionSpec, *, params: dict | None = None,
                       seed: int = 0, data_range: float = 1.0,
                       return_images: bool = False) -> dict[str, Any] | tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """PSNR, SSIM and MSE of the corrupted input and of ``method``'s output against clean images.

    The same keys as :func:`aekit.applications.evaluate_restoration`; with the same corruption
    and seed, both see exactly the same corrupted images.
    """
    clean = np.asarray(clean_images, dtype=np.float32)
    corrupted, restored = _restore_corrupted(method, clean, corruption, params or {}, seed)
    result: dict[str, Any] = {"n": len(clean)}
    for label, arr in (("corrupted", corrupted), ("restored", restored)):
        result.update({f"{k}_{label}": v for k, v in restoration_metrics(clean, arr, data_range).items()})
    return (result, corrupted, restored) if return_images else result
