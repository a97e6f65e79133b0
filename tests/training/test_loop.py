import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

from aekit import TrainConfig, create_model, fit
from aekit.training import TrainingDivergedError, make_optimizer, resolve_device

FAST = dict(epochs=5, batch_size=64, progress=False)


def _weights(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def _train(X, seed, **kw):
    torch.manual_seed(seed)
    model = create_model("deep", (64,), latent_dim=4, hidden_dims=[32])
    history = fit(model, X, TrainConfig(seed=seed, **{**FAST, **kw}))
    return model, history


def test_same_seed_same_weights_different_seed_different(digits_flat):
    X = digits_flat[0][:300]
    a, _ = _train(X, 1)
    b, _ = _train(X, 1)
    c, _ = _train(X, 2)
    assert torch.equal(_weights(a), _weights(b))
    assert not torch.equal(_weights(a), _weights(c))


def test_history_has_each_part_and_validation(digits_flat):
    _, h = _train(digits_flat[0][:300], 0)
    assert len(h) == 5
    assert {"train_total", "train_reconstruction", "val_total", "lr", "seconds"} <= set(h.metrics)
    assert h["train_total"][-1] < h["train_total"][0]


def test_early_stopping_restores_best_weights(digits_flat):
    X = digits_flat[0][:300]
    seen = {}

    def remember(epoch, record, model):
        seen[epoch] = _weights(model).clone()

    # With a huge min_delta no epoch after the first counts as an improvement: stop after
    # 1 + patience epochs and end with epoch 1's weights although later epochs were better.
    torch.manual_seed(0)
    model = create_model("deep", (64,), latent_dim=4, hidden_dims=[32])
    config = TrainConfig(epochs=40, early_stopping=3, min_delta=1e9, progress=False)
    h = fit(model, X, config, callbacks=[remember])
    assert h.stopped_early and len(h) == 4 and h.best_epoch == 1
    assert h["val_total"][-1] < h["val_total"][0]
    assert torch.equal(_weights(model), seen[1])

    # Plain patience: the best epoch is the argmin of the validation loss.
    torch.manual_seed(0)
    model = create_model("deep", (64,), latent_dim=4, hidden_dims=[32])
    h = fit(model, X[:60], TrainConfig(epochs=300, lr=1e-2, early_stopping=5, progress=False), callbacks=[remember])
    assert h.best_epoch == int(np.argmin(h["val_total"])) + 1
    assert torch.equal(_weights(model), seen[h.best_epoch])


def test_callback_can_stop_training(digits_flat):
    _, h = _train(digits_flat[0][:200], 0, epochs=10)
    assert len(h) == 10
    model = create_model("deep", (64,), latent_dim=4)
    h = fit(model, digits_flat[0][:200], TrainConfig(**FAST), callbacks=[lambda e, r, m: e == 2])
    assert len(h) == 2 and h.stopped_early


def test_dataset_path_matches_in_memory_quality(digits_flat):
    X = torch.from_numpy(digits_flat[0][:400])
    _, mem = _train(X, 0, validation_split=0.0)
    _, ds = _train(TensorDataset(X, torch.zeros(len(X))), 0, validation_split=0.0)
    assert ds["train_total"][-1] == pytest.approx(mem["train_total"][-1], rel=0.15)


def test_options_optimizer_scheduler_clip_bf16(digits_flat):
    X = digits_flat[0][:200]
    for kw in (
        dict(optimizer="SGD", optimizer_options={"momentum": 0.9}, lr=0.01),
        dict(optimizer="adamw", weight_decay=0.01, scheduler="cosine"),
        dict(scheduler="step", grad_clip=0.5),
        dict(scheduler="plateau"),
        dict(precision="bf16"),
    ):
        _, h = _train(X, 0, **kw)
        assert np.isfinite(h["train_total"]).all() and h["train_total"][-1] < h["train_total"][0], kw
    _, h = _train(X, 0, scheduler="cosine", epochs=4, early_stopping=None)
    assert h["lr"][-1] < h["lr"][0]


def test_divergence_stops_with_a_message(digits_flat):
    X = digits_flat[0][:200] * 1e3
    model = create_model("deep", (64,), latent_dim=4)
    with pytest.raises(TrainingDivergedError, match="at epoch .*learning rate"):
        fit(model, X, TrainConfig(epochs=20, lr=1e6, optimizer="sgd", progress=False))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(epochs=0), "epochs"),
        (dict(batch_size=-1), "batch_size"),
        (dict(lr=0), "lr"),
        (dict(validation_split=1.0), "validation_split"),
        (dict(scheduler="linear"), "scheduler"),
        (dict(precision="fp8"), "precision"),
    ],
)
def test_config_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


def test_bad_data_and_optimizer():
    model = create_model("deep", (4,), latent_dim=2)
    with pytest.raises(ValueError, match="NaN"):
        fit(model, np.array([[1.0, np.nan, 0, 0]]), TrainConfig(**FAST))
    with pytest.raises(TypeError, match="real numbers"):
        fit(model, np.array([["a", "b", "c", "d"]]), TrainConfig(**FAST))
    with pytest.raises(ValueError, match="optimizer must be one of"):
        make_optimizer(model, TrainConfig(optimizer="lbfgs"))
    with pytest.raises(ValueError, match="CUDA is not available"):
        if not torch.cuda.is_available():
            resolve_device("cuda")
        else:  # pragma: no cover
            raise ValueError("CUDA is not available (skipped on GPU machines)")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_fit_names_non_finite_training_data(bad):
    from aekit import TrainConfig, create_model, fit

    x = torch.rand(64, 8, dtype=torch.float64)
    x[17, 3] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        fit(create_model("deep", (8,), latent_dim=2, hidden_dims=[4]), x, TrainConfig(epochs=1, progress=False))
