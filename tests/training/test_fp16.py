"""fp16 mixed precision: autocast plus a gradient scaler, inside the one training loop.

On the CPU the scaler runs for real (torch has a CPU GradScaler), so a skipped step, the lowered
scale, the paused one-cycle schedule and the scale's round trip through a checkpoint are all
checked here without a GPU.
"""

import copy

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch import nn

from aekit import Autoencoder, TrainConfig, create_model, fit
from aekit.cli import main
from aekit.training import load_checkpoint, resolve_precision
from aekit.training.device import grad_scaler

CPU = torch.device("cpu")


class OverflowAt(nn.Module):
    """A model whose gradient overflows (becomes inf) at the given optimizer steps (1-based)."""

    def __init__(self, overflow_steps=(), seed=0, calls=0):
        super().__init__()
        torch.manual_seed(seed)
        self.inner = create_model("deep", (6,), latent_dim=2, hidden_dims=(8,))
        self.overflow_steps, self.calls = set(overflow_steps), calls

    def loss(self, x):
        self.calls += 1
        out = self.inner.loss(x)
        if self.calls in self.overflow_steps:
            out.total.register_hook(lambda grad: grad * float("inf"))
        return out


def _weights(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _one_step_per_epoch(epochs, **options):
    """32 rows, batch 32, no validation: epoch k is optimizer step k."""
    return TrainConfig(epochs=epochs, batch_size=32, validation_split=0.0, early_stopping=None, progress=False,
                       precision="fp16", **options)


# Values in [0, 0.5): no gradient overflows at the initial scale of 2**16 unless a test makes it
# (at [0, 1) the first step overflows by itself, as the scaler's calibration expects now and then).
X32 = 0.5 * torch.rand(32, 6, generator=torch.Generator().manual_seed(1))


def test_fp16_is_a_precision_that_auto_never_picks():
    assert TrainConfig(precision="fp16").precision == "fp16"
    assert resolve_precision("fp16", CPU) is torch.float16
    assert resolve_precision("auto", CPU) in (None, torch.bfloat16)
    assert grad_scaler(CPU, torch.float16).is_enabled()
    assert not grad_scaler(CPU, torch.bfloat16).is_enabled() and not grad_scaler(CPU, None).is_enabled()
    with pytest.raises(ValueError, match="precision must be one of"):
        TrainConfig(precision="fp8")


@pytest.mark.parametrize("fused", [True, False])
def test_a_disabled_scaler_is_bitwise_the_plain_fp32_step(fused):
    """fp32 and bf16 go through the scaler's calls too; disabled, they change nothing at all."""
    torch.manual_seed(0)
    plain = create_model("deep", (6,), latent_dim=2, hidden_dims=(8,))
    scaled, start = copy.deepcopy(plain), _weights(plain)
    opt_plain = torch.optim.Adam(plain.parameters(), lr=1e-2, fused=fused)
    opt_scaled = torch.optim.Adam(scaled.parameters(), lr=1e-2, fused=fused)
    scaler = grad_scaler(CPU, None)
    for step in range(5):
        x = torch.rand(16, 6, generator=torch.Generator().manual_seed(step)) * 50  # big gradients: clipping acts
        opt_plain.zero_grad()
        plain.loss(x).total.backward()
        nn.utils.clip_grad_norm_(plain.parameters(), 0.5)
        opt_plain.step()

        opt_scaled.zero_grad()
        scaler.scale(scaled.loss(x).total).backward()
        scaler.unscale_(opt_scaled)
        nn.utils.clip_grad_norm_(scaled.parameters(), 0.5)
        scaler.step(opt_scaled)
        scaler.update()
    for key, value in plain.state_dict().items():
        assert torch.equal(value, scaled.state_dict()[key]), key
    assert not all(torch.equal(v, start[k]) for k, v in plain.state_dict().items())  # training moved them


@pytest.mark.slow
def test_fp16_trains_about_as_well_as_fp32(digits_flat):
    X = torch.from_numpy(digits_flat[0][:400])
    results = {}
    for precision in ("fp32", "fp16"):
        torch.manual_seed(0)
        model = create_model("deep", (64,), latent_dim=8, hidden_dims=(32,))
        config = TrainConfig(epochs=8, batch_size=64, lr=3e-3, progress=False, early_stopping=None,
                             precision=precision)
        results[precision] = fit(model, X, config)["val_total"]
    assert results["fp16"][-1] < 0.7 * results["fp16"][0]  # it learns
    assert results["fp16"][-1] == pytest.approx(results["fp32"][-1], rel=0.05)  # and ends where fp32 does


@pytest.mark.parametrize("fused", [True, False])
def test_an_overflowing_gradient_skips_the_step_and_halves_the_scale(fused, tmp_path):
    model = OverflowAt(overflow_steps={2})
    seen = []
    fit(model, X32, _one_step_per_epoch(3, checkpoint_every=1, checkpoint_dir=str(tmp_path),
                                        optimizer_options={"fused": fused}),
        callbacks=[lambda epoch, record, m: seen.append(_weights(m))])
    w1, w2, w3 = seen
    assert all(torch.equal(w1[k], w2[k]) for k in w1)  # step 2 skipped: the weights did not move
    assert not all(torch.equal(w2[k], w3[k]) for k in w2)  # step 3 taken
    assert all(torch.isfinite(v).all() for v in w3.values())
    final = load_checkpoint(tmp_path)
    assert final["epoch"] == 3 and final["scaler"]["scale"] == 32768.0  # 65536 halved once
    assert final["scaler"]["_growth_tracker"] == 1  # one good step since the overflow
    assert np.isfinite([r["train_total"] for r in final["history"]["records"]]).all()


def test_a_skipped_step_does_not_advance_the_one_cycle_schedule():
    lrs = {}
    for overflow in ((), (2,)):
        history = fit(OverflowAt(overflow_steps=overflow), X32, _one_step_per_epoch(5, scheduler="onecycle"))
        lrs[overflow] = history["lr"]  # the lr after each epoch's (one) step
    clean, skipped = lrs[()], lrs[(2,)]
    assert len(set(clean[:4])) == 4  # the schedule moves after every step (and ends after 4 of 5)
    assert skipped[:4] == [clean[0], clean[0], clean[1], clean[2]]  # step 2 skipped: the lr waits
    assert skipped[4] == clean[3]  # one step behind, it still reaches the schedule's end


@pytest.mark.slow
def test_fp16_resumes_exactly_with_its_loss_scale(tmp_path):
    straight = OverflowAt(overflow_steps={2})
    fit(straight, X32, _one_step_per_epoch(4))

    first = OverflowAt(overflow_steps={2})
    fit(first, X32, _one_step_per_epoch(2, checkpoint_every=1, checkpoint_dir=str(tmp_path)))
    assert load_checkpoint(tmp_path)["scaler"]["scale"] == 32768.0
    resumed = OverflowAt(overflow_steps={2}, seed=99, calls=2)  # other initial weights: the checkpoint's win
    fit(resumed, X32, _one_step_per_epoch(4, checkpoint_every=1, checkpoint_dir=str(tmp_path)),
        resume_from=str(tmp_path))
    for key, value in straight.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key
    state = load_checkpoint(tmp_path)
    # the scale came back from the checkpoint (a fresh scaler would be at 65536 again)
    assert state["scaler"] == {"scale": 32768.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                               "growth_interval": 2000, "_growth_tracker": 2}


def test_fp16_checkpoints_refuse_to_resume_at_another_precision(tmp_path):
    fit(OverflowAt(), X32, _one_step_per_epoch(2, checkpoint_every=1, checkpoint_dir=str(tmp_path)))
    config = TrainConfig(epochs=3, batch_size=32, validation_split=0.0, progress=False, precision="fp32")
    with pytest.raises(ValueError, match="precision: 'fp16' -> 'fp32'"):
        fit(OverflowAt(), X32, config, resume_from=str(tmp_path))


@pytest.mark.slow
def test_aekit_train_and_the_estimator_take_fp16(tmp_path, digits_flat):
    np.save(tmp_path / "x.npy", digits_flat[0][:120])
    result = CliRunner().invoke(main, ["train", str(tmp_path / "x.npy"), "--out", str(tmp_path / "run"),
                                       "--epochs", "1", "--latent-dim", "2", "--precision", "fp16", "--quiet"])
    assert result.exit_code == 0, result.output
    est = Autoencoder.load(tmp_path / "run")
    assert est.get_params()["precision"] == "fp16"
    codes = est.transform(digits_flat[0][:5])
    assert codes.shape == (5, 2) and codes.dtype == np.float32 and np.isfinite(codes).all()


def test_a_layer_without_a_cpu_fp16_kernel_gets_a_one_line_error():
    """oneDNN has no fp16 LSTM on most CPUs: a clear ValueError, not its primitive-descriptor error
    (where the CPU has the kernel, the fit simply works)."""
    model = create_model("lstm", (8, 4), latent_dim=2)
    try:
        history = fit(model, torch.rand(32, 8, 4), _one_step_per_epoch(1))
    except ValueError as err:
        assert str(err).startswith("precision='fp16' on the CPU: torch has no fp16 kernel") and "bf16" in str(err)
    else:
        assert np.isfinite(history["train_total"]).all()
