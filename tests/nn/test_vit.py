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
