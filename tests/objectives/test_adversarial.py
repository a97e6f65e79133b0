"""The adversarial term (context encoder, Pathak et al. 2016): each player's loss reaches only its
own weights, the discriminator learns, and the model round-trips with it."""

import pytest
import torch
from click.testing import CliRunner

import aekit
from aekit import TrainConfig, create_model, fit
from aekit.cli import main


def _model(weight=1e-3):
    torch.manual_seed(0)
    return create_model("inpaint", (1, 8, 8), latent_dim=8, channels=(4, 8), adversarial=weight).train()


def _grads(module):
    return [p.grad for p in module.parameters()]


def _split(model):
    reg = model.regularisers[0]
    autoencoder = [p for n, p in model.named_parameters() if not n.startswith("regularisers.")]
    return reg, autoencoder, list(reg.discriminator.parameters())


def test_each_player_loss_reaches_only_its_own_weights():
    model = _model()
    reg, autoencoder, critic = _split(model)
    x = torch.rand(16, 1, 8, 8)
    result = model(x)
    g_loss, d_loss = reg.losses(result, model)

    g_loss.backward(retain_graph=True)
    assert all(p.grad is None or not p.grad.any() for p in critic)
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in autoencoder)

    model.zero_grad(set_to_none=True)
    d_loss.backward()
    assert all(p.grad is None or not p.grad.any() for p in autoencoder)
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in critic)


def test_loss_reports_both_players_with_the_weight():
    model = _model(weight=0.01)
    reg = model.regularisers[0]
    out = model.loss(torch.rand(16, 1, 8, 8))
    assert {"adversarial", "discriminator"} <= set(out.parts)
    # Scaled like the summed squared error: weight x half the input size (64 values).
    assert reg.scale == pytest.approx(0.01 * 32)
    # At initialisation the critic is near chance: its loss is near 2 log 2.
    assert 1.0 < out.parts["discriminator"].item() / reg.scale < 1.8
    expected = out.parts["reconstruction"] + out.parts["adversarial"] + out.parts["discriminator"]
    torch.testing.assert_close(out.parts["total"], expected)
    assert reg.config()["input_shape"] == [1, 8, 8]


@pytest.mark.slow
def test_the_discriminator_learns_to_tell_reconstructions_from_images(digits_images):
    """Trained beside a deliberately poor autoencoder (a 1-d code), the critic must separate real
    images from the blurry reconstructions: its loss falls well below chance (2 log 2 = 1.386)."""
    X = torch.from_numpy(digits_images[0][:512])
    torch.manual_seed(0)
    model = create_model("inpaint", (1, 8, 8), latent_dim=1, channels=(4, 8), adversarial=1e-3)
    history = fit(model, X, TrainConfig(epochs=15, batch_size=64, lr=3e-3, progress=False, validation_split=0,
                                        early_stopping=None, seed=0))
    scale = model.regularisers[0].scale
    d_first, d_last = history["train_discriminator"][0] / scale, history["train_discriminator"][-1] / scale
    assert d_last < 1.2 < d_first + 0.1, (d_first, d_last)


def test_weight_zero_means_no_discriminator_and_bad_weights_are_refused():
    plain = create_model("inpaint", (1, 8, 8), latent_dim=4, channels=(4,))
    assert len(plain.regularisers) == 0
    with pytest.raises(ValueError, match="adversarial"):
        create_model("inpaint", (1, 8, 8), adversarial=-1)
    with pytest.raises(ValueError, match="input_shape"):
        aekit.objectives.Adversarial(1e-3)


def test_vectors_get_an_mlp_critic_and_the_model_round_trips(tmp_path):
    model = create_model("deep", (12,), latent_dim=2, hidden_dims=(8,),
                         regularisers=[{"name": "adversarial", "weight": 1e-3}])
    out = model.loss(torch.rand(4, 12))
    assert out.total.isfinite()
    aekit.save_model(model, tmp_path / "m")
    loaded = aekit.load_model(tmp_path / "m")
    for a, b in zip(loaded.regularisers[0].discriminator.parameters(), model.regularisers[0].discriminator.parameters()):
        torch.testing.assert_close(a, b)


@pytest.mark.slow
def test_cli_restore_with_the_adversarial_term(tmp_path):
    out = tmp_path / "adv"
    args = ["restore", "--task", "inpaint", "digits", "--out", str(out), "--max-samples", "200", "--epochs", "1",
            "--latent-dim", "8", "--option", "channels=[4,8]", "--option", "adversarial=0.001", "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    model = aekit.load_model(out / "model")
    assert model.regularisers[0].weight == 0.001
