"""Linear probe, weighted kNN, label subsets and fine-tuning."""

import math

import numpy as np
import pytest
import torch

from aekit.evaluation import extract_features, fine_tune, knn_probe, label_subset, linear_probe
from aekit.ssl import make_backbone


def test_knn_weighting_by_hand():
    # test point at angle 0; neighbours: class 0 at cos 0.6 (x2), class 1 at cos 1.0 and cos 0.0
    train = np.array([[0.6, 0.8], [0.6, -0.8], [1.0, 0.0], [0.0, 1.0]])
    y = np.array([0, 0, 1, 1])
    test = np.array([[1.0, 0.0]])
    # k=3: class 1 weight e^(1/T), class 0 weight 2 e^(0.6/T). T=1: 2.718 < 3.644 -> class 0
    assert knn_probe(train, y, test, np.array([0]), ks=(3,), temperature=1.0) == {3: 1.0}
    # T=0.1: e^10 = 22026 > 2 e^6 = 807 -> class 1
    assert knn_probe(train, y, test, np.array([1]), ks=(3,), temperature=0.1) == {3: 1.0}
    assert knn_probe(train, y, test, np.array([1]), ks=(1,)) == {1: 1.0}
    assert math.exp(1) < 2 * math.exp(0.6) and math.exp(10) > 2 * math.exp(6)


def test_knn_errors():
    with pytest.raises(ValueError, match="exceeds"):
        knn_probe(np.eye(3), np.arange(3), np.eye(3), np.arange(3), ks=(5,))
    with pytest.raises(ValueError, match="temperature"):
        knn_probe(np.eye(3), np.arange(3), np.eye(3), np.arange(3), ks=(1,), temperature=0)


def test_linear_probe_separates_separable_classes():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-2, 1, (100, 5)), rng.normal(2, 1, (100, 5))])
    y = np.repeat([0, 1], 100)
    assert linear_probe(X, y, X, y) > 0.95
    with pytest.raises(ValueError, match="1-d"):
        linear_probe(X, y[:, None], X, y)


def test_label_subset_is_stratified():
    y = np.repeat(np.arange(4), [100, 50, 10, 1])
    idx = label_subset(y, 0.1, seed=0)
    assert np.bincount(y[idx]).tolist() == [10, 5, 1, 1]
    assert len(np.unique(idx)) == len(idx)
    with pytest.raises(ValueError, match="fraction"):
        label_subset(y, 0.0)


@pytest.fixture
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny model: one thread avoids oversubscription on a shared machine
    yield
    torch.set_num_threads(n)


def test_features_and_fine_tuning_leave_the_backbone_alone(digits_images, one_thread):
    X, y = digits_images
    net = make_backbone((1, 8, 8), "conv", {"out_features": 16, "channels": [8]})
    before = extract_features(net, X[:10])
    acc = fine_tune(net, X[:1200], y[:1200], X[1200:], y[1200:], fraction=0.2, epochs=15, lr=3e-3)
    assert acc > 0.7  # 240 labels, 10 classes: far above chance (0.1)
    assert np.allclose(extract_features(net, X[:10]), before)
