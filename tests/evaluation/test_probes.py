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


def test_pool_grid_pools_the_last_conv_map():
    net = make_backbone((1, 12, 12), "conv", {"out_features": 5, "channels": [3, 4]})  # map (4, 3, 3)
    X = torch.rand(6, 1, 12, 12)
    fmap = net.eval().feature_map(X)
    assert fmap.shape == (6, 4, 3, 3)
    assert np.allclose(extract_features(net, X, pool_grid=1), fmap.mean((2, 3)).detach().numpy(), atol=1e-6)
    assert np.allclose(extract_features(net, X, pool_grid=3), fmap.flatten(1).detach().numpy(), atol=1e-6)
    assert extract_features(net, X).shape == (6, 5)  # default: the backbone's output
    res = make_backbone((1, 12, 12), "resnet", {"channels": [4, 8], "out_features": 3})
    assert extract_features(res, X, pool_grid=2).shape == (6, 32)
    with pytest.raises(ValueError, match="feature_map"):
        extract_features(make_backbone((144,), "mlp", {"out_features": 4}), X.flatten(1), pool_grid=2)
    with pytest.raises(ValueError, match="pool_grid"):
        extract_features(net, X, pool_grid=0)


@pytest.mark.slow
def test_torch_backend_matches_sklearn_and_auto_C_uses_no_test_data():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1, (3, 20))
    y = rng.integers(0, 3, 600)
    X = centres[y] + rng.normal(0, 2.0, (600, 20))
    ytr, yte, Xtr, Xte = y[:400], y[400:], X[:400], X[400:]
    sk = linear_probe(Xtr, ytr, Xte, yte, C=0.1)
    th = linear_probe(Xtr, ytr, Xte, yte, C=0.1, backend="torch")
    assert abs(sk - th) <= 0.01 and 0.6 < th < 1.0  # same objective, same answer up to the solver tolerance
    acc, C = linear_probe(Xtr, ytr, Xte, yte, C="auto", backend="torch", return_C=True)
    assert C in (0.01, 0.03, 0.1, 0.3, 1.0) and 0.6 < acc < 1.0
    # choosing C must not look at the test labels: shuffled test labels give the same C
    _, C_shuffled = linear_probe(Xtr, ytr, Xte, rng.permutation(yte), C="auto", backend="torch", return_C=True)
    assert C_shuffled == C
    with pytest.raises(ValueError, match="backend"):
        linear_probe(Xtr, ytr, Xte, yte, backend="liblinear")
    with pytest.raises(ValueError, match="C must"):
        linear_probe(Xtr, ytr, Xte, yte, C=0)
