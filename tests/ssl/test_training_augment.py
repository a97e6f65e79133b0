"""The ``augment`` option of the single-view methods (rotation, I-JEPA): applied to each training
batch before the method makes its targets, never in eval mode."""

import copy
import random

import pytest
import torch

from aekit.ssl import create_method

FLIP = [{"name": "horizontal_flip", "p": 1.0}]  # deterministic, so the two paths can be compared
CONV = {"backbone_options": {"out_features": 16, "channels": [8]}}
VIT = {"backbone_options": {"patch_size": 2, "dim": 16, "depth": 1, "heads": 2}}


def _loss(method, x, seed, augment=None):
    """The loss under a fixed seed; ``augment`` is applied first, drawing from the same generator
    (a flip with p=1 still draws its coin), as the method's own pipeline does."""
    torch.manual_seed(seed)
    random.seed(seed)
    if augment is not None:
        x = augment(x)
    return method.loss(x).total


@pytest.mark.parametrize("name, options", [("rotation", CONV), ("jepa", VIT)])
def test_augment_is_applied_in_training_only(name, options):
    torch.manual_seed(0)
    with_flip = create_method(name, (1, 8, 8), augment=FLIP, **options)
    plain = copy.deepcopy(with_flip)
    plain.augment = None
    x = torch.rand(6, 1, 8, 8)
    # training: the method sees the flipped images
    assert torch.equal(with_flip.augment(x), x.flip(-1))
    assert torch.allclose(_loss(with_flip, x, 1), _loss(plain, x, 1, augment=with_flip.augment), atol=1e-6)
    assert not torch.allclose(_loss(with_flip, x, 1), _loss(plain, x, 1), atol=1e-4)
    # eval: the images as they are
    with_flip.eval(), plain.eval()
    assert torch.allclose(_loss(with_flip, x, 2), _loss(plain, x, 2), atol=1e-6)


@pytest.mark.parametrize("name, options", [("rotation", CONV), ("jepa", VIT)])
def test_augment_default_is_none_and_presets_work(name, options):
    assert create_method(name, (1, 8, 8), **options).augment is None
    m = create_method(name, (1, 8, 8), augment="small_gray", **options)
    assert [s["name"] for s in m.augment.steps] == ["random_resized_crop", "horizontal_flip"]
    assert torch.isfinite(m.loss(torch.rand(4, 1, 8, 8)).total)


def test_unknown_augment_is_refused():
    with pytest.raises(ValueError, match="augment: augmentation preset must be one of"):
        create_method("rotation", (1, 8, 8), augment="sideways", **CONV)
    with pytest.raises(ValueError, match="augment: each augmentation step"):
        create_method("jepa", (1, 8, 8), augment=[{"name": "twist"}], **VIT)
