"""Folders of image files."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from aekit.data import load_data, read_image_folder


def save(path, array, mode=None, **kw):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array), mode=mode).save(path, **kw)
    return path


def grey(h, w, value):
    return np.full((h, w), value, dtype=np.uint8)


def test_flat_folder_greyscale_unlabelled(tmp_path):
    save(tmp_path / "b.png", grey(4, 5, 255))
    save(tmp_path / "a.png", grey(4, 5, 51))
    (tmp_path / "notes.txt").write_text("ignored")
    b = read_image_folder(tmp_path)
    assert b.X.shape == (2, 1, 4, 5) and b.X.dtype == np.float32 and b.is_image
    assert b.y is None and b.label_names is None and b.name == tmp_path.name
    # Sorted by file name: a.png first.
    np.testing.assert_allclose(b.X[:, 0, 0, 0], [0.2, 1.0], rtol=1e-6)


def test_class_subfolders_become_labels(tmp_path):
    save(tmp_path / "dog" / "1.png", grey(3, 3, 0))
    save(tmp_path / "cat" / "1.png", grey(3, 3, 0))
    save(tmp_path / "cat" / "deep" / "2.jpg", np.zeros((3, 3, 3), np.uint8))
    save(tmp_path / ".hidden" / "x.png", grey(3, 3, 0))
    b = load_data(tmp_path)
    assert b.label_names == ["cat", "dog"]
    assert b.y.dtype == np.int64 and sorted(b.y.tolist()) == [0, 0, 1]
    assert b.X.shape == (3, 3, 3, 3)  # one colour image -> everything RGB


def test_mixed_sizes_use_most_common_or_image_size(tmp_path):
    for i in range(3):
        save(tmp_path / f"s{i}.png", grey(6, 4, 100))
    save(tmp_path / "big.png", grey(12, 12, 100))
    assert read_image_folder(tmp_path).X.shape == (4, 1, 6, 4)
    assert load_data(tmp_path, image_size=8).X.shape == (4, 1, 8, 8)
    b = read_image_folder(tmp_path, image_size=(2, 3))
    assert b.X.shape == (4, 1, 2, 3)
    np.testing.assert_allclose(b.X, 100 / 255, rtol=1e-5)


def test_mixed_modes(tmp_path):
    save(tmp_path / "g.png", grey(4, 4, 255))
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[..., 3] = 255
    save(tmp_path / "r.png", rgba)
    save(tmp_path / "p.gif", grey(4, 4, 10), mode=None)
    b = read_image_folder(tmp_path)
    assert b.X.shape == (3, 3, 4, 4)
    np.testing.assert_allclose(b.X[0], 1.0)  # grey white replicated in RGB
    np.testing.assert_allclose(b.X[2, :, 0, 0], [1, 0, 0])
    b = read_image_folder(tmp_path, color_mode="L")
    assert b.X.shape == (3, 1, 4, 4) and 0.2 < b.X[2, 0, 0, 0] < 0.4  # luma of pure red
    assert read_image_folder(tmp_path, color_mode="rgb").X.shape[1] == 3


@pytest.mark.parametrize("suffix", [".jpg", ".jpeg", ".bmp", ".tif", ".webp", ".gif"])
def test_formats(tmp_path, suffix):
    save(tmp_path / f"a{suffix}", grey(5, 5, 128))
    b = read_image_folder(tmp_path)
    # Pillow decodes WebP as RGB whatever was saved, so it counts as colour.
    assert b.X.shape == (1, 3 if suffix == ".webp" else 1, 5, 5)
    assert abs(float(b.X.mean()) - 128 / 255) < 0.02


def test_sixteen_bit_png_is_scaled_not_clipped(tmp_path):
    save(tmp_path / "d.png", np.full((3, 3), 65535 // 2, dtype=np.uint16))
    b = read_image_folder(tmp_path)
    np.testing.assert_allclose(b.X, 0.5, atol=1e-3)


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="image folder '.*nope' does not exist"):
        read_image_folder(tmp_path / "nope")
    f = save(tmp_path / "x.png", grey(2, 2, 0))
    with pytest.raises(ValueError, match="is a file, expected a directory of images"):
        read_image_folder(f)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match=r"is not an image folder: no image files.*\.png"):
        read_image_folder(empty)
    with pytest.raises(ValueError, match="image_size must be a positive int"):
        read_image_folder(tmp_path, image_size=0)
    with pytest.raises(ValueError, match="color_mode must be 'L'"):
        read_image_folder(tmp_path, color_mode="CMYK")


def test_unreadable_image_is_named(tmp_path):
    save(tmp_path / "good.png", grey(2, 2, 0))
    (tmp_path / "broken.png").write_bytes(b"not really a png")
    with pytest.raises(ValueError, match=r"cannot read image file '.*broken\.png'"):
        read_image_folder(tmp_path)


def test_truncated_image_is_named(tmp_path):
    data = save(
        tmp_path / "t.png", np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)
    ).read_bytes()
    (tmp_path / "t.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"cannot read image file '.*t\.png'"):
        read_image_folder(tmp_path)


def test_loose_images_next_to_class_folders(tmp_path):
    save(tmp_path / "cls" / "a.png", grey(2, 2, 0))
    save(tmp_path / "stray.png", grey(2, 2, 0))
    with pytest.raises(
        ValueError,
        match=r"both directly inside it \(e\.g\. 'stray\.png'\) and in class subfolders \['cls'\]",
    ):
        read_image_folder(tmp_path)


def test_palette_gif_colour_detection(tmp_path):
    save(tmp_path / "grey" / "g.gif", grey(4, 4, 90))
    assert read_image_folder(tmp_path / "grey").X.shape == (1, 1, 4, 4)
    colour = np.zeros((4, 4, 3), np.uint8)
    colour[..., 2] = 200
    Image.fromarray(colour).convert("P", palette=Image.Palette.ADAPTIVE).save(tmp_path / "c.gif")
    (tmp_path / "c").mkdir()
    (tmp_path / "c.gif").rename(tmp_path / "c" / "c.gif")
    b = read_image_folder(tmp_path / "c")
    assert b.X.shape == (1, 3, 4, 4) and b.X[0, 2].min() > 0.7 and b.X[0, 0].max() < 0.1
