"""I-JEPA's several target blocks per image and its choice of readout encoder (#19 item 2)."""

import numpy as np
import pytest
import torch

from aekit import SelfSupervised
from aekit.ssl import create_method, load_backbone, save_backbone
from aekit.ssl.jepa import blocks_split

VIT = {"patch_size": 2, "dim": 16, "depth": 1, "heads": 2}


def test_blocks_are_rectangles_and_the_context_is_outside_them():
    torch.manual_seed(0)
    context, targets = blocks_split(6, (5, 5), (2, 3), 3, "cpu")
    assert targets.shape == (6, 3, 6)
    rows, cols = targets // 5, targets % 5
    assert ((rows.amax(-1) - rows.amin(-1)) == 1).all() and ((cols.amax(-1) - cols.amin(-1)) == 2).all()
    for ctx, tgt in zip(context, targets):
        hidden = set(tgt.flatten().tolist())
        assert not hidden & set(ctx.tolist())  # never a hidden patch in the context
        assert len(set(ctx.tolist())) == len(ctx) and ctx.tolist() == sorted(ctx.tolist())
    # every image keeps as many context patches as the image with the fewest visible ones
    fewest = min(25 - len(set(t.flatten().tolist())) for t in targets)
    assert context.shape == (6, fewest)


def test_one_block_leaves_every_other_patch_as_context_in_order():
    torch.manual_seed(3)
    context, targets = blocks_split(4, (4, 4), (2, 2), 1, "cpu")
    for ctx, tgt in zip(context, targets[:, 0]):
        assert ctx.tolist() == sorted(set(range(16)) - set(tgt.tolist()))  # no patch dropped, none repeated


def test_blocks_that_could_hide_the_whole_image_are_refused():
    with pytest.raises(ValueError, match="n_targets"):
        create_method("jepa", (1, 8, 8), backbone_options=VIT, n_targets=3, block_scale=(0.2, 0.4))
    with pytest.raises(ValueError, match="leaving no context"):
        blocks_split(2, (2, 2), (2, 2), 1, "cpu")  # a block as large as the grid
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="n_targets must be a positive int"):
            create_method("jepa", (1, 8, 8), backbone_options=VIT, n_targets=bad)
    with pytest.raises(ValueError, match="readout must be 'context' or 'target'"):
        create_method("jepa", (1, 8, 8), backbone_options=VIT, readout="ema")


def test_several_targets_train_and_regress_each_block():
    torch.manual_seed(0)
    m = create_method("jepa", (1, 8, 8), backbone_options=VIT, n_targets=4, block_scale=(0.1, 0.2))
    out = m.loss(torch.rand(5, 1, 8, 8))
    out.total.backward()
    assert torch.isfinite(out.total) and m.backbone.patch_embed.weight.grad.abs().sum() > 0
    assert m.target_encoder.patch_embed.weight.grad is None  # the EMA copy gets no gradient


def test_target_readout_keeps_the_ema_encoder_trainable_and_saveable(tmp_path, digits_images):
    X = digits_images[0][:64]
    est = SelfSupervised("jepa", backbone_options=VIT, method_options={"readout": "target"}, epochs=2,
                         batch_size=32, random_state=0, verbose=0).fit(X)
    target = est.model_.target_encoder
    assert est.model_.readout_backbone is target and est.backbone_ is not est.model_.backbone
    for (name, p), q in zip(est.backbone_.named_parameters(), target.parameters()):
        assert torch.equal(p, q) and p.requires_grad, name  # a copy a user can fine-tune
    context = est.model_.backbone(torch.as_tensor(X[:4]))
    assert not torch.allclose(context, est.backbone_(torch.as_tensor(X[:4])))  # the EMA copy lags the context encoder
    save_backbone(est.model_, tmp_path / "b")
    loaded = load_backbone(tmp_path / "b")
    np.testing.assert_array_equal(loaded(torch.as_tensor(X[:4])).detach().numpy(),
                                  est.backbone_(torch.as_tensor(X[:4])).detach().numpy())



@pytest.mark.parametrize("loss, by_hand", [
    ("mse", lambda d: (d ** 2).mean()),
    ("smooth_l1", lambda d: torch.where(d.abs() < 1, 0.5 * d ** 2, d.abs() - 0.5).mean()),
])
def test_the_loss_option_compares_predictions_with_layer_normed_targets(monkeypatch, loss, by_hand):
    import aekit.ssl.jepa as jepa

    seen = {}
    chosen = jepa._LOSSES[loss]
    monkeypatch.setitem(jepa._LOSSES, loss, lambda pred, goal: seen.update(pred=pred, goal=goal) or chosen(pred, goal))
    torch.manual_seed(0)
    m = create_method("jepa", (1, 8, 8), backbone_options=VIT, loss=loss)
    got = m.loss(torch.rand(3, 1, 8, 8) * 4).parts["jepa"]
    d = (seen["pred"] - seen["goal"]).detach()
    assert d.abs().max() > 1  # both branches of smooth L1 are exercised
    torch.testing.assert_close(got.detach(), by_hand(d))
    goal = seen["goal"]
    torch.testing.assert_close(goal.mean(-1), torch.zeros(goal.shape[:-1]), atol=1e-5, rtol=0)
    torch.testing.assert_close(goal.var(-1, unbiased=False), torch.ones(goal.shape[:-1]), atol=1e-3, rtol=0)


def test_an_unknown_loss_is_refused():
    with pytest.raises(ValueError, match="loss must be one of"):
        create_method("jepa", (1, 8, 8), backbone_options=VIT, loss="l1")


def test_a_sincos_jepa_saves_and_loads_with_its_fixed_tables(tmp_path, digits_images):
    from aekit.ssl import load_method, save_method

    X = digits_images[0][:64]
    est = SelfSupervised("jepa", backbone_options={**VIT, "pos_embed": "sincos"}, epochs=1, batch_size=32,
                         random_state=0, verbose=0).fit(X)
    save_method(est.model_, tmp_path / "m")
    loaded = load_method(tmp_path / "m")
    assert loaded.backbone.pos_embed_kind == "sincos" and "predictor_pos" not in dict(loaded.named_parameters())
    x = torch.as_tensor(X[:4])
    np.testing.assert_array_equal(loaded.backbone(x).detach().numpy(), est.model_.backbone(x).detach().numpy())
