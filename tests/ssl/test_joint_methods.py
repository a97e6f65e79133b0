"""MoCo, Barlow Twins, VICReg (losses by hand), multi-crop views, and bring-your-own backbones."""

import math

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch import nn

import aekit
from aekit import TrainConfig, fit
from aekit.cli import main
from aekit.objectives.contrastive import info_nce
from aekit.objectives.ssl_losses import (
    barlow_twins_loss,
    barlow_twins_terms,
    vicreg_loss,
    vicreg_terms,
)
from aekit.ssl import (
    BACKBONES,
    create_method,
    list_methods,
    make_backbone,
    save_backbone,
)
from aekit.ssl.views import local_crop_steps

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models: a second thread only adds synchronisation

CONV = {"backbone_options": {"out_features": 16, "channels": [8]}}


# -- losses by hand ------------------------------------------------------------------------------
def test_barlow_twins_by_hand():
    z = torch.tensor([[1.0, 2.0], [-1.0, -2.0]])  # both features standardise to (1, -1)
    on, off = barlow_twins_terms(z, z)
    assert on.item() == pytest.approx(0.0, abs=1e-4) and off.item() == pytest.approx(2.0, abs=1e-4)  # C = all ones
    flipped = z * torch.tensor([1.0, -1.0])  # C = [[1, -1], [-1, -1]]: C_22 = -1 costs (1 - -1)^2
    on, off = barlow_twins_terms(z, flipped)
    assert on.item() == pytest.approx(4.0, abs=1e-4) and off.item() == pytest.approx(2.0, abs=1e-4)
    assert barlow_twins_loss(z, flipped, off_diagonal_weight=0.5).item() == pytest.approx(4.0 + 0.5 * 2.0, abs=1e-4)


def test_vicreg_by_hand():
    z = torch.tensor([[0.0, 0.0], [2.0, 2.0]])
    # no difference; each feature's std sqrt(2) > 1; covariance [[2, 2], [2, 2]]: 2 * 2^2 / 2 per view
    inv, var, cov = vicreg_terms(z, z)
    assert (inv.item(), var.item(), cov.item()) == (0.0, 0.0, pytest.approx(8.0))
    z1, z2 = torch.tensor([[0.0, 0.0], [1.0, 0.0]]), torch.tensor([[0.0, 1.0], [1.0, 1.0]])
    inv, var, cov = vicreg_terms(z1, z2)
    # stds sqrt(0.5 + 1e-4) and sqrt(1e-4) in both views; the constant feature has no covariance
    hinge = ((1 - math.sqrt(0.5001)) + (1 - 0.01)) / 2
    assert inv.item() == pytest.approx(0.5) and var.item() == pytest.approx(hinge, abs=1e-5) and cov.item() == 0.0
    assert vicreg_loss(z1, z2, 2.0, 3.0, 4.0).item() == pytest.approx(2 * 0.5 + 3 * hinge, abs=1e-5)


def test_info_nce_with_queue_negatives_by_hand():
    q, k = torch.tensor([[1.0, 0.0]]), torch.tensor([[2.0, 0.0]])
    queue = torch.tensor([[0.0, 3.0], [-1.0, 0.0]])  # cosines 1 (positive), 0 and -1
    expected = -math.log(math.e / (math.e + 1 + math.exp(-1)))
    assert info_nce(q, k, 1.0, queue).item() == pytest.approx(expected, abs=1e-6)
    assert info_nce(q, k, 0.5, queue[:0]).item() == pytest.approx(0.0, abs=1e-6)  # an empty queue adds nothing


# -- MoCo ------------------------------------------------------------------------------------------
def test_moco_queue_is_circular_and_keys_come_from_the_momentum_encoder():
    torch.manual_seed(0)
    moco = create_method("moco", (1, 8, 8), queue_size=6, augment="none", **CONV)
    assert moco.queue.shape == (6, 128) and torch.allclose(moco.queue.norm(dim=1), torch.ones(6))
    assert not any(p.requires_grad for p in moco.target_backbone.parameters())
    x = torch.rand(2, 1, 8, 8)
    moco.loss(x)  # 4 keys (two views of 2 images) into rows 0-3
    with torch.no_grad():
        keys = nn.functional.normalize(moco.target_projector(moco.target_backbone(torch.cat([x, x]))), dim=1)
    assert int(moco.queue_next) == 4 and torch.allclose(moco.queue[:4], keys, atol=1e-6)
    moco.loss(x)  # 4 more: rows 4, 5, then 0, 1
    assert int(moco.queue_next) == 2 and torch.allclose(moco.queue[4:], keys[:2], atol=1e-6)
    moco.eval()
    before = moco.queue.clone()
    moco.loss(x)
    assert torch.equal(moco.queue, before)  # evaluation leaves the queue alone
    with pytest.raises(ValueError, match="queue_size must be an int >= 0"):
        create_method("moco", (1, 8, 8), queue_size=-1, **CONV)
    with pytest.raises(ValueError, match="predictor must end with linear:128"):
        create_method("moco", (1, 8, 8), predictor=["linear:64"], **CONV)


