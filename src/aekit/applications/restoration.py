"""Apply and evaluate restoration models (denoise, inpaint, colorize, superres, dewatermark).

A restoration model is an autoencoder trained with a corruption (see
:mod:`aekit.models.recipes_restoration`); restoring is reconstructing through the uncorrupted
path. :func:`evaluate_restoration` corrupts clean images with the model's own corruption and
reports PSNR/SSIM/MSE of the corrupted input and of the restored output against the clean
images, so a user sees at once whether the model helped.

Examples
--------
>>> import numpy as np, aekit
>>> from sklearn.datasets import load_digits
>>> X = (load_digits().data / 16).astype("float32").reshape(-1, 1, 8, 8)
>>> model = aekit.create_model("denoise", (1, 8, 8), std=0.5)
>>> config = aekit.TrainConfig(epochs=3, lr=3e-3, progress=False, early_stopping=None, validation_split=0)
>>> _ = aekit.fit(model, X[:1500], config)
>>> m = evaluate_restoration(model, X[1500:])
>>> m["psnr_restored"] > m["psnr_corrupted"]
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..evaluation.metrics import mse, psnr, ssim
from ..models.autoencoder import AutoencoderModel
from ..models.blockwise import infer_rows
from ..transforms.corruption import CorruptionSpec, make_corruption
from ..transforms.image_corruptions import BlockMask


def _model_of(model_or_estimator) -> AutoencoderModel:
    model = getattr(model_or_estimator, "model_", model_or_estimator)
    if not isinstance(model, AutoencoderModel):
        raise TypeError(
            "model_or_estimator must be an AutoencoderModel or a fitted aekit.Autoencoder, "
            f"got {type(model_or_estimator).__name__}"
        )
    return model


def _images(x, shape: tuple[int, ...], name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim == 2 and arr.shape[1] == int(np.prod(shape)):
        arr = arr.reshape(len(arr), *shape)
    if arr.shape[1:] != tuple(shape):
        raise ValueError(f"{name} must have shape (n, {', '.join(map(str, shape))}) or flat rows, got {arr.shape}")
    return arr


def restore(model_or_estimator, corrupted_images, *, mask=None) -> np.ndarray:
    """Reconstruct clean images from corrupted ones.

    Parameters
    ----------
    model_or_estimator : AutoencoderModel or fitted aekit.Autoencoder
        A model trained to undo a corruption.
    corrupted_images : array of shape (n, C, H, W) or (n, C*H*W)
    mask : bool array broadcastable to the images, optional
        True where pixels were hidden (inpainting): only those are replaced; known pixels are kept.

    Returns
    -------
    ndarray of shape (n, C, H, W), in the units of the input.
    """
    est = model_or_estimator if hasattr(model_or_estimator, "model_") else None
    model = _model_of(model_or_estimator)
    x = _images(corrupted_images, model.input_shape, "corrupted_images")
    if est is not None:  # the estimator applies its own scaling
        out = est.reconstruct(x.reshape(len(x), -1)).reshape(x.shape).astype(np.float32)
    elif len(x):  # fixed blocks of rows: an image's restoration does not depend on the others passed with it
        out = infer_rows(model.reconstruct, torch.from_numpy(x), module=model).float().numpy()
    else:
        out = np.empty_like(x)
    if mask is not None:
        out = np.where(np.asarray(mask, dtype=bool), out, x)
    return out


def corrupt_images(images, corruption: CorruptionSpec, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """Corrupt ``images`` (n, C, H, W) reproducibly; returns ``(corrupted, mask)``.

    ``mask`` is the boolean hidden-pixel mask (n, 1, H, W) for block/region masks, else ``None``.
    The global torch RNG is left as it was.
    """
    c = make_corruption(corruption)
    if c is None:
        raise ValueError("corruption must not be None: give a spec such as 'gaussian' or a model with a corruption")
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        with torch.no_grad():
            if isinstance(c, BlockMask):
                m = c.mask(x)
                return x.masked_fill(m, c.value).numpy(), m.numpy()
            return c(x).numpy(), None


def evaluate_restoration(model_or_estimator, clean_images, corruption: CorruptionSpec = None, *, seed: int = 0,
                         data_range: float = 1.0, keep_known: bool = True,
                         return_images: bool = False) -> dict[str, Any] | tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """PSNR, SSIM and MSE of the corrupted input and of the restored output against clean images.

    Parameters
    ----------
    model_or_estimator : AutoencoderModel or fitted aekit.Autoencoder
    clean_images : array (n, C, H, W) or flat rows, values in ``[0, data_range]``
    corruption : spec, optional
        Defaults to the model's own training corruption.
    seed : int
        Seeds the corruption, so two models are compared on the same corrupted images.
    keep_known : bool
        For masks, paste the restored hole into the known pixels (what inpainting delivers).
    return_images : bool
        Also return ``(corrupted, restored)`` arrays.

    Returns
    -------
    dict with ``psnr_corrupted``, ``psnr_restored``, ``ssim_*``, ``mse_*`` (means over images) and ``n``.
    """
    model = _model_of(model_or_estimator)
    spec = model.corruption if corruption is None else corruption
    clean = _images(clean_images, model.input_shape, "clean_images")
    corrupted, mask = corrupt_images(clean, spec, seed=seed)
    restored = restore(model_or_estimator, corrupted, mask=mask if keep_known else None)
    result: dict[str, Any] = {"n": len(clean)}
    for label, arr in (("corrupted", corrupted), ("restored", restored)):
        result.update({f"{k}_{label}": v for k, v in restoration_metrics(clean, arr, data_range).items()})
    return (result, corrupted, restored) if return_images else result


def restoration_metrics(clean, images, data_range: float = 1.0) -> dict[str, float]:
    """Mean ``psnr``, ``ssim`` and ``mse`` of ``images`` against ``clean``, after clipping to ``[0, data_range]``."""
    arr = np.clip(images, 0, data_range)
    return {"psnr": float(np.mean(psnr(arr, clean, data_range))), "ssim": float(np.mean(ssim(arr, clean, data_range))),
            "mse": float(np.mean(mse(arr, clean)))}


def save_restoration_figure(corrupted, restored, clean, path, n: int = 8, title: str | None = None) -> None:
    """Write a PNG with three rows of ``n`` images: input (corrupted), output (restored), target (clean)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [np.clip(np.asarray(a[:n], dtype=np.float32), 0, 1) for a in (corrupted, restored, clean)]
    n = len(rows[0])
    if n == 0:
        raise ValueError("no images to draw")
    fig, axes = plt.subplots(3, n, figsize=(1.1 * n, 3.6), squeeze=False)
    for r, (label, imgs) in enumerate(zip(("input", "output", "target"), rows)):
        for i in range(n):
            img = imgs[i]
            ax = axes[r, i]
            if img.shape[0] == 1:
                ax.imshow(img[0], cmap="gray", vmin=0, vmax=1)
            else:
                ax.imshow(np.transpose(img, (1, 2, 0)))
            ax.set_xticks([]), ax.set_yticks([])
            if i == 0:
                ax.set_ylabel(label)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
