"""The triplet / margin-contrastive method: mining and losses by hand, labels, training, CLI."""

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from sklearn.model_selection import train_test_split
from torch.nn import functional as F

import aekit
from aekit.cli import main
from aekit.evaluation import extract_features, knn_probe
from aekit.objectives.contrastive import (
    ContrastivePairLoss,
    batch_contrastive_loss,
    batch_triplet_loss,
    mine_triplets,
    pairwise_distances,
)
from aekit.ssl import create_method

# four points on a line, two classes: distances 0-1: 1, 0-3: 3, 0-7: 7, 1-3: 2, 1-7: 6, 3-7: 4
EMB = torch.tensor([[0.0], [1.0], [3.0], [7.0]])
LAB = torch.tensor([0, 0, 1, 1])
CONV = {"backbone_options": {"out_features": 16, "channels": [8]}}


def test_mined_tuples_by_hand():
    d = pairwise_distances(EMB)
    d_ap, d_an, use = mine_triplets(d, LAB, "batch_hard")  # per anchor: farthest positive, nearest negative
    assert d_ap.tolist() == [1, 1, 4, 4] and d_an.flatten().tolist() == [3, 2, 2, 6] and use.all()
    # per anchor-positive pair, the nearest negative beyond the positive; (3, 7) has none: farthest (3)
    d_ap, d_an, _ = mine_triplets(d, LAB, "semi_hard")
    assert d_ap.tolist() == [1, 1, 4, 4] and d_an.flatten().tolist() == [3, 2, 3, 6]
    d_ap, d_an, use = mine_triplets(d, LAB, "all")
    assert d_an.shape == (4, 4) and use.tolist()[0] == [False, False, True, True]


@pytest.mark.parametrize(
    "mining, expected",
    [
        # margin 4: d_ap^2 + mean over the mined negatives of max(0, 4 - d_an)^2
        ("batch_hard", ((1 + 1) + (1 + 4) + (16 + 4) + (16 + 0)) / 4),
        ("semi_hard", ((1 + 1) + (1 + 4) + (16 + 1) + (16 + 0)) / 4),
        ("all", ((1 + (1 + 0) / 2) + (1 + (4 + 0) / 2) + (16 + (1 + 4) / 2) + (16 + 0)) / 4),
    ],
)
def test_margin_contrastive_mining_by_hand(mining, expected):
    assert batch_contrastive_loss(EMB, LAB, margin=4.0, mining=mining).item() == pytest.approx(expected, abs=1e-5)
    assert ContrastivePairLoss(4.0, mining=mining)(EMB, LAB).item() == pytest.approx(expected, abs=1e-5)


def test_mining_spellings_and_errors():
    assert batch_triplet_loss(EMB, LAB, 3.0, mining="hard").item() == pytest.approx(9 / 4, abs=1e-5)
    assert batch_triplet_loss(EMB, LAB, 3.0, mining="semi-hard").item() == pytest.approx(2.0, abs=1e-5)
    with pytest.raises(ValueError, match=r"mining must be one of \('batch_hard', 'semi_hard', 'all'\)"):
        batch_contrastive_loss(EMB, LAB, mining="hardest")
    with pytest.raises(ValueError, match="loss must be one of \\['margin-contrastive', 'triplet'\\]"):
        create_method("triplet", (1, 8, 8), loss="arcface", **CONV)
    with pytest.raises(ValueError, match="mining must be one of"):
        create_method("triplet", (1, 8, 8), mining="easy", **CONV)
    with pytest.raises(ValueError, match="distance must be one of"):
        create_method("triplet", (1, 8, 8), distance="l1", **CONV)
    with pytest.raises(ValueError, match="one class label per sample"):
        create_method("triplet", (1, 8, 8), **CONV).loss(torch.rand(4, 1, 8, 8), torch.zeros(3))


def test_method_positives_are_the_two_views_or_the_labels():
    torch.manual_seed(0)
    model = create_method("triplet", (1, 8, 8), augment="none", margin=0.5, **CONV)
    x = torch.rand(6, 1, 8, 8)
    z = F.normalize(model.projector(model.backbone(torch.cat([x, x]))), dim=1)
    d = pairwise_distances(z)
    # identical views: each positive is at distance 0; semi-hard then picks the nearest negative
    nearest_negative = d.masked_fill(torch.eye(6).repeat(2, 2).bool(), 9).amin(1)  # not itself, not its twin
    by_hand = F.relu(0.5 - nearest_negative).mean()
    assert model.loss(x).total.item() == pytest.approx(by_hand.item(), abs=1e-5)
    # one label for all: no negatives, nothing to learn; distinct labels: the unlabelled loss
    assert model.loss(x, torch.zeros(6, dtype=torch.long)).total.item() == 0.0
    assert model.loss(x, torch.arange(6) * 10).total.item() == pytest.approx(by_hand.item(), abs=1e-5)
    contrastive = create_method("triplet", (1, 8, 8), augment="none", loss="margin-contrastive", **CONV)
    assert contrastive.margin == 1.0 and sorted(contrastive.loss(x).parts) == ["margin_contrastive", "total"]


@pytest.mark.slow
def test_labels_through_the_estimator_beat_an_untrained_backbone(digits_flat):
    X, y = digits_flat
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    Xtr, ytr = Xtr[:400], ytr[:400]
    small = {"out_features": 32, "channels": [16]}
    torch.manual_seed(0)
    untrained = create_method("triplet", (1, 8, 8), backbone_options=small).backbone.eval()
    feats = [extract_features(untrained, a.reshape(-1, 1, 8, 8)) for a in (Xtr, Xte)]
    before = knn_probe(feats[0], ytr, feats[1], yte, ks=(20,))[20]
    # pool_grid=None: the output vector, the embedding the triplet loss shapes (untrained: the same readout)
    est = aekit.SelfSupervised("triplet", input_shape=(1, 8, 8), backbone_options=small, epochs=4, batch_size=64,
                               lr=3e-3, method_options={"augment": "none"}, pool_grid=None).fit(Xtr, np.array([f"digit {v}" for v in ytr]))  # any label type
    losses = est.history_["train_total"]
    assert losses[-1] < 0.5 * losses[0], losses
    after = knn_probe(est.transform(Xtr), ytr, est.transform(Xte), yte, ks=(20,))[20]
    assert after > before + 0.02 and after > 0.9, (before, after)  # chance is 0.1


@pytest.mark.slow
def test_cli_pretrain_triplet_with_and_without_labels(tmp_path):
    runner = CliRunner()
    common = ["--epochs", "1", "--limit", "200", "--backbone-option", "out_features=16",
              "--backbone-option", "channels=[8]", "--quiet"]
    res = runner.invoke(main, ["pretrain", "digits", "--method", "triplet", "--option", "mining=hard",
                               "--use-labels", "--out", str(tmp_path / "a"), *common])
    assert res.exit_code == 0, res.output
    assert aekit.SelfSupervised.load(tmp_path / "a").transform(np.zeros((2, 64))).shape == (2, 8 * 3 * 3)
    res = runner.invoke(main, ["pretrain", "digits", "--method", "triplet", "--option", "loss=margin-contrastive",
                               "--out", str(tmp_path / "b"), *common])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["pretrain", "digits", "--method", "rotation", "--use-labels",
                               "--out", str(tmp_path / "c"), *common])
    assert res.exit_code == 2 and "takes no labels" in res.output and "triplet" in res.output