def test_moco_v3_style_has_no_queue_and_a_predictor():
    v3 = create_method("moco", (1, 8, 8), queue_size=0, predictor=["linear:32", "relu", "linear:128"], **CONV)
    assert v3.queue.shape == (0, 128) and v3.predictor.out_features == 128
    assert torch.isfinite(v3.loss(torch.rand(4, 1, 8, 8)).total)


def test_new_methods_are_registered_and_validate_options():
    assert {"moco", "barlow_twins", "vicreg", "triplet"} <= set(list_methods())
    help_text = CliRunner().invoke(main, ["pretrain", "--help"], terminal_width=300).output
    assert all(name in help_text for name in ("moco", "barlow_twins", "vicreg"))
    with pytest.raises(ValueError, match="off_diagonal_weight must be a number >= 0"):
        create_method("barlow_twins", (1, 8, 8), off_diagonal_weight=-1.0, **CONV)
    with pytest.raises(ValueError, match="variance_weight must be a number >= 0"):
        create_method("vicreg", (1, 8, 8), variance_weight="big", **CONV)
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        create_method("moco", (1, 8, 8), temperature=0, **CONV)


# -- multi-crop ------------------------------------------------------------------------------------
def test_local_crops_use_the_small_scale():
    steps = [{"name": "random_resized_crop", "scale": [0.2, 1.0]}, {"name": "horizontal_flip"}]
    assert local_crop_steps(steps, (0.05, 0.4)) == [
        {"name": "random_resized_crop", "scale": [0.05, 0.4]}, {"name": "horizontal_flip"}]
    assert local_crop_steps([], (0.1, 0.2)) == [{"name": "random_resized_crop", "scale": [0.1, 0.2]}]
    m = create_method("simclr", (1, 8, 8), augment="none", n_local_crops=3, local_crop_scale=[0.1, 0.1], **CONV)
    img = torch.zeros(1, 1, 8, 8)
    img[..., :4, :] = 1.0
    views = m.views(img.expand(40, -1, -1, -1))
    assert views.shape == (200, 1, 8, 8)
    assert torch.equal(views[:80], img.expand(80, -1, -1, -1))  # global views: augment "none"
    local_means = views[80:].mean((1, 2, 3))
    assert (local_means < 0.2).any() and (local_means > 0.8).any()  # 10% crops often fall in one half


def test_pairs_and_their_mean_by_hand():
    m = create_method("byol", (1, 8, 8), n_local_crops=1, **CONV)
    assert m.view_pairs() == [(0, 1), (0, 2), (1, 0), (1, 2)]
    assert create_method("vicreg", (1, 8, 8), n_local_crops=1, **CONV).view_pairs() == [(0, 1), (0, 2), (1, 2)]
    online = torch.tensor([[1.0], [2.0], [3.0]])  # one row per view (B = 1)
    targets = torch.tensor([[10.0], [20.0]])
    out = m.mean_over_pairs(lambda t, o: (t * o).sum(), targets, online)
    assert out["loss"].item() == pytest.approx((10 * 2 + 10 * 3 + 20 * 1 + 20 * 3) / 4)


def test_momentum_targets_read_only_the_global_views():
    seen = []
    for name in ("byol", "dino", "moco"):
        m = create_method(name, (1, 8, 8), n_local_crops=2, **CONV)
        target = m.teacher_backbone if name == "dino" else m.target_backbone
        hook = target.register_forward_hook(lambda mod, inp, out: seen.append(len(inp[0])))
        m.loss(torch.rand(5, 1, 8, 8))
        hook.remove()
    assert seen == [10, 10, 10]


def test_multi_crop_errors():
    with pytest.raises(ValueError, match="n_local_crops needs images"):
        create_method("simclr", (16,), n_local_crops=2)
    with pytest.raises(ValueError, match="n_local_crops must be an int >= 0"):
        create_method("vicreg", (1, 8, 8), n_local_crops=-1, **CONV)
    with pytest.raises(ValueError, match="local_crop_scale"):
        create_method("barlow_twins", (1, 8, 8), n_local_crops=2, local_crop_scale=[0.5, 0.1], **CONV)


