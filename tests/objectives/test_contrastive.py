"""Contrastive, triplet and InfoNCE losses against hand computation."""

import math

import pytest
import torch

from aekit.objectives.contrastive import (
    ContrastivePairLoss,
    InfoNCELoss,
    NTXentLoss,
    TripletLoss,
    batch_triplet_loss,
    contrastive_pair_loss,
    info_nce,
    nt_xent,
    triplet_loss,
)


def test_pair_loss_by_hand():
    a = torch.tensor([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    b = torch.tensor([[3.0, 4.0], [3.0, 4.0], [0.0, 1.0]])  # distances 5, 5, 1
    same = torch.tensor([1, 0, 0])
    # 25 (similar: d^2), max(0, 6-5)^2 = 1, max(0, 6-1)^2 = 25
    assert contrastive_pair_loss(a, b, same, margin=6.0).item() == pytest.approx((25 + 1 + 25) / 3)
    assert ContrastivePairLoss(margin=4.0)(a[:2], b[:2], same[:2]).item() == pytest.approx(25 / 2)


def test_triplet_euclidean_and_cosine_by_hand():
    a, p, n = torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.5]])
    assert triplet_loss(a, p, n, margin=1.0).item() == pytest.approx(0.5)
    assert TripletLoss(margin=0.4)(a, p, n).item() == pytest.approx(0.0)
    a, p, n = torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 1.0]]), torch.tensor([[0.0, 1.0]])
    # cosine distances: 1 - 1/sqrt(2) to the positive, 1 to the negative
    expected = (1 - 1 / math.sqrt(2)) - 1 + 1.0
    assert triplet_loss(a, p, n, 1.0, "cosine").item() == pytest.approx(expected, abs=1e-6)
    assert TripletLoss(1.0, "cosine")(a, p, n).item() == pytest.approx(expected, abs=1e-6)


EMB = torch.tensor([[0.0], [1.0], [3.0], [7.0]])
LAB = torch.tensor([0, 0, 1, 1])


def test_batch_hard_mining_by_hand():
    # anchors: 0 -> (pos 1, neg 3): 1; 1 -> (1, 2): 2; 3 -> (4, 2): 5; 7 -> (4, 6): 1; margin 3
    assert batch_triplet_loss(EMB, LAB, margin=3.0, mining="batch_hard").item() == pytest.approx(9 / 4, abs=1e-5)
    assert TripletLoss(3.0, mining="batch_hard")(EMB, LAB).item() == pytest.approx(9 / 4, abs=1e-5)


def test_semi_hard_mining_by_hand():
    # (0,1): nearest neg beyond 1 is 3 -> 1; (1,0): 2 -> 2; (3,7): none beyond 4, farthest 3 -> 4; (7,3): 6 -> 1
    assert batch_triplet_loss(EMB, LAB, margin=3.0, mining="semi_hard").item() == pytest.approx(2.0, abs=1e-5)


def test_all_triplets_by_hand():
    # (0,1): negs 3,7 -> relu(1-3+3)=1, relu(1-7+3)=0 -> 0.5; (1,0): 2,6 -> 2, 0 -> 1.0
    # (3,7): d_ap 4, negs 3,2 -> 4, 5 -> 4.5; (7,3): negs 7,6 -> 0, 1 -> 0.5
    assert batch_triplet_loss(EMB, LAB, margin=3.0, mining="all").item() == pytest.approx((0.5 + 1 + 4.5 + 0.5) / 4)


def test_batch_without_positives_gives_zero_with_gradient():
    z = torch.randn(3, 2, requires_grad=True)
    loss = batch_triplet_loss(z, torch.tensor([0, 1, 2]))
    loss.backward()
    assert loss.item() == 0.0 and z.grad is not None


def test_info_nce_and_nt_xent_by_hand():
    eye = torch.eye(2)
    assert info_nce(eye, eye, 1.0).item() == pytest.approx(math.log(1 + math.exp(-1)), abs=1e-6)
    # each of 4 views: partner similarity 1, two others 0 -> -log(e / (e + 2))
    assert nt_xent(eye, eye, 1.0).item() == pytest.approx(math.log(1 + 2 / math.e), abs=1e-6)
    assert NTXentLoss(0.5)(eye, eye).item() == pytest.approx(math.log(1 + 2 / math.e**2), abs=1e-6)
    assert InfoNCELoss(1.0)(eye, eye).item() == pytest.approx(0.31326, abs=1e-4)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: ContrastivePairLoss(margin=-1), "margin"),
        (lambda: TripletLoss(distance="manhattan"), "distance"),
        (lambda: TripletLoss(mining="hardest"), "mining"),
        (lambda: NTXentLoss(temperature=0), "temperature"),
    ],
)
def test_bad_arguments_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_shape_errors():
    with pytest.raises(ValueError, match="same shape"):
        NTXentLoss()(torch.zeros(4, 2), torch.zeros(4, 3))
    with pytest.raises(ValueError, match="same"):
        ContrastivePairLoss()(torch.zeros(4, 2), torch.zeros(4, 2), torch.zeros(3))
