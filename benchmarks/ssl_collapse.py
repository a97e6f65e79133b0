"""Dimensional collapse of saved SSL backbones, without labels (issue #19: why I-JEPA trails).

For each backbone folder (``save_backbone`` / ``benchmarks/ssl_table.py`` workdirs), RankMe's
effective rank (:func:`aekit.evaluation.effective_rank`) of

- its tokens or map positions, each a row, centred (``tokens``): how many directions the
  encoder uses at all;
- the fixed readout's features (docs/benchmarks.md: the last map pooled to 3 x 3), centred
  (``readout``): what the linear probe gets.

Rows: the first ``--rows`` Fashion-MNIST training images (labels and the test set unused)::

    python benchmarks/ssl_collapse.py /tmp/ssl_table5_s1/jepa /tmp/ssl_table5_s1/mae /tmp/ssl_table5_s1/random-init_ViT
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from aekit.data import load_fashion_mnist
from aekit.evaluation import effective_rank, extract_features
from aekit.ssl import load_backbone

POOL_GRID = 3  # the fixed readout of docs/benchmarks.md


def map_rows(backbone: torch.nn.Module, X: np.ndarray, batch: int = 500) -> np.ndarray:
    """Every position of the backbone's last map (a ViT's tokens on their grid) as a row."""
    rows = []
    with torch.no_grad():
        for i in range(0, len(X), batch):
            m = backbone.feature_map(torch.from_numpy(X[i : i + batch]))
            rows.append(m.flatten(2).transpose(1, 2).flatten(0, 1).numpy())
    return np.concatenate(rows)


def collapse_row(folder: Path, X: np.ndarray) -> dict:
    backbone = load_backbone(folder).eval()
    tokens = map_rows(backbone, X)
    readout = extract_features(backbone, X, pool_grid=POOL_GRID)
    return {
        "backbone": str(folder),
        "tokens": effective_rank(tokens - tokens.mean(0)),
        "token_dim": tokens.shape[1],
        "readout": effective_rank(readout - readout.mean(0)),
        "readout_dim": readout.shape[1],
    }


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+", type=Path, help="saved backbone folders")
    p.add_argument("--rows", type=int, default=2000, help="training images read (from the first)")
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args(argv)
    if args.rows < 2:
        p.error(f"--rows must be >= 2, got {args.rows}")
    if args.threads:
        torch.set_num_threads(args.threads)
    X = load_fashion_mnist("train", download=False).X[: args.rows].astype(np.float32).reshape(-1, 1, 28, 28)
    rows = [collapse_row(f, X) for f in args.folders]
    print(f"RankMe effective rank (centred), first {args.rows} training images")
    print("| backbone | tokens (of dim) | readout (of features) |\n|---|---:|---:|")
    for r in rows:
        print(f"| {r['backbone']} | {r['tokens']:.1f} (of {r['token_dim']}) | {r['readout']:.1f} (of {r['readout_dim']}) |")
    return rows


if __name__ == "__main__":
    main()
