"""Generation: prior samples, interpolation paths, the Gaussian inverse-CDF manifold grid, PNG grids."""

import math

import numpy as np
import pytest
import torch
from PIL import Image

from aekit import create_model
from aekit.models.generation import (
    decode_latent, gaussian_grid, interpolate, lerp, manifold_grid, sample_prior, save_image_grid, slerp,
)


@pytest.fixture
def vae():
    torch.manual_seed(0)
    return create_model("vae", (1, 8, 8), latent_dim=2, likelihood="bernoulli", architecture="mlp").eval()


def test_prior_samples_are_reproducible_and_sampled_outputs_are_binary(vae):
    a, b = sample_prior(vae, 6, seed=1), sample_prior(vae, 6, seed=1)
    torch.testing.assert_close(a, b)
    assert a.shape == (6, 1, 8, 8) and 0 < a.min() and a.max() < 1  # Bernoulli means
    drawn = sample_prior(vae, 6, seed=1, sampled=True)
    assert set(drawn.unique().tolist()) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="n must be a positive int"):
        sample_prior(vae, 0)


def test_slerp_and_lerp_hand_values():
    z0, z1 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    t = torch.tensor([0.0, 0.5, 1.0])
    s = slerp(z0, z1, t)
    torch.testing.assert_close(s[1], torch.tensor([math.sqrt(0.5), math.sqrt(0.5)]))
    torch.testing.assert_close(s.norm(dim=1), torch.ones(3))  # stays on the circle
    torch.testing.assert_close(lerp(z0, z1, t)[1], torch.tensor([0.5, 0.5]))
    torch.testing.assert_close(slerp(z0, 2 * z0, t)[1], 1.5 * z0)  # parallel: falls back to lerp


@pytest.mark.parametrize("method", ["linear", "slerp"])
def test_interpolation_starts_and_ends_at_the_reconstructions(vae, method):
    x0, x1 = torch.rand(1, 8, 8), torch.rand(1, 8, 8)
    path = interpolate(vae, x0, x1, steps=5, method=method)
    assert path.shape == (5, 1, 8, 8)
    torch.testing.assert_close(path[0], vae.reconstruct(x0[None])[0])
    torch.testing.assert_close(path[-1], vae.reconstruct(x1[None])[0])
    with pytest.raises(ValueError, match="method must be one of"):
        interpolate(vae, x0, x1, method="cubic")


def test_manifold_grid_decodes_gaussian_quantiles(vae):
    q = gaussian_grid(3)
    np.testing.assert_allclose(q, [-1.6448536, 0.0, 1.6448536], atol=1e-6)
    grid = manifold_grid(vae, n=3)
    # top-left: (q0, q2); bottom-right: (q2, q0)
    torch.testing.assert_close(grid[0], decode_latent(vae, torch.tensor([[q[0], q[2]]], dtype=torch.float32))[0])
    torch.testing.assert_close(grid[8], decode_latent(vae, torch.tensor([[q[2], q[0]]], dtype=torch.float32))[0])
    with pytest.raises(ValueError, match="dims must name two"):
        manifold_grid(vae, n=3, dims=(0, 5))


def test_save_image_grid_writes_a_png(vae, tmp_path):
    path = save_image_grid(manifold_grid(vae, n=4), tmp_path / "grid.png", scale=2)
    image = np.asarray(Image.open(path))
    assert image.shape == (2 * (4 * 9 + 1), 2 * (4 * 9 + 1))  # 4 tiles of 8 px + 1 px padding
