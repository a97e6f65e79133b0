"""Batched augmentations and block-list heads."""

import pytest
import torch

from aekit.ssl import Augment, make_backbone, make_head
from aekit.transforms.augment import (color_jitter, feature_corruption, gaussian_blur, grayscale, random_erasing,
                                     random_resized_crop)


def test_full_crop_is_identity_and_small_crop_zooms():
    x = torch.rand(4, 3, 8, 8)
    assert torch.allclose(random_resized_crop(x, scale=(1.0, 1.0), ratio=(1.0, 1.0)), x, atol=1e-5)
    img = torch.zeros(1, 1, 8, 8)
    img[..., :4, :] = 1.0  # top half white
    crops = random_resized_crop(img.expand(50, -1, -1, -1), scale=(0.05, 0.1))
    means = crops.mean((1, 2, 3))
    assert (means < 0.2).any() and (means > 0.8).any()  # some crops fall in one half only


def test_flip_grayscale_blur_jitter():
    x = torch.rand(6, 3, 8, 8)
    flipped = Augment([{"name": "horizontal_flip", "p": 1.0}])(x)
    assert torch.equal(flipped, x.flip(-1))
    g = grayscale(x, p=1.0)
    assert torch.allclose(g[:, 0], g[:, 1]) and torch.allclose(g[:, 0], 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2])
    const = torch.full((2, 1, 8, 8), 0.3)
    assert torch.allclose(gaussian_blur(const, p=1.0), const, atol=1e-6)  # blur keeps a constant image
    spike = torch.zeros(1, 1, 9, 9)
    spike[..., 4, 4] = 1.0
    blurred = gaussian_blur(spike, sigma=(1.0, 1.0), p=1.0, kernel_size=3)
    assert blurred.sum().item() == pytest.approx(1.0, abs=1e-5) and blurred.max() < 1.0
    assert torch.equal(color_jitter(x, p=0.0), x)
    out = color_jitter(x, p=1.0)
    assert out.min() >= 0 and out.max() <= 1 and not torch.allclose(out, x)


def test_random_erasing_blanks_one_rectangle_of_the_asked_area_in_every_channel():
    torch.manual_seed(0)
    x = torch.rand(400, 3, 20, 20) + 1.0  # no value is 0 before erasing
    out = random_erasing(x, p=1.0, scale=(0.1, 0.2), ratio=(0.5, 2.0))
    erased = out == 0
    assert torch.equal(erased[:, 0], erased[:, 1]) and torch.equal(erased[:, 0], erased[:, 2])
    frac = erased[:, 0].float().mean((1, 2))
    assert frac.min() >= 0.06 and frac.max() <= 0.25  # 0.1-0.2 of 400 pixels, up to rounding to whole pixels
    rows, cols = erased[:, 0].any(2), erased[:, 0].any(1)
    assert torch.equal(erased[:, 0].sum((1, 2)), rows.sum(1) * cols.sum(1))  # one filled rectangle each
    assert torch.equal(out[~erased], x[~erased])
    half = random_erasing(x, p=0.5, value=0.25)
    touched = (half == 0.25).flatten(1).any(1).float().mean()
    assert 0.4 < touched < 0.6
    assert torch.equal(random_erasing(x, p=0.0), x)
    for bad in ({"p": 1.5}, {"scale": (0.5, 0.2)}, {"ratio": (0.0, 1.0)}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            random_erasing(x, **bad)


def test_feature_corruption_draws_from_the_same_column():
    x = torch.arange(12.0).view(4, 3)
    out = feature_corruption(x, p=1.0)
    for j in range(3):
        assert set(out[:, j].tolist()) <= set(x[:, j].tolist())
    assert torch.equal(feature_corruption(x, p=0.0), x)


def test_augment_rejects_bad_steps():
    with pytest.raises(ValueError, match="preset"):
        Augment("strong")
    with pytest.raises(ValueError, match="'name'"):
        Augment([{"name": "solarize"}])


def test_heads_from_block_lists():
    head = make_head(16, ["linear:32", "batchnorm", "relu", "dropout:0.1", "linear:4", "l2norm"])
    out = head(torch.randn(5, 16))
    assert out.shape == (5, 4) and head.out_features == 4
    assert torch.allclose(out.norm(dim=1), torch.ones(5), atol=1e-5)
    with pytest.raises(ValueError, match="unknown"):
        make_head(16, ["conv:3"])
    with pytest.raises(ValueError, match="bad argument"):
        make_head(16, ["linear:many"])
    with pytest.raises(TypeError, match="list of strings"):
        make_head(16, "linear:4")


@pytest.mark.parametrize(
    "name, options, dim",
    [
        ("mlp", {"out_features": 12, "hidden_dims": [16]}, 12),
        ("conv", {"out_features": 12, "channels": [4]}, 12),
        ("resnet", {"channels": [4, 8], "pool_size": 2}, 32),
        ("vit", {"patch_size": 4, "dim": 8, "depth": 1, "heads": 2}, 8),
    ],
)
def test_backbones_by_name(name, options, dim):
    net = make_backbone((1, 8, 8), name, options)
    assert net(torch.rand(3, 1, 8, 8)).shape == (3, dim) and net.out_features == dim
    assert net.spec == {"name": name, "input_shape": [1, 8, 8], "options": options}


def test_backbone_errors():
    with pytest.raises(ValueError, match="backbone must be one of"):
        make_backbone((1, 8, 8), "vgg")
    with pytest.raises(ValueError, match="rejected its options"):
        make_backbone((1, 8, 8), "conv", {"widths": [3]})
    with pytest.raises(ValueError, match="patch_size"):
        make_backbone((1, 8, 8), "vit", {"patch_size": 3})
    with pytest.raises(ValueError, match="channels, height, width"):
        make_backbone((64,), "resnet")


def test_small_gray_preset_only_crops_and_flips():
    aug = Augment("small_gray")
    assert [s["name"] for s in aug.config()] == ["random_resized_crop", "horizontal_flip"]
    assert aug.config()[0]["scale"] == [0.3, 1.0]
    torch.manual_seed(0)
    const = torch.full((8, 1, 28, 28), 0.4)
    assert torch.allclose(aug(const), const, atol=1e-6)  # no brightness/contrast/blur step changes values
    x = torch.rand(8, 1, 28, 28)
    out = aug(x)
    assert out.shape == x.shape and not torch.allclose(out, x)
