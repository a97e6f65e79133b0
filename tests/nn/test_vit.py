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
