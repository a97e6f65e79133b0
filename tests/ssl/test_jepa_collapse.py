"""I-JEPA's anti-collapse options: data2vec-style averaged targets and C-JEPA's VICReg terms (#19)."""

import pytest
import torch
from torch.nn import functional as F

from aekit.nn.vit import SmallViT, gather_tokens, patchify
from aekit.objectives.ssl_losses import variance_covariance_terms, vicreg_terms
from aekit.ssl import create_method

VIT = {"patch_size": 2, "dim": 16, "depth": 3, "heads": 2}


def test_variance_covariance_terms_by_hand():
    # each feature's std sqrt(2) > 1: no hinge; covariance [[2, 2], [2, 2]]: 2 * 2^2 / 2
    variance, covariance = variance_covariance_terms(torch.tensor([[0.0, 0.0], [2.0, 2.0]]))
    assert (variance.item(), covariance.item()) == (0.0, pytest.approx(4.0))
    # stds sqrt(0.5 + 1e-4) and sqrt(1e-4); the constant feature has no covariance
    variance, covariance = variance_covariance_terms(torch.tensor([[0.0, 0.0], [1.0, 0.0]]))
    assert variance.item() == pytest.approx(((1 - 0.5001 ** 0.5) + (1 - 0.01)) / 2, abs=1e-6)
    assert covariance.item() == 0.0


def test_vicreg_terms_are_the_two_views_terms_combined():
    z1, z2 = torch.randn(8, 3), torch.randn(8, 3)
    (v1, c1), (v2, c2) = variance_covariance_terms(z1), variance_covariance_terms(z2)
    _, variance, covariance = vicreg_terms(z1, z2)
    torch.testing.assert_close(variance, (v1 + v2) / 2)
    torch.testing.assert_close(covariance, c1 + c2)


def test_block_outputs_end_where_tokens_begin_their_final_norm():
    torch.manual_seed(0)
    vit = SmallViT((1, 8, 8), **VIT).eval()
    x = torch.rand(2, 1, 8, 8)
    outputs = vit.block_outputs(x, 3)
    assert len(outputs) == 3 and all(o.shape == (2, 16, 16) for o in outputs)
    torch.testing.assert_close(vit.norm(outputs[-1]), vit.tokens(x))
    torch.testing.assert_close(vit.block_outputs(x, 1)[0], outputs[-1])
    with pytest.raises(ValueError, match="last must be an int in \\[1, 3\\]"):
        vit.block_outputs(x, 4)


def test_targets_average_the_last_blocks_each_layer_normed(monkeypatch):
    from aekit.ssl import jepa

    seen = {}
    monkeypatch.setitem(jepa._LOSSES, "mse", lambda pred, goal: seen.update(goal=goal) or F.mse_loss(pred, goal))
    original = jepa.blocks_split
    monkeypatch.setattr(jepa, "blocks_split", lambda *a, **k: seen.setdefault("split", original(*a, **k)))
    torch.manual_seed(0)
    m = create_method("jepa", (1, 8, 8), backbone_options=VIT, target_layers=2, n_targets=1)
    x = torch.rand(3, 1, 8, 8)
    m.eval()  # no EMA step, no augmentation: the target encoder is the one read below
    m.loss(x)
    # by hand: run the target encoder's blocks one by one
    enc = m.target_encoder
    h = enc.patch_embed(patchify(x, 2)) + enc.pos_embed
    outs = []
    for layer in enc.blocks.layers:
        h = layer(h)
        outs.append(F.layer_norm(h, (16,)))
    want = F.layer_norm((outs[-1] + outs[-2]) / 2, (16,))
    _, targets = seen["split"]
    torch.testing.assert_close(seen["goal"], gather_tokens(want, targets[:, 0]))


def test_the_variance_and_covariance_parts_are_the_weighted_terms_of_the_context_tokens(monkeypatch):
    from aekit.ssl import jepa

    seen = {}
    original = jepa.variance_covariance_terms
    monkeypatch.setattr(jepa, "variance_covariance_terms", lambda z: seen.setdefault("terms", (z, original(z)))[1])
    torch.manual_seed(0)
    m = create_method("jepa", (1, 8, 8), backbone_options=VIT, variance_weight=2.0, covariance_weight=0.5)
    parts = m.loss(torch.rand(4, 1, 8, 8)).parts
    z, (variance, covariance) = seen["terms"]
    assert z.shape[1] == 16 and z.shape[0] % 4 == 0 and z.requires_grad  # context tokens of 4 images, one per row
    torch.testing.assert_close(parts["variance"], 2.0 * variance)
    torch.testing.assert_close(parts["covariance"], 0.5 * covariance)
    torch.testing.assert_close(parts["total"], parts["jepa"] + parts["variance"] + parts["covariance"])
    published = create_method("jepa", (1, 8, 8), backbone_options=VIT, variance_weight=0, covariance_weight=0)
    assert set(published.loss(torch.rand(4, 1, 8, 8)).parts) == {"jepa", "total"}


def test_the_defaults_average_every_block_and_add_the_anti_collapse_terms():
    m = create_method("jepa", (1, 8, 8), backbone_options=VIT)
    assert (m.target_layers, m.variance_weight, m.covariance_weight) == (3, 2.0, 0.08)
    assert set(m.loss(torch.rand(4, 1, 8, 8)).parts) == {"jepa", "variance", "covariance", "total"}
    assert create_method("jepa", (1, 8, 8), backbone_options={**VIT, "depth": 1}).target_layers == 1
    assert m.spec["options"]["target_layers"] == "all"  # a saved method rebuilds for its own depth


def test_the_variance_term_spreads_collapsed_context_features():
    torch.manual_seed(0)
    m = create_method("jepa", (1, 8, 8), backbone_options=VIT, variance_weight=1.0)
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    x = torch.rand(16, 1, 8, 8)
    first = m.loss(x).parts["variance"].item()
    for _ in range(30):
        opt.zero_grad()
        m.loss(x).total.backward()
        opt.step()
    assert m.loss(x).parts["variance"].item() < 0.5 * first


@pytest.mark.parametrize("option, bad, message", [
    ("target_layers", 0, "target_layers must be 'all' or an int in \\[1, 3\\]"),
    ("target_layers", 4, "target_layers must be 'all' or an int in \\[1, 3\\]"),
    ("target_layers", 2.0, "target_layers must be 'all' or an int"),
    ("target_layers", "last", "target_layers must be 'all' or an int"),
    ("variance_weight", -1.0, "variance_weight must be a number >= 0"),
    ("covariance_weight", "x", "covariance_weight must be a number >= 0"),
])
def test_bad_anti_collapse_options_are_refused(option, bad, message):
    with pytest.raises(ValueError, match=message):
        create_method("jepa", (1, 8, 8), backbone_options=VIT, **{option: bad})
