"""benchmarks/ssl_collapse.py: the label-free collapse check of saved backbones (#19)."""

import numpy as np
import torch
from benchmark_modules import load_benchmark

from aekit.evaluation import effective_rank
from aekit.ssl import make_backbone, save_backbone

bench = load_benchmark("ssl_collapse")


def test_map_rows_are_every_position_of_every_image_and_the_ranks_are_measured(tmp_path):
    torch.manual_seed(0)
    backbone = make_backbone((1, 28, 28), "vit", {"patch_size": 7, "dim": 16, "depth": 1, "heads": 2})
    save_backbone(backbone, tmp_path / "vit")
    X = np.random.default_rng(0).random((12, 1, 28, 28), dtype=np.float32)
    rows = bench.map_rows(backbone.eval(), X, batch=5)
    assert rows.shape == (12 * 16, 16)  # a 4 x 4 grid of 16-wide tokens per image
    with torch.no_grad():
        np.testing.assert_allclose(rows[:16], backbone.tokens(torch.from_numpy(X[:1]))[0].numpy(), rtol=1e-5, atol=1e-6)
    row = bench.collapse_row(tmp_path / "vit", X)
    assert (row["token_dim"], row["readout_dim"]) == (16, 16 * 9)
    assert row["tokens"] == effective_rank(rows - rows.mean(0))
    assert 1 < row["tokens"] <= 16 and 1 < row["readout"] <= 12  # 12 centred rows span at most 11 directions