@pytest.mark.slow
def test_multi_crop_training_lowers_the_loss(digits_images):
    X = torch.as_tensor(digits_images[0][:256])
    model = create_method("byol", (1, 8, 8), n_local_crops=2, augment="light", **CONV)
    config = TrainConfig(epochs=5, batch_size=64, lr=3e-3, validation_split=0.0, early_stopping=None, progress=False)
    losses = fit(model, X, config)["train_total"]
    assert np.mean(losses[-2:]) < 0.9 * losses[0], losses


# -- bring your own backbone -----------------------------------------------------------------------
def _my_net():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 12))


def test_module_backbone_width_found_by_a_dry_forward():
    net = _my_net()
    m = create_method("vicreg", (1, 8, 8), backbone=net)
    assert m.backbone is net and m.feature_dim == 12 and net.training  # the probe left its mode alone
    assert m.spec is None and m.loss(torch.rand(4, 1, 8, 8)).total.isfinite()
    with pytest.raises(ValueError, match="cannot be rebuilt from JSON.*register_backbone"):
        save_backbone(m, "unused")
    with pytest.raises(ValueError, match="backbone_options .* nn.Module instance"):
        make_backbone((1, 8, 8), _my_net(), {"out_features": 3})
    with pytest.raises(ValueError, match=r"shape \(batch, features\).*returned \(2, 4, 8, 8\)"):
        make_backbone((1, 8, 8), nn.Conv2d(1, 4, 3, padding=1))
    with pytest.raises(ValueError, match="failed on a batch of shape \\(2, 1, 8, 8\\)"):
        make_backbone((1, 8, 8), nn.Sequential(nn.Linear(10, 3)))  # rows of 8 values, not 10


def test_module_backbone_in_the_estimator(digits_flat, tmp_path):
    X, _ = digits_flat
    net = _my_net()
    before = [p.clone() for p in net.parameters()]
    est = aekit.SelfSupervised("barlow_twins", backbone=net, input_shape=(1, 8, 8), epochs=1).fit(X[:128])
    assert est.transform(X[:10]).shape == (10, 12)
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))  # fit trained a copy
    assert any(not torch.equal(a, b) for a, b in zip(before, est.backbone_.parameters()))
    with pytest.raises(ValueError, match="register_backbone"):
        est.save(tmp_path / "m")
    assert not (tmp_path / "m").exists()


@pytest.mark.slow
def test_registered_backbone_everywhere(digits_flat, tmp_path):
    X, _ = digits_flat

    def flat_mlp(shape, width=12):
        return nn.Sequential(nn.Flatten(), nn.Linear(int(np.prod(shape)), width))

    with BACKBONES.temporary("flat-mlp", flat_mlp):
        assert aekit.register_backbone is not None and "flat-mlp" in aekit.list_backbones()
        est = aekit.SelfSupervised("vicreg", backbone="flat-mlp", backbone_options={"width": 6}, epochs=1)
        Z = est.fit(X[:128]).transform(X[:8])
        assert Z.shape == (8, 6)
        est.save(tmp_path / "m")  # saved by name and options; rebuilt from the registry
        assert np.allclose(aekit.SelfSupervised.load(tmp_path / "m").transform(X[:8]), Z, atol=1e-6)
        np.save(tmp_path / "x.npy", X[:64])
        res = CliRunner().invoke(main, ["pretrain", str(tmp_path / "x.npy"), "--method", "moco", "--backbone",
                                        "flat-mlp", "--epochs", "1", "--quiet", "--out", str(tmp_path / "cli")])
        assert res.exit_code == 0, res.output
        assert "backbone (12 features)" in res.output  # no feature_map: the output vector
    aekit.register_backbone("flat-mlp-2", flat_mlp)
    try:
        assert make_backbone((64,), "flat-mlp-2").out_features == 12
    finally:
        BACKBONES.unregister("flat-mlp-2")


def test_dino_defaults_to_crop_and_flip_on_grey_images_and_the_shared_pipeline_elsewhere():
    from aekit.ssl import create_method
    from aekit.transforms.augment import PRESETS

    assert create_method("dino", (1, 8, 8), out_dim=8).augment.config() == PRESETS["small_gray"]
    assert create_method("dino", (3, 8, 8), out_dim=8).augment.config() == PRESETS["simclr"]
    assert create_method("simclr", (1, 8, 8)).augment.config() == PRESETS["simclr"]
    given = create_method("dino", (1, 8, 8), out_dim=8, augment="light").augment.config()
    assert given == PRESETS["light"]
