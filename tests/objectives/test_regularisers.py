import pytest
import torch

from aekit import create_model
from aekit.objectives import make_regulariser, regulariser_names


def test_l1_activity_value_is_reported_as_its_own_part():
    model = create_model("linear", (4,), latent_dim=2, regularisers=[{"name": "l1_activity", "weight": 0.5}])
    x = torch.randn(8, 4)
    out = model.loss(x)
    code = model.encode(x)
    assert out.parts["l1_activity"].item() == pytest.approx(0.5 * code.abs().sum(1).mean().item(), rel=1e-5)
    assert out.total.item() == pytest.approx(out.parts["reconstruction"].item() + out.parts["l1_activity"].item(), rel=1e-6)


def test_weight_penalties_cover_weight_matrices_only():
    model = create_model("deep", (5,), latent_dim=2, hidden_dims=[3], regularisers=["l2_weights", "l1_weights"])
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    parts = model.loss(torch.randn(4, 5)).parts
    assert parts["l2_weights"].item() == pytest.approx(1e-3 * sum(w.pow(2).sum().item() for w in weights), rel=1e-5)
    assert parts["l1_weights"].item() == pytest.approx(1e-3 * sum(w.abs().sum().item() for w in weights), rel=1e-5)


def test_registry_and_errors():
    assert {"l1_activity", "l1_weights", "l2_weights"} <= set(regulariser_names())
    with pytest.raises(ValueError, match="regulariser must be one of"):
        make_regulariser("l3")
    with pytest.raises(ValueError, match="weight must be a non-negative"):
        make_regulariser({"name": "l1_activity", "weight": -1})
