"""Image corruptions for restoration: masks, grayscale, downsampling, watermarks."""

import pytest
import torch

from aekit.transforms.corruption import make_corruption
from aekit.transforms.image_corruptions import BlockMask, Downsample, Grayscale, Watermark


def test_center_mask_hides_the_central_block_and_fills_it():
    x = torch.rand(3, 2, 28, 28)
    m = BlockMask("center", size=0.5, value=0.25)
    y, weight = m.corrupt(x)
    assert weight is None  # visible_weight=1: the plain loss
    hidden = torch.zeros(28, 28, dtype=torch.bool)
    hidden[7:21, 7:21] = True
    assert torch.all(y[..., hidden] == 0.25)
    assert torch.equal(y[..., ~hidden], x[..., ~hidden])


def test_random_block_is_one_square_per_image_at_different_places():
    torch.manual_seed(1)
    m = BlockMask("random_block", size=0.25).mask(torch.zeros(16, 1, 28, 28))
    assert m.shape == (16, 1, 28, 28)
    for img in m[:, 0]:
        rows, cols = img.any(1).nonzero(), img.any(0).nonzero()
        assert img.sum() == 49 and len(rows) == 7 and len(cols) == 7  # a 7x7 square
    tops = {int(img.any(1).nonzero()[0]) for img in m[:, 0]}
    assert len(tops) > 3


def test_random_region_covers_at_most_the_block_area_and_is_seeded():
    x = torch.zeros(32, 1, 28, 28)
    torch.manual_seed(0)
    a = BlockMask("random_region", size=0.5, n_blocks=4).mask(x)
    torch.manual_seed(0)
    b = BlockMask("random_region", size=0.5, n_blocks=4).mask(x)
    assert torch.equal(a, b)
    area = a.flatten(1).sum(1)
    assert area.max() <= 196 and area.min() >= 49  # union of four 7x7 blocks
    assert area.float().std() > 0  # irregular: overlaps vary


def test_mask_weights_count_hidden_pixels_fully():
    x = torch.rand(2, 1, 8, 8)
    y, w = BlockMask("center", size=0.5, visible_weight=0.25).corrupt(x)
    assert w.shape == x.shape and set(w.unique().tolist()) == {0.25, 1.0}
    assert w.sum() == 2 * (16 * 1.0 + 48 * 0.25)
    # composing keeps the weights
    _, w2 = make_corruption([{"name": "block_mask", "visible_weight": 0.0}, {"name": "gaussian", "std": 0.1}]).corrupt(x)
    assert w2.sum() == 2 * 16


def test_grayscale_is_bt601_luminance_in_every_channel():
    x = torch.rand(4, 3, 5, 5)
    y = Grayscale()(x)
    lum = 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]
    for c in range(3):
        torch.testing.assert_close(y[:, c], lum)
    g = torch.rand(2, 1, 5, 5)
    assert torch.equal(Grayscale()(g), g)
    with pytest.raises(ValueError, match="1 or 3 channels"):
        Grayscale()(torch.rand(1, 2, 4, 4))


def test_downsample_averages_blocks_and_keeps_shape():
    x = torch.rand(3, 1, 8, 8)
    y = Downsample(2)(x)
    assert y.shape == x.shape
    block = x[:, :, :2, :2].mean(dim=(2, 3))
    torch.testing.assert_close(y[:, :, 1, 1], block)
    torch.testing.assert_close(y.mean(dim=(2, 3)), x.mean(dim=(2, 3)))
    assert len(y[0, 0].unique()) == 16  # 4x4 distinct values
    assert Downsample(2)(torch.rand(1, 1, 7, 7)).shape == (1, 1, 7, 7)


def test_watermark_is_seeded_blends_toward_value_and_covers_part_of_the_image():
    x = torch.zeros(8, 1, 28, 28)
    torch.manual_seed(3)
    a = Watermark(opacity=0.5)(x)
    torch.manual_seed(3)
    b = Watermark(opacity=0.5)(x)
    torch.manual_seed(4)
    c = Watermark(opacity=0.5)(x)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.min() == 0 and a.max() == pytest.approx(0.5)  # x*(1-a) + a*1 with a <= opacity
    covered = (a > 0).float().flatten(1).mean(1)
    assert covered.min() > 0.02 and covered.max() < 0.6
    assert make_corruption(Watermark(opacity=0.5).config()).config() == Watermark(opacity=0.5).config()


def test_image_corruptions_reject_vectors_and_bad_options():
    for c in (BlockMask(), Grayscale(), Downsample(), Watermark()):
        with pytest.raises(ValueError, match="needs images"):
            c(torch.rand(4, 64))
    with pytest.raises(ValueError, match="mode"):
        BlockMask("middle")
    with pytest.raises(ValueError, match="size"):
        BlockMask(size=1.5)
    with pytest.raises(ValueError, match="factor"):
        Downsample(0)
    with pytest.raises(ValueError, match="draws nothing"):
        Watermark(text_length=0, logo=False)
