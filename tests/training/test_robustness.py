"""Numerical robustness: divergence never leaves NaN weights, clipping and determinism options."""

import numpy as np
import pytest
import torch

from aekit import Autoencoder, TrainConfig, create_model, fit
from aekit.training import TrainingDivergedError

FAST = dict(batch_size=50, progress=False, device="cpu")


def _weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_divergence_in_the_first_epoch_restores_the_initial_weights(digits_flat):
    X = digits_flat[0][:200] * 1e3
    torch.manual_seed(0)
    model = create_model("deep", (64,), latent_dim=4, hidden_dims=[32])
    start = _weights(model)
    config = TrainConfig(epochs=5, lr=1e6, optimizer="sgd", restore_best=False, grad_clip=None, **FAST)
    with pytest.raises(TrainingDivergedError, match="at epoch 1"):
        fit(model, X, config)
    for key, value in model.state_dict().items():  # no best epoch existed: back to where it started
        assert torch.isfinite(value).all() and torch.equal(value, start[key]), key


def test_divergence_later_restores_the_last_finite_epoch(digits_flat):
    X = torch.from_numpy(digits_flat[0][:200])
    seen = {}

    def poison(epoch, record, model):
        seen[epoch] = _weights(model)
        if epoch == 2:  # from epoch 3 on the loss is NaN
            with torch.no_grad():
                next(model.parameters()).fill_(float("nan"))

    model = create_model("deep", (64,), latent_dim=4, hidden_dims=[32])
    with pytest.raises(TrainingDivergedError, match="at epoch 3"):
        fit(model, X, TrainConfig(epochs=5, restore_best=False, **FAST), callbacks=[poison])
    assert all(torch.equal(v, seen[2][k]) for k, v in model.state_dict().items())


def test_a_diverging_estimator_saves_nothing(digits_flat, tmp_path):
    ae = Autoencoder(latent_dim=2, epochs=3, lr=1e6, optimizer="sgd", grad_clip=None, preprocessing="none",
                     random_state=0)
    with pytest.raises(TrainingDivergedError):
        ae.fit(digits_flat[0][:200] * 1e3)
    assert not hasattr(ae, "model_")


def test_default_clip_is_a_guard_rail_not_a_change(digits_flat):
    X = digits_flat[0][:200]
    out = []
    for clip in (1000.0, None):
        torch.manual_seed(0)
        model = create_model("deep", (64,), latent_dim=4, hidden_dims=[32])
        fit(model, X, TrainConfig(epochs=2, grad_clip=clip, **FAST))
        out.append(_weights(model))
    assert TrainConfig(optimizer="sgd").clip_norm() == 1000.0  # "auto": the guard rail where a step grows with the gradient
    assert all(torch.equal(out[0][k], out[1][k]) for k in out[0])  # never reached: bitwise equal

    # where it matters (SGD, a far-off start) the clip keeps training finite
    torch.manual_seed(0)
    model = create_model("deep", (64,), latent_dim=4, hidden_dims=[32])
    h = fit(model, X * 50, TrainConfig(epochs=3, lr=0.01, optimizer="sgd", grad_clip=1.0, **FAST))
    assert np.isfinite(h["train_total"]).all()
    torch.manual_seed(0)
    model = create_model("deep", (64,), latent_dim=4, hidden_dims=[32])
    with pytest.raises(TrainingDivergedError):
        fit(model, X * 50, TrainConfig(epochs=3, lr=0.01, optimizer="sgd", grad_clip=None, **FAST))


def test_deterministic_option_is_on_during_fit_only(digits_flat):
    states = []
    before = torch.are_deterministic_algorithms_enabled()
    model = create_model("deep", (64,), latent_dim=2)
    fit(model, digits_flat[0][:100], TrainConfig(epochs=2, deterministic=True, **FAST),
        callbacks=[lambda e, r, m: states.append(torch.are_deterministic_algorithms_enabled())])
    assert states == [True, True]
    assert torch.are_deterministic_algorithms_enabled() == before
    with pytest.raises(ValueError, match="deterministic"):
        TrainConfig(deterministic="yes")
    with pytest.raises(ValueError, match="checkpoint_dir"):
        TrainConfig(checkpoint_every=2)


def test_auto_clip_guards_sgd_and_leaves_adaptive_optimizers_alone():
    assert TrainConfig().grad_clip == "auto"
    for name, limit in [("adam", None), ("AdamW", None), ("rmsprop", None), ("sgd", 1000.0), ("SGD", 1000.0),
                        ("asgd", 1000.0)]:
        assert TrainConfig(optimizer=name).clip_norm() == limit, name
    assert TrainConfig(grad_clip=5).clip_norm() == 5.0 and TrainConfig(grad_clip=None, optimizer="sgd").clip_norm() is None
    for bad in (0, -1.0, "always", True):
        with pytest.raises(ValueError, match="grad_clip must be a positive number, 'auto' or None"):
            TrainConfig(grad_clip=bad)


def test_adam_steps_stay_bounded_after_one_huge_gradient():
    """Why "auto" leaves Adam unclipped: a gradient 1e6 times the usual moves each weight by
    about (1 - beta1) / sqrt(1 - beta2) = 3.2 lr at most, however large it is."""
    w = torch.nn.Parameter(torch.zeros(5))
    opt = torch.optim.Adam([w], lr=1e-3)
    for _ in range(50):
        w.grad = torch.full((5,), 0.01)
        opt.step()
    before = w.detach().clone()
    w.grad = torch.full((5,), -1e4)
    opt.step()
    assert (w.detach() - before).abs().max().item() < 3.2e-3
