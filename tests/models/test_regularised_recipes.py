"""Sparse, k-sparse, denoising recipes; score field and manifold tangents; options on every recipe."""

import numpy as np
import pytest
import torch

import aekit
from aekit import TrainConfig, create_model, fit, list_recipes
from aekit.models import TopKLatent
from aekit.models.geometry import encoder_jacobian, manifold_tangents, score_field

REGULARISED = ("sparse", "sparse-kl", "sparse-topk", "denoising", "contractive")


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _cfg(epochs, lr=1e-2, batch_size=100):
    return TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, progress=False, early_stopping=None, validation_split=0)


def test_recipes_are_registered_with_their_parts():
    assert set(REGULARISED) <= set(list_recipes())
    assert [r.name for r in create_model("sparse", (8,)).regularisers] == ["l1_activity"]
    assert [r.name for r in create_model("sparse-kl", (8,)).regularisers] == ["kl_sparsity"]
    assert create_model("sparse-topk", (8,), latent_dim=32).latent.k == 4
    assert create_model("denoising", (8,)).corruption.config() == {"name": "gaussian", "std": 0.3}
    assert create_model("denoising", (8,), corruption="masking").corruption.name == "masking"
    assert [r.name for r in create_model("contractive", (8,)).regularisers] == ["contractive"]


@pytest.mark.parametrize("name", REGULARISED)
def test_overcomplete_weight_decay_and_tied_on_every_regularised_recipe(name):
    extra = [{"name": "l2_weights", "weight": 1e-4}]
    model = create_model(name, (6,), latent_dim=20, regularisers=extra)
    names = [r.name for r in model.regularisers]
    assert "l2_weights" in names and model.encode(torch.rand(3, 6)).shape == (3, 20)  # overcomplete
    loss = model.loss(torch.rand(4, 6))
    assert loss.parts["l2_weights"].item() > 0
    if name != "denoising":  # single-layer recipes can tie the decoder to the encoder
        tied = create_model(name, (6,), latent_dim=20, tied=True)
        assert sum(p.numel() for p in tied.parameters()) < sum(p.numel() for p in model.parameters())


def test_topk_latent_keeps_exactly_k_and_routes_gradients():
    h = torch.tensor([[0.5, -2.0, 3.0, 1.0], [4.0, 0.1, 0.2, 0.3]], requires_grad=True)
    code, z, terms = TopKLatent(k=2)(h)
    torch.testing.assert_close(code, torch.tensor([[0.0, 0.0, 3.0, 1.0], [4.0, 0.0, 0.0, 0.3]]))
    assert terms == {} and z is code
    code.sum().backward()
    torch.testing.assert_close(h.grad, torch.tensor([[0.0, 0.0, 1.0, 1.0], [1.0, 0.0, 0.0, 1.0]]))
    with pytest.raises(ValueError, match="k"):
        TopKLatent(k=0)
    with pytest.raises(ValueError, match="exceeds"):
        TopKLatent(k=5)(torch.rand(2, 4))


def test_sparse_recipes_give_sparse_codes(digits_flat):
    X = torch.from_numpy(digits_flat[0][:600])
    topk = create_model("sparse-topk", (64,), latent_dim=96, k=10)
    fit(topk, X, _cfg(5))
    assert ((topk.encode(X) != 0).sum(1) <= 10).all()
    l1, plain = (create_model("sparse", (64,), latent_dim=96, weight=w) for w in (0.05, 0.0))
    for m in (l1, plain):
        fit(m, X, _cfg(10))
    zeros = {k: (m.eval().encode(X) == 0).float().mean().item() for k, m in (("l1", l1), ("plain", plain))}
    assert zeros["l1"] > zeros["plain"] + 0.2, zeros


