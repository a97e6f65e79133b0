"""Greedy layer-wise pretraining trains the deep model in place; fine-tuning with labels."""

import pytest
import torch

from aekit import TrainConfig, create_model, fit
from aekit.models.finetune import SupervisedModel
from aekit.models.stacked import greedy_pretrain, layer_blocks


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _cfg(epochs):
    return TrainConfig(epochs=epochs, batch_size=100, lr=3e-3, progress=False, early_stopping=None, validation_split=0)


def _mse(model, X):
    return (model.eval().reconstruct(X) - X).pow(2).mean().item()


def test_layer_blocks_pair_encoder_and_mirror_decoder():
    model = create_model("deep", (1, 8, 8), latent_dim=4, hidden_dims=(32, 16))
    pairs = layer_blocks(model)
    assert [(e[0].in_features, e[0].out_features, d[0].in_features, d[0].out_features) for e, d in pairs] == [
        (64, 32, 32, 64), (32, 16, 16, 32), (16, 4, 4, 16)
    ]
    with pytest.raises(ValueError, match="deterministic"):
        layer_blocks(create_model("vae", (8,)))
    with pytest.raises(ValueError, match="MLP"):
        layer_blocks(create_model("conv", (1, 8, 8)))


@pytest.mark.slow
def test_greedy_pretraining_then_finetuning(digits_images):
    X = torch.from_numpy(digits_images[0][:800])
    model = create_model("deep", (1, 8, 8), latent_dim=8, hidden_dims=(32, 16))
    first = model.encoder[1].weight.detach().clone()
    before = _mse(model, X)
    hist = greedy_pretrain(
        model, X, _cfg(8), layer_options=[{"corruption": {"name": "masking", "p": 0.2}}, {}, {}], finetune=_cfg(8)
    )
    assert len(hist.layers) == 3
    for layer in hist.layers:
        assert layer["train_total"][-1] < layer["train_total"][0]
    assert not torch.equal(model.encoder[1].weight, first)  # trained in place, nothing copied
    pretrained = _mse(model, X)
    assert pretrained < 0.5 * before
    assert hist.finetune["train_total"][-1] < hist.finetune["train_total"][0]


def test_greedy_pretraining_rejects_bad_layer_options():
    model = create_model("deep", (8,), latent_dim=2, hidden_dims=(4,))
    with pytest.raises(ValueError, match="one per layer"):
        greedy_pretrain(model, torch.rand(10, 8), _cfg(1), layer_options=[{}])
    with pytest.raises(ValueError, match="unknown keys"):
        greedy_pretrain(model, torch.rand(10, 8), _cfg(1), layer_options={"noise": 0.1})
    with pytest.raises(ValueError, match="model expects"):
        greedy_pretrain(model, torch.rand(10, 7), _cfg(1))


@pytest.mark.slow
def test_supervised_model_freezes_and_finetunes(digits_flat):
    X, y = torch.from_numpy(digits_flat[0][:600]), torch.from_numpy(digits_flat[1][:600])
    ae = create_model("deep", (64,), latent_dim=16, hidden_dims=(32,))
    fit(ae, X, _cfg(20))
    frozen_before = ae.encoder[1].weight.detach().clone()
    clf = SupervisedModel(ae, n_outputs=10, trainable="head")
    hist = fit(clf, (X, y), TrainConfig(epochs=60, batch_size=100, lr=2e-2, progress=False, early_stopping=None,
                                        validation_split=0))
    assert torch.equal(ae.encoder[1].weight, frozen_before)  # head-only fine-tuning
    acc = (clf.eval()(X).argmax(1) == y).float().mean().item()
    assert acc > 0.75 and hist["train_cross_entropy"][-1] < hist["train_cross_entropy"][0]
    top = SupervisedModel(ae, n_outputs=10, trainable=1)
    assert [p.requires_grad for p in (ae.encoder[1].weight, ae.encoder[3].weight)] == [False, True]
    fit(top, (X, y), _cfg(2))
    reg = SupervisedModel(ae, n_outputs=1, task="regression", trainable="all")
    assert set(reg.loss(X[:4], y[:4].float()).parts) == {"mse", "total"}
    with pytest.raises(ValueError, match="trainable"):
        SupervisedModel(ae, n_outputs=2, trainable="some")
