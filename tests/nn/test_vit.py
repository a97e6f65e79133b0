import numpy as np
import torch

from aekit.evaluation import extract_features
from aekit.ssl import make_backbone


def test_vit_feature_map_lays_tokens_on_the_patch_grid_in_row_major_order():
    vit = make_backbone((1, 8, 12), "vit", {"patch_size": 4, "dim": 8, "depth": 1, "heads": 2}).eval()
    x = torch.rand(3, 1, 8, 12)
    fmap = vit.feature_map(x)  # 2 x 3 patches
    tokens = vit.tokens(x)
    assert fmap.shape == (3, 8, 2, 3)
    assert torch.equal(fmap[:, :, 1, 2], tokens[:, 5])  # patch 5 = row 1, column 2
    assert torch.equal(fmap[:, :, 0, 1], tokens[:, 1])


def test_pool_grid_reads_a_vit_like_a_conv_backbone():
    vit = make_backbone((1, 8, 12), "vit", {"patch_size": 4, "dim": 8, "depth": 1, "heads": 2}).eval()
    x = torch.rand(5, 1, 8, 12)
    pooled = extract_features(vit, x, pool_grid=1)  # global average pooling = the mean token
    assert pooled.shape == (5, 8)
    assert np.allclose(pooled, vit.tokens(x).mean(1).detach().numpy(), atol=1e-6)
    assert extract_features(vit, x, pool_grid=2).shape == (5, 32)


def test_auto_pool_grid_is_3_or_the_maps_side_and_none_without_a_map():
    from aekit.evaluation.probes import auto_pool_grid

    conv = make_backbone((1, 28, 28), "conv", {"out_features": 4, "channels": [4, 6]})  # map 6 x 7 x 7
    assert auto_pool_grid(conv, (1, 28, 28)) == 3
    small = make_backbone((1, 8, 8), "conv", {"out_features": 4, "channels": [4, 6]})  # map 6 x 2 x 2
    assert auto_pool_grid(small, (1, 8, 8)) == 2
    assert extract_features(small, torch.rand(3, 1, 8, 8), pool_grid="auto").shape == (3, 24)
    mlp = make_backbone((64,), "mlp", {"out_features": 5})
    assert auto_pool_grid(mlp, (64,)) is None
    assert extract_features(mlp, torch.rand(3, 64), pool_grid="auto").shape == (3, 5)
    assert small.training  # the dry run leaves the mode as it was


def test_sincos_codes_place_rows_in_the_first_half_and_columns_in_the_second():
    import math

    import pytest

    from aekit.nn.vit import sincos_2d

    codes = sincos_2d(8, 2, 3)  # 2 frequencies per half: 1 and 1/100
    assert codes.shape == (6, 8) and codes.dtype == torch.float32
    patch = 5  # row 1, column 2
    expected = [math.sin(1), math.sin(0.01), math.cos(1), math.cos(0.01),
                math.sin(2), math.sin(0.02), math.cos(2), math.cos(0.02)]
    assert torch.allclose(codes[patch], torch.tensor(expected), atol=1e-6)
    assert torch.equal(codes[0], torch.tensor([0.0, 0, 1, 1, 0, 0, 1, 1]))  # the origin
    assert torch.equal(codes[1, :4], codes[0, :4])  # same row, same row half
    with pytest.raises(ValueError, match="divisible by 4"):
        sincos_2d(6, 2, 2)


def test_a_sincos_vit_has_a_fixed_table_saved_with_it_and_masked_methods_follow_it():
    import pytest

    from aekit.ssl import create_method

    options = {"patch_size": 4, "dim": 8, "depth": 1, "heads": 2, "pos_embed": "sincos"}
    vit = make_backbone((1, 8, 12), "vit", options)
    assert "pos_embed" not in dict(vit.named_parameters()) and "pos_embed" in vit.state_dict()
    from aekit.nn.vit import sincos_2d

    assert torch.equal(vit.pos_embed[0], sincos_2d(8, 2, 3))
    learned = make_backbone((1, 8, 12), "vit", {**options, "pos_embed": "learned"})
    assert "pos_embed" in dict(learned.named_parameters())
    with pytest.raises(ValueError, match="pos_embed must be one of"):
        make_backbone((1, 8, 12), "vit", {**options, "pos_embed": "rope"})
    for name, table in (("jepa", "predictor_pos"), ("mae", "decoder_pos")):
        method = create_method(name, (1, 8, 8), backbone_options=options)
        assert table not in dict(method.named_parameters()) and table in method.state_dict()
        default = create_method(name, (1, 8, 8), backbone_options={**options, "pos_embed": "learned"})
        assert table in dict(default.named_parameters())
        loss = method.loss(torch.rand(4, 1, 8, 8)).total
        loss.backward()
        assert torch.isfinite(loss)
