"""The MLP encoder and decoder skip their no-op layers (#19 item 7) without changing what they compute."""

import torch
from torch import nn

from aekit import create_model
from aekit.models.autoencoder import AutoencoderModel
from aekit.nn import MLPDecoder, MLPEncoder


def _plain(seq: nn.Sequential, x: torch.Tensor) -> torch.Tensor:
    return nn.Sequential.forward(seq, x)


def test_outputs_match_the_plain_sequential_for_flat_and_image_inputs():
    torch.manual_seed(0)
    for shape in [(12,), (1, 4, 3)]:
        enc, dec = MLPEncoder(shape, 5, hidden_dims=(7,)), MLPDecoder(5, shape, hidden_dims=(7,))
        x = torch.randn(6, *shape)
        assert torch.equal(enc(x), _plain(enc, x))
        code = enc(x)
        assert torch.equal(dec(code), _plain(dec, code))
        assert dec(code).shape == (6, *shape)


def test_skipped_layers_stay_registered_and_a_hooked_layer_still_runs():
    enc = MLPEncoder(12, 5, hidden_dims=(7,))
    assert isinstance(enc[0], nn.Flatten) and isinstance(enc[-1], nn.Identity)  # state dicts unchanged
    calls = []
    enc[-1].register_forward_hook(lambda module, args, out: calls.append(out.shape))
    enc[0].register_forward_pre_hook(lambda module, args: calls.append("flatten"))
    enc(torch.randn(3, 12))
    assert calls == ["flatten", torch.Size([3, 5])]


def test_a_code_activation_is_not_skipped():
    enc = MLPEncoder(12, 5, hidden_dims=(7,), code_activation="sigmoid")
    out = enc(torch.randn(4, 12) * 10)
    assert ((out > 0) & (out < 1)).all()


class _ReportingLatent(nn.Module):
    """A user's latent layer with a weighted term and a reported value, as instance attributes."""

    name, n_params = "reporting", 1

    def __init__(self):
        super().__init__()
        self.term_weights = lambda: {"size": 3.0}
        self.reported = lambda h: {"mean_code": h.mean()}

    def forward(self, h):
        return h, h, {"size": h.pow(2).sum(dim=1)}


def test_user_latent_terms_weights_and_reports_reach_the_loss():
    torch.manual_seed(0)
    model = AutoencoderModel(MLPEncoder(6, 2, (4,)), MLPDecoder(2, 6, (4,)), input_shape=(6,), latent_dim=2,
                             latent=_ReportingLatent())
    x = torch.randn(5, 6)
    out = model.loss(x)
    result = model(x)
    assert torch.allclose(out.parts["size"], 3.0 * result.h.pow(2).sum(dim=1).mean())
    assert torch.allclose(out.parts["total"], out.parts["reconstruction"] + out.parts["size"])
    assert torch.allclose(out.parts["mean_code"], result.h.mean())


def test_the_default_recipe_reports_only_its_reconstruction():
    model = create_model("deep", (10,), latent_dim=2)
    assert set(model.loss(torch.rand(4, 10)).parts) == {"reconstruction", "total"}


def _general_loss(model, x):
    """The loss through forward and the ForwardResult, as every non-plain model takes it."""
    parts = model._loss_terms(model(x), per_sample=False)
    return parts["reconstruction"]


def test_a_plain_models_short_loss_path_matches_the_general_one_bit_for_bit():
    for recipe, shape in [("deep", (12,)), ("conv", (1, 8, 8))]:
        torch.manual_seed(0)
        model = create_model(recipe, shape, latent_dim=3)
        x = torch.rand(5, *shape)
        assert model._plain()
        short = model.loss(x)
        grads_short = torch.autograd.grad(short.total, list(model.parameters()))
        general = _general_loss(model, x)
        grads_general = torch.autograd.grad(general, list(model.parameters()))
        assert torch.equal(short.total, general) and set(short.parts) == {"reconstruction", "total"}
        assert all(torch.equal(a, b) for a, b in zip(grads_short, grads_general))


def test_models_with_more_than_encoder_and_decoder_take_the_general_path():
    x = torch.rand(4, 10)
    assert not create_model("vae", (10,), latent_dim=2)._plain()
    assert not create_model("sparse", (10,), latent_dim=4)._plain()
    denoising = create_model("denoising", (10,), latent_dim=2)
    assert not denoising._plain() and denoising.eval()._plain()  # corruption acts in training only
    model = create_model("deep", (10,), latent_dim=2)
    seen = []
    handle = model.register_forward_hook(lambda module, args, out: seen.append(type(out).__name__))
    assert not model._plain()
    model.loss(x)
    assert seen == ["ForwardResult"]  # a user's hook on the model still sees every loss
    handle.remove()
    handle = torch.nn.modules.module.register_module_forward_hook(lambda module, args, out: None)
    try:
        assert not model._plain()
    finally:
        handle.remove()
    assert model._plain()
