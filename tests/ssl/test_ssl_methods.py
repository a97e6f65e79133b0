"""Every registered method trains through aekit.fit and its loss decreases; parts vs hand values."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from aekit import TrainConfig, fit
from aekit.ssl import EMATarget, create_method, list_methods, load_backbone, load_method, save_backbone, save_method
from aekit.objectives.ssl_losses import dino_loss, regression_loss
from aekit.ssl.inpainting import square_holes
from aekit.ssl.jepa import blocks_split
from aekit.ssl.jigsaw import hamming_permutations, min_hamming, shuffle_tiles
from aekit.ssl.masking import random_keep
from aekit.ssl.rotation import rotate_batch

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models: a second thread only adds synchronisation

CONV = {"backbone_options": {"out_features": 16, "channels": [8]}}
VIT = {"backbone_options": {"patch_size": 2, "dim": 16, "depth": 1, "heads": 2}}
OPTIONS = {
    "mae": VIT,
    "jepa": VIT,
    "masked_features": {"backbone_options": {"out_features": 16, "hidden_dims": [32]}},
    "jigsaw": {**CONV, "grid": 2, "n_permutations": 10},
    # a queue of real keys after the first batch (while random keys are replaced by real ones, the
    # negatives get harder and the loss climbs); crops and flips only: on 8x8 digits, MoCo makes
    # little headway in 24 steps through SimCLR's blur and jitter
    "moco": {**CONV, "queue_size": 128, "augment": "light"},
}


def _data(name, digits_images, digits_flat):
    X = torch.as_tensor(digits_images[0][:256])
    if name == "colorization":  # tint each digit with a random colour: something to predict
        return X.expand(-1, 3, -1, -1) * torch.rand(len(X), 3, 1, 1, generator=torch.Generator().manual_seed(0))
    if name == "masked_features":
        return torch.as_tensor(digits_flat[0][:256])
    return X


# the methods with a second network or a transformer take 0.2-0.35 s each to train here: the slow tier
SLOW_TO_TRAIN = {"barlow_twins", "byol", "dino", "jepa", "mae", "moco", "triplet", "vicreg"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_TO_TRAIN else n
                                  for n in list_methods()])
def test_method_trains_and_loss_decreases(name, digits_images, digits_flat):
    X = _data(name, digits_images, digits_flat)
    model = create_method(name, X.shape[1:], **OPTIONS.get(name, CONV))
    config = TrainConfig(epochs=6, batch_size=64, lr=3e-3, validation_split=0.0, early_stopping=None, progress=False)
    history = fit(model, X, config)
    losses = history["train_total"]
    assert all(math.isfinite(v) for v in losses)
    assert np.mean(losses[-2:]) < 0.97 * losses[0], losses
    feats = model.encode(X[:5])
    assert feats.shape == (5, model.feature_dim)


def test_registry_rejects_unknown_names_and_options():
    with pytest.raises(ValueError, match="method must be one of"):
        create_method("nope", (1, 8, 8))
    with pytest.raises(ValueError, match="rejected its options"):
        create_method("rotation", (1, 8, 8), temperature=0.1)
    with pytest.raises(ValueError, match="needs images"):
        create_method("rotation", (64,))
    with pytest.raises(ValueError, match="backbone='vit'"):
        create_method("mae", (1, 8, 8), backbone="conv")
    with pytest.raises(ValueError, match="RGB"):
        create_method("colorization", (1, 8, 8))


def test_rotation_labels_match_rot90():
    x = torch.arange(4.0).view(1, 1, 2, 2)
    views, labels = rotate_batch(x)
    assert labels.tolist() == [0, 1, 2, 3]
    assert views[1, 0].tolist() == [[1.0, 3.0], [0.0, 2.0]]  # 90 degrees counter-clockwise
    assert torch.equal(views[2], x[0].flip(-1).flip(-2))


def test_jigsaw_permutations_and_tiles():
    perms = hamming_permutations(2, 24)
    assert len({tuple(p) for p in perms}) == 24 and perms[0].tolist() == [0, 1, 2, 3]
    assert min_hamming(hamming_permutations(2, 4)) == 4  # four mutually disjoint derangements exist
    x = torch.arange(16.0).view(1, 1, 4, 4)
    p = torch.as_tensor(perms)
    assert torch.equal(shuffle_tiles(x, p, torch.tensor([0]), 2), x)
    swapped = shuffle_tiles(x, torch.tensor([[1, 0, 3, 2]]), torch.tensor([0]), 2)
    assert swapped[0, 0, 0].tolist() == [2.0, 3.0, 0.0, 1.0]  # left and right tiles exchanged


def test_index_splits_partition_the_patches():
    keep, hidden = random_keep(3, 16, 4, "cpu")
    assert keep.shape == (3, 4) and hidden.shape == (3, 12)
    assert all(sorted(torch.cat([k, h]).tolist()) == list(range(16)) for k, h in zip(keep, hidden))
    ctx, tgt = blocks_split(2, (4, 4), (2, 3), 1, "cpu")
    tgt = tgt[:, 0]
    assert ctx.shape == (2, 10) and tgt.shape == (2, 6)
    rows, cols = tgt // 4, tgt % 4
    assert ((rows.amax(1) - rows.amin(1)) == 1).all() and ((cols.amax(1) - cols.amin(1)) == 2).all()
    mask = square_holes(torch.zeros(5, 1, 8, 8), 3)
    assert mask.sum((1, 2, 3)).tolist() == [9.0] * 5


def test_small_losses_by_hand():
    # DINO: teacher softmax([1, 0]) against a uniform student: cross-entropy log 2
    loss = dino_loss(torch.zeros(1, 2), torch.tensor([[1.0, 0.0]]), torch.zeros(1, 2), 1.0, 1.0)
    assert loss.item() == pytest.approx(math.log(2))
    # centering removes a constant shift of the teacher
    assert dino_loss(torch.tensor([[2.0, 0.0]]), torch.tensor([[5.0, 5.0]]), torch.tensor([[5.0, 5.0]]), 1.0, 1.0).item() == pytest.approx(
        -math.log(1 / (1 + math.e**-2)) / 2 - math.log(math.e**-2 / (1 + math.e**-2)) / 2
    )
    # BYOL: 2 - 2 cos
    assert regression_loss(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 3.0]])).item() == pytest.approx(2.0)
    assert regression_loss(torch.tensor([[1.0, 1.0]]), torch.tensor([[2.0, 2.0]])).item() == pytest.approx(0.0, abs=1e-6)


def test_ema_update_by_hand():
    online, target = nn.Linear(1, 1), nn.Linear(1, 1)
    with torch.no_grad():
        online.weight.fill_(1.0), target.weight.fill_(3.0)
    EMATarget.update(target, online, 0.75)
    assert target.weight.item() == pytest.approx(0.75 * 3 + 0.25 * 1)


def test_byol_target_follows_online_and_simsiam_has_none(digits_images):
    X = torch.as_tensor(digits_images[0][:64])
    byol = create_method("byol", (1, 8, 8), momentum=0.5, **CONV)
    assert not any(p.requires_grad for p in byol.target_backbone.parameters())
    before = [p.clone() for p in byol.target_backbone.parameters()]
    fit(byol, X, TrainConfig(epochs=1, batch_size=32, validation_split=0.0, progress=False, early_stopping=None))
    assert any(not torch.equal(a, b) for a, b in zip(before, byol.target_backbone.parameters()))
    assert not hasattr(create_method("simsiam", (1, 8, 8), **CONV), "target_backbone")


def test_mae_loss_ignores_visible_patches(digits_images):
    X = torch.as_tensor(digits_images[0][:8])
    mae = create_method("mae", (1, 8, 8), mask_ratio=0.75, norm_pix=False, **VIT)
    assert mae.n_keep == 4  # 16 patches of 2x2, a quarter kept
    with torch.no_grad():
        mae.to_pixels.weight.zero_(), mae.to_pixels.bias.zero_()
    # the prediction is all zeros, so the loss is the mean square of the hidden pixels: between the
    # smallest and largest per-patch mean squares
    patch_sq = X.reshape(8, 1, 4, 2, 4, 2).permute(0, 2, 4, 1, 3, 5).reshape(8, 16, 4).pow(2).mean(-1)
    loss = mae.loss(X).total.item()
    assert patch_sq.min().item() <= loss <= patch_sq.max().item()


def test_save_and_load_backbone_and_method(tmp_path, digits_images):
    X = torch.as_tensor(digits_images[0][:16])
    model = create_method("rotation", (1, 8, 8), **CONV).eval()
    save_backbone(model, tmp_path / "bb")
    assert torch.allclose(load_backbone(tmp_path / "bb")(X), model.backbone(X))
    save_method(model, tmp_path / "m")
    loaded = load_method(tmp_path / "m")
    assert torch.allclose(loaded.encode(X), model.encode(X))
    assert torch.allclose(load_backbone(tmp_path / "m")(X), model.backbone(X))
    with pytest.raises(FileExistsError):
        save_backbone(model, tmp_path / "bb")
