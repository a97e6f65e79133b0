"""Reader for folders of image files (Pillow)."""

from __future__ import annotations

import warnings
from collections import Counter
from os import PathLike
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from .bundle import DataBundle

__all__ = ["read_image_folder", "IMAGE_SUFFIXES"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
_GREY_MODES = {"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
# Modes with more than 8 bits per pixel: Pillow's convert("L") would clip
# them, so they are scaled by hand instead.
_DEEP_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
_PIL_ERRORS = (
    OSError,
    UnidentifiedImageError,
    ValueError,
    SyntaxError,
    Image.DecompressionBombError,
)


def _image_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in IMAGE_SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _parse_size(image_size: int | tuple[int, int] | None) -> tuple[int, int] | None:
    """Return (height, width) or None."""
    if image_size is None:
        return None
    size = (
        (image_size, image_size) if isinstance(image_size, (int, np.integer)) else tuple(image_size)
    )
    if len(size) != 2 or not all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in size
    ):
        raise ValueError(
            f"image_size must be a positive int or a (height, width) pair, got {image_size!r}"
        )
    return int(size[0]), int(size[1])


def _parse_mode(color_mode: str | None) -> str | None:
    if color_mode is None:
        return None
    mode = str(color_mode).upper()
    if mode not in ("L", "RGB"):
        raise ValueError(f"color_mode must be 'L' (greyscale), 'RGB' or None, got {color_mode!r}")
    return mode


def _open(path: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow warns (not raises) on some odd files; we report real failures ourselves.
            warnings.simplefilter("ignore")
            return Image.open(path)
    except _PIL_ERRORS as exc:
        raise ValueError(f"cannot read image file '{path}': {exc}") from None


def _is_colour(img: Image.Image) -> bool:
    if img.mode in ("P", "PA"):
        # GIFs are palette images even when every entry is a shade of grey.
        pal = np.asarray(img.getpalette() or [], dtype=np.uint8).reshape(-1, 3)
        return bool(np.any(pal != pal[:, :1]))
    return img.mode not in _GREY_MODES


def _to_array(img: Image.Image, mode: str, hw: tuple[int, int]) -> np.ndarray:
    """Decode ``img`` into a float32 (C, H, W) array in [0, 1]."""
    size = (hw[1], hw[0])  # Pillow sizes are (width, height)
    if img.mode in _DEEP_MODES:
        arr = np.asarray(img, dtype=np.float32)
        if img.mode != "F":
            arr = arr / np.float32(65535)
        grey = Image.fromarray(np.clip(arr, 0, 1).astype(np.float32), mode="F")
        if grey.size != size:
            grey = grey.resize(size, Image.Resampling.BILINEAR)
        out = np.asarray(grey, dtype=np.float32)[None]
        return np.repeat(out, 3, axis=0) if mode == "RGB" else out
    conv = img.convert(mode)
    if conv.size != size:
        conv = conv.resize(size, Image.Resampling.BILINEAR)
    arr = np.asarray(conv, dtype=np.float32) / np.float32(255)
    return arr[None] if mode == "L" else arr.transpose(2, 0, 1)


def read_image_folder(
    path: str | PathLike[str],
    image_size: int | tuple[int, int] | None = None,
    color_mode: str | None = None,
) -> DataBundle:
    """Read every image under a folder into a ``(N, C, H, W)`` float32 bundle in [0, 1].

    Images in subfolders are labelled by subfolder (``class_a/`` -> 0,
    ``class_b/`` -> 1, ... sorted by name, searched recursively) and the names
    are kept in ``label_names``; images directly in ``path`` are unlabelled
    (``y`` is None). Mixing the two is an error. Hidden files and folders and
    files that are not images (by suffix) are ignored.

    Parameters
    ----------
    path : str or path-like
        The folder.
    image_size : int or (height, width), optional
        Resize every image to this size. By default images are resized to the
        most common size in the folder.
    color_mode : {"L", "RGB"}, optional
        Convert every image to greyscale (1 channel) or RGB (3 channels). By
        default RGB if any image is in colour, else greyscale.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> pets = Path(tempfile.mkdtemp())
    >>> for label in ("cat", "dog"):
    ...     (pets / label).mkdir()
    ...     Image.new("RGB", (40, 30), "orange").save(pets / label / "1.png")
    >>> b = read_image_folder(pets, image_size=32)
    >>> b.X.shape, b.label_names
    ((2, 3, 32, 32), ['cat', 'dog'])
    """
    folder = Path(path)
    hw = _parse_size(image_size)
    mode = _parse_mode(color_mode)
    if not folder.exists():
        raise FileNotFoundError(f"image folder '{folder}' does not exist")
    if not folder.is_dir():
        raise ValueError(f"image folder '{folder}' is a file, expected a directory of images")
    files = _image_files(folder)
    if not files:
        raise ValueError(
            f"'{folder}' is not an image folder: no image files found in it or its "
            f"subfolders (supported: {', '.join(IMAGE_SUFFIXES)})"
        )
    classes = [f.relative_to(folder).parts[0] if f.parent != folder else None for f in files]
    names = sorted({c for c in classes if c is not None})
    if names and None in classes:
        loose = next(f.name for f, c in zip(files, classes, strict=True) if c is None)
        raise ValueError(
            f"'{folder}' has images both directly inside it (e.g. '{loose}') and in class "
            f"subfolders {names}; put every image in a class subfolder, or none"
        )

    # Headers first (cheap: Pillow decodes lazily) to pick the common size and mode.
    sizes: Counter[tuple[int, int]] = Counter()
    colour = False
    for f in files:
        img = _open(f)
        try:
            with img:
                sizes[(img.height, img.width)] += 1
                colour = colour or _is_colour(img)
        except _PIL_ERRORS as exc:
            raise ValueError(f"cannot read image file '{f}': {exc}") from None
    hw = hw or sizes.most_common(1)[0][0]
    mode = mode or ("RGB" if colour else "L")

    X = np.empty((len(files), 3 if mode == "RGB" else 1, *hw), dtype=np.float32)
    for i, f in enumerate(files):
        img = _open(f)
        try:
            with img:
                X[i] = _to_array(img, mode, hw)
        except _PIL_ERRORS as exc:
            raise ValueError(f"cannot read image file '{f}': {exc}") from None
    name = folder.resolve().name
    if not names:
        return DataBundle(X, None, name)
    index = {n: k for k, n in enumerate(names)}
    y = np.array([index[c] for c in classes], dtype=np.int64)
    return DataBundle(X, y, name, label_names=names)
