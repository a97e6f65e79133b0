"""The fine-tuning probe: accuracy above chance after a tiny pretrain, head-only keeps the backbone,
full fine-tuning moves it, and the epoch is chosen on held-out labeled rows, never the test set."""

import numpy as np
import pytest
import torch

from aekit.estimators import SelfSupervised
from aekit.evaluation import fine_tune, finetune_probe
from aekit.evaluation.finetune import split_validation


@pytest.fixture(scope="module")
def pretrained(digits_images):
    X, _ = digits_images
    return SelfSupervised(method="rotation", backbone_options={"out_features": 32, "channels": [8, 16]}, epochs=2,
                          batch_size=128, device="cpu", random_state=0).fit(X[:1200])


def _weights(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


@pytest.mark.slow
def test_full_fine_tuning_beats_chance_and_moves_the_backbone(pretrained, digits_images):
    X, y = digits_images
    before = _weights(pretrained.backbone_)
    result = finetune_probe(pretrained, X[:1200], y[:1200], X[1200:], y[1200:], label_fraction=0.1, epochs=20,
                            lr=3e-3, trainable="all")
    assert result.accuracy > 0.5  # 120 labels, 10 classes: chance is 0.1
    assert result.n_train + result.n_val == 120 and result.n_val == 20  # 2 of each class's 12 held out
    moved = [k for k, v in result.classifier.backbone.state_dict().items()
             if v.is_floating_point() and not torch.equal(v, before[k])]
    assert moved  # the backbone copy was fine-tuned
    for k, v in pretrained.backbone_.state_dict().items():  # ... and the model passed in was not
        assert torch.equal(v, before[k]), k


@pytest.mark.slow
def test_head_only_leaves_the_backbone_unchanged(pretrained, digits_images):
    X, y = digits_images
    result = finetune_probe(pretrained, X[:1200], y[:1200], X[1200:], y[1200:], label_fraction=0.1, epochs=20,
                            lr=3e-2, trainable="head")
    assert result.accuracy > 0.3
    after = result.classifier.backbone.state_dict()
    for k, v in pretrained.backbone_.state_dict().items():  # weights and batch-norm statistics alike
        assert torch.equal(after[k], v), k
    assert not any(p.requires_grad for p in result.classifier.backbone.parameters())


@pytest.mark.slow
def test_the_test_labels_choose_nothing(pretrained, digits_images):
    X, y = digits_images
    shuffled = np.random.default_rng(0).permutation(y[1200:])
    runs = [finetune_probe(pretrained, X[:1200], y[:1200], X[1200:], labels, label_fraction=0.1, epochs=8,
                           patience=2, trainable="all") for labels in (y[1200:], shuffled)]
    assert runs[0].best_epoch == runs[1].best_epoch and runs[0].epochs_trained == runs[1].epochs_trained
    for a, b in zip(runs[0].classifier.parameters(), runs[1].classifier.parameters()):
        assert torch.equal(a, b)
    assert runs[0].accuracy > runs[1].accuracy  # only the score used the test labels


@pytest.mark.slow
def test_one_percent_labels_make_no_choice(pretrained, digits_images):
    X, y = digits_images
    result = finetune_probe(pretrained, X[:1200], y[:1200], X[1200:], y[1200:], label_fraction=0.01, epochs=5)
    assert result.n_val == 0 and result.n_train == 10  # one label per class: nothing to hold out
    assert result.epochs_trained == 5 and result.best_epoch is None
    assert set(result.as_dict()) == {"accuracy", "n_train", "n_val", "epochs_trained", "best_epoch", "trainable",
                                     "label_fraction"}
    same = fine_tune(pretrained.backbone_, pretrained._prepare(X[:1200], False), y[:1200],
                     pretrained._prepare(X[1200:], False), y[1200:], fraction=0.01, epochs=5)
    assert same == result.accuracy  # fine_tune is finetune_probe without validation


def test_split_validation_keeps_single_rows_in_training():
    train, val = split_validation(np.array([0] * 10 + [1] * 5 + [2]), 0.2, seed=0)
    assert np.bincount(np.array([0] * 10 + [1] * 5 + [2])[val], minlength=3).tolist() == [2, 1, 0]
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(16))
    with pytest.raises(ValueError, match="validation_fraction"):
        split_validation(np.array([0, 1]), 1.0)


def test_bad_arguments_are_named(digits_images):
    X, y = digits_images
    with pytest.raises(ValueError, match="trainable must be one of"):
        finetune_probe(torch.nn.Linear(64, 2), X, y, X, y, trainable="top")
    with pytest.raises(TypeError, match="out_features"):
        finetune_probe(torch.nn.Identity(), X, y, X, y)
