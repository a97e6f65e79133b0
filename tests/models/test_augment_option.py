"""Training-time augmentation of autoencoders: input and target move together."""

import numpy as np
import pytest
import torch

import aekit
from aekit.transforms.augment import Augment, random_translate


def test_random_translate_moves_whole_pixels_and_fills_with_zeros():
    torch.manual_seed(0)
    x = torch.rand(64, 1, 6, 6) + 1.0  # no zeros inside, so a zero can only be uncovered border
    y = random_translate(x, pixels=2)
    for xi, yi in zip(x[:, 0], y[:, 0]):
        rows, cols = torch.nonzero(yi, as_tuple=True)
        r0, c0 = int(rows.min()), int(cols.min())
        r1, c1 = int(rows.max()) + 1, int(cols.max()) + 1
        dy = r0 if r0 > 0 else r1 - 6
        dx = c0 if c0 > 0 else c1 - 6
        assert abs(dy) <= 2 and abs(dx) <= 2
        shifted = torch.roll(xi, shifts=(dy, dx), dims=(0, 1))[r0:r1, c0:c1]
        assert torch.equal(yi[r0:r1, c0:c1], shifted)  # exact values: nearest sampling, no blur
        assert int((yi == 0).sum()) == 36 - (r1 - r0) * (c1 - c0)
    shifts_seen = {(int((y[i, 0] == 0).any(0).sum()), int((y[i, 0] == 0).any(1).sum())) for i in range(64)}
    assert len(shifts_seen) > 3  # samples get their own shifts
    assert torch.equal(random_translate(x, pixels=0), x)
    with pytest.raises(ValueError, match="pixels must be a non-negative int"):
        random_translate(x, pixels=1.5)


def test_augment_changes_input_and_target_in_training_only():
    model = aekit.create_model("deep", (1, 8, 8), latent_dim=4, hidden_dims=(16,),
                               augment=[{"name": "horizontal_flip", "p": 1.0}])
    x = torch.rand(5, 1, 8, 8)
    result = model(x)
    assert torch.equal(result.x, x.flip(-1)) and torch.equal(result.x_in, x.flip(-1))
    expected = model.likelihood.loss(result.params, x.flip(-1)).mean()
    assert torch.allclose(model.loss(x).parts["reconstruction"], expected)  # the target is the flipped image
    model.eval()
    assert torch.equal(model(x).x, x)
    assert torch.equal(model.encode(x), model.encode(x))


def test_augment_errors():
    with pytest.raises(ValueError, match=r"need images of shape \(C, H, W\)"):
        aekit.create_model("deep", (64,), latent_dim=4, augment=[{"name": "horizontal_flip"}])
    aekit.create_model("deep", (64,), latent_dim=4, augment="tabular")  # element-wise steps suit vectors
    with pytest.raises(ValueError, match="augmentation preset must be one of"):
        aekit.create_model("deep", (1, 8, 8), latent_dim=4, augment="nope")
    model = aekit.create_model("deep", (1, 8, 8), latent_dim=4, augment=[{"name": "horizontal_flip"}])
    with pytest.raises(ValueError, match="cannot be combined with a mask"):
        model(torch.rand(2, 1, 8, 8), mask=torch.ones(2, 1, dtype=torch.bool))


def test_estimator_with_augment_trains_saves_and_loads(tmp_path, digits_flat):
    X = digits_flat[0].astype(np.float32) / 16
    ae = aekit.Autoencoder(latent_dim=8, hidden_dims=(64,), input_shape=(1, 8, 8), epochs=3, device="cpu",
                           recipe_options={"augment": [{"name": "random_translate", "pixels": 1}]},
                           random_state=0).fit(X)
    assert isinstance(ae.model_.augment, Augment)
    ae.save(tmp_path / "m")
    loaded = aekit.Autoencoder.load(tmp_path / "m")
    assert loaded.model_.augment.config() == [{"name": "random_translate", "pixels": 1}]
    np.testing.assert_array_equal(loaded.transform(X), ae.transform(X))