@pytest.mark.slow
def test_denoising_beats_plain_ae_on_noisy_held_out_digits(digits_flat):
    """Must show: clearly lower error against the clean images than a plain AE of the same shape."""
    X = torch.from_numpy(digits_flat[0])
    train, test = X[:1400], X[1400:]
    noisy = test + 0.3 * torch.randn(test.shape, generator=torch.Generator().manual_seed(1))
    errors = {}
    for name in ("denoising", "deep"):
        torch.manual_seed(0)
        model = create_model(name, (64,), latent_dim=64, hidden_dims=[128])
        fit(model, train, _cfg(20, lr=3e-3))
        errors[name] = (model.eval().reconstruct(noisy) - test).pow(2).mean().item()
    assert errors["denoising"] < 0.7 * errors["deep"], errors


@pytest.mark.slow
def test_score_field_points_back_to_a_circle():
    rng = np.random.default_rng(0)
    angles = rng.uniform(0, 2 * np.pi, 1000)
    data = np.stack([np.cos(angles), np.sin(angles)], 1).astype(np.float32)
    model = create_model("denoising", (2,), latent_dim=16, hidden_dims=[64, 64], corruption={"name": "gaussian", "std": 0.2})
    fit(model, data, _cfg(40, lr=3e-3, batch_size=50))
    probe = np.stack([np.cos(angles[:200]), np.sin(angles[:200])], 1)
    outside, inside = 1.5 * probe, 0.5 * probe
    radial_out = (score_field(model, outside) * probe).sum(1)
    radial_in = (score_field(model, inside) * probe).sum(1)
    assert (radial_out < 0).mean() > 0.95 and (radial_in > 0).mean() > 0.95
    np.testing.assert_allclose(score_field(model, outside, sigma=0.2), score_field(model, outside) / 0.04, rtol=1e-5)
    with pytest.raises(ValueError, match="x must hold samples"):
        score_field(model, np.zeros((3, 5)))


def test_manifold_tangents_are_right_singular_vectors():
    model = create_model("linear", (10,), latent_dim=3).double()
    x = torch.rand(4, 10, dtype=torch.float64)
    jac = encoder_jacobian(model, x)
    W = model.encoder[1].weight.detach()
    for j in jac:
        torch.testing.assert_close(j, W)  # a linear encoder's Jacobian is its weight, everywhere
    tangents, s = manifold_tangents(model, x, n_tangents=3)
    _, s_ref, vh = torch.linalg.svd(W, full_matrices=False)
    torch.testing.assert_close(s[0], s_ref)
    torch.testing.assert_close(tangents[0].abs(), vh.abs())
    gram = tangents[1] @ tangents[1].T
    torch.testing.assert_close(gram, torch.eye(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="n_tangents"):
        manifold_tangents(model, x, n_tangents=4)


def test_every_regularised_recipe_through_the_estimator(digits_flat, tmp_path):
    X = digits_flat[0][:300]
    for name in REGULARISED:
        est = aekit.Autoencoder(recipe=name, latent_dim=12, epochs=2, batch_size=64, random_state=0, device="cpu").fit(X)
        est.save(tmp_path / name)
        again = aekit.Autoencoder.load(tmp_path / name)
        np.testing.assert_array_equal(again.transform(X[:5]), est.transform(X[:5]))


@pytest.mark.slow
def test_field_and_tangent_plots_are_written(tmp_path):
    from aekit.viz import plot_score_field, plot_tangents

    model = create_model("denoising", (2,), latent_dim=4, hidden_dims=[8])
    data = np.random.default_rng(0).normal(size=(50, 2))
    assert plot_score_field(model, data, tmp_path / "field.png", grid=5).stat().st_size > 1000
    with pytest.raises(ValueError, match="shape"):
        plot_score_field(model, np.zeros((5, 3)), tmp_path / "bad.png")
    image_model = create_model("contractive", (1, 8, 8), latent_dim=6)
    x = torch.rand(2, 1, 8, 8)
    tangents, s = manifold_tangents(image_model, x, n_tangents=3)
    path = plot_tangents(x.numpy(), tangents.numpy(), (8, 8), tmp_path / "tangents.png", s.numpy())
    assert path.stat().st_size > 1000
