"""VAE options: free bits, capacity, KL warm-up, conditioning on a label, numerical safety."""

import numpy as np
import pytest
import torch

from aekit import TrainConfig, create_model, fit, load_model, save_model
from aekit.models import GaussianLatent
from aekit.training import CapacitySchedule, KLWarmup, TrainingDivergedError


def test_free_bits_floor_each_dimension_and_stop_its_gradient():
    latent = GaussianLatent(free_bits=0.5)
    mu = torch.tensor([[0.1, 2.0], [-0.1, 2.0]], requires_grad=True)
    h = torch.cat([mu, torch.zeros(2, 2)], dim=1)
    _, _, terms = latent.eval()(h)
    # dim 0: KL 0.005 < 0.5 -> 0.5; dim 1: KL 2.0 per sample stays
    assert terms["kl"].tolist() == pytest.approx([2.5, 2.5])
    terms["kl"].sum().backward()
    assert mu.grad[:, 0].abs().max() == 0 and mu.grad[:, 1].abs().min() > 0


def test_capacity_penalises_the_distance_to_the_target_and_reports_nats():
    model = create_model("vae", (4,), latent_dim=2, latent={"name": "gaussian", "beta": 10.0, "capacity": 3.0})
    x = torch.rand(8, 4)
    torch.manual_seed(0)
    parts = model.loss(x).parts
    kl = parts["kl_nats"].item()
    assert parts["kl"].item() == pytest.approx(10.0 * abs(kl - 3.0), rel=1e-4)
    assert parts["total"].item() == pytest.approx(parts["reconstruction"].item() + parts["kl"].item(), rel=1e-5)


def test_kl_warmup_and_capacity_schedules_set_the_latent_each_epoch():
    model = create_model("vae", (6,), latent_dim=2)
    history = fit(model, torch.rand(64, 6), TrainConfig(epochs=6, progress=False, early_stopping=None),
                  callbacks=[KLWarmup(epochs=4, model=model)])
    assert history["beta"] == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0, 1.0])
    cap = create_model("vae", (6,), latent_dim=2, latent={"name": "gaussian", "capacity": 0.0})
    history = fit(cap, torch.rand(64, 6), TrainConfig(epochs=3, progress=False, early_stopping=None),
                  callbacks=[CapacitySchedule(epochs=2, capacity=10.0, model=cap)])
    assert history["capacity"] == pytest.approx([0.0, 5.0, 10.0])
    with pytest.raises(ValueError, match="no option 'capacity'"):
        CapacitySchedule(epochs=2, capacity=1.0, model=create_model("deep", (6,), latent_dim=2))


@pytest.mark.slow
def test_conditional_vae_uses_the_label(digits_images, tmp_path):
    X, y = digits_images
    x, labels = torch.from_numpy(X[:600]), torch.from_numpy(y[:600])
    torch.manual_seed(0)
    model = create_model("vae", (1, 8, 8), latent_dim=2, n_conditions=10, architecture="mlp",
                         likelihood="bernoulli", hidden_dims=[64])
    before = model.loss(x, labels).total.item()
    history = fit(model, (x, labels), TrainConfig(epochs=12, batch_size=64, lr=3e-3, progress=False,
                                                  early_stopping=None))
    assert history["train_total"][-1] < 0.8 * before
    model.eval()
    z = torch.zeros(10, 2)
    images = model.decode(z, torch.arange(10))  # same code, ten labels
    # The label alone changes the picture: class means of the data, told apart.
    class_means = torch.stack([x[labels == c].mean(0) for c in range(10)])
    errors = ((images[:, None] - class_means[None]) ** 2).flatten(2).sum(-1)  # (generated, class)
    assert (errors.argmin(1) == torch.arange(10)).float().mean() >= 0.8
    save_model(model, tmp_path / "m")
    torch.testing.assert_close(load_model(tmp_path / "m").decode(z, torch.arange(10)), images)


def test_conditional_conv_vae_takes_the_label_as_channels(digits_images):
    X, y = digits_images
    x, labels = torch.from_numpy(X[:256]), torch.from_numpy(y[:256])
    torch.manual_seed(0)
    model = create_model("vae", (1, 8, 8), latent_dim=2, n_conditions=10, likelihood="bernoulli", channels=[8, 16])
    assert model.encoder(torch.zeros(1, 11, 8, 8)).shape == (1, 4)  # 1 image channel + 10 label planes
    history = fit(model, (x, labels), TrainConfig(epochs=4, batch_size=64, lr=3e-3, progress=False,
                                                  early_stopping=None))
    assert history["train_total"][-1] < history["train_total"][0]
    images = model.eval().decode(torch.zeros(2, 2), torch.tensor([0, 1]))
    assert (images[0] - images[1]).abs().max() > 1e-3  # the label reaches the decoder


def test_conditional_inputs_are_checked():
    model = create_model("vae", (6,), latent_dim=2, n_conditions=3)
    x = torch.rand(4, 6)
    with pytest.raises(ValueError, match="n_conditions=3"):
        model.loss(x)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\]"):
        model.loss(x, torch.tensor([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"shape \(batch, 3\)"):
        model.loss(x, torch.rand(4, 5))
    one_hot = torch.eye(3)[[0, 1, 2, 0]]
    model.eval()
    torch.testing.assert_close(model.encode(x, one_hot), model.encode(x, torch.tensor([0, 1, 2, 0])))
    with pytest.raises(ValueError, match="n_conditions=0"):
        create_model("vae", (6,), latent_dim=2).loss(x, torch.tensor([0, 1, 2, 0]))


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian", {"name": "gaussian_learned", "variance": "sample"}])
def test_no_nan_on_all_zero_and_all_one_inputs(likelihood):
    x = torch.cat([torch.zeros(64, 16), torch.ones(64, 16)])
    torch.manual_seed(0)
    model = create_model("vae", (16,), latent_dim=2, hidden_dims=[16], likelihood=likelihood)
    history = fit(model, x, TrainConfig(epochs=8, lr=1e-2, batch_size=32, progress=False, early_stopping=None))
    assert np.isfinite(history["train_total"]).all()
    assert history["train_total"][-1] < history["train_total"][0]
    assert torch.isfinite(model.eval().reconstruct(x)).all()


def test_divergence_names_the_epoch():
    model = create_model("vae", (4,), latent_dim=2, hidden_dims=[8])
    config = TrainConfig(epochs=30, lr=1e12, optimizer="sgd", progress=False, early_stopping=None)
    with pytest.raises(TrainingDivergedError, match=r"epoch \d+"):
        fit(model, torch.rand(64, 4) * 100, config)
