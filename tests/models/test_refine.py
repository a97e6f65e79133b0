"""Code refinement (aekit.models.refine and the estimators' refine_codes option)."""

import numpy as np
import pytest
import torch
from sklearn.utils.estimator_checks import check_estimator

import aekit
from aekit import TrainConfig, create_model, fit
from aekit.models.refine import reconstruction_loss, refine_codes


@pytest.fixture(scope="module")
def trained(digits_flat):
    X = torch.from_numpy(digits_flat[0])
    torch.manual_seed(0)
    # wide enough to overfit 1,200 rows a little: its encoder's guesses on new rows leave a gap
    model = create_model("deep", (64,), latent_dim=8, hidden_dims=[128, 64])
    fit(model, X[:1200], TrainConfig(epochs=60, batch_size=64, progress=False, seed=0))
    return model.eval(), X[1200:]


@pytest.mark.slow
def test_refinement_lowers_every_held_out_samples_loss_and_leaves_the_weights(trained):
    model, x = trained
    before = {k: v.clone() for k, v in model.state_dict().items()}
    flags = [p.requires_grad for p in model.parameters()]
    code = model.encode(x).detach()
    refined = refine_codes(model, x, code, steps=30, lr=0.05)
    with torch.no_grad():
        start, end = reconstruction_loss(model, x, code), reconstruction_loss(model, x, refined)
    assert end.mean() < 0.9 * start.mean(), (start.mean().item(), end.mean().item())
    assert (end <= start + 1e-6).float().mean() > 0.99  # nearly every sample improves, none by chance alone
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert [p.requires_grad for p in model.parameters()] == flags
    assert refined.shape == code.shape and not refined.requires_grad
    assert torch.equal(refine_codes(model, x, code, steps=0), code)


@pytest.mark.slow
def test_a_samples_refined_code_does_not_depend_on_its_batch_mates(trained):
    model, x = trained
    code = model.encode(x).detach()
    together = refine_codes(model, x[:64], code[:64], steps=10)
    alone = torch.cat([refine_codes(model, x[i : i + 8], code[i : i + 8], steps=10) for i in range(0, 64, 8)])
    torch.testing.assert_close(together, alone, rtol=1e-4, atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("steps, lr, match", [(-1, 0.05, "steps"), (2.5, 0.05, "steps"), (3, 0.0, "lr")])
def test_bad_refinement_settings_are_named(trained, steps, lr, match):
    model, x = trained
    with pytest.raises(ValueError, match=match):
        refine_codes(model, x[:4], model.encode(x[:4]), steps=steps, lr=lr)


@pytest.mark.slow
def test_estimator_refined_codes_reconstruct_held_out_data_better(digits_flat, tmp_path):
    X = digits_flat[0]
    ae = aekit.Autoencoder(latent_dim=8, hidden_dims=(128, 64), epochs=60, batch_size=64, validation_split=0,
                           early_stopping=None, device="cpu", random_state=0).fit(X[:1200])
    held = X[1200:]
    plain = np.mean((ae.reconstruct(held) - held) ** 2)
    plain_scores = ae.score_samples(held)
    ae.set_params(refine_codes=20)
    refined = np.mean((ae.reconstruct(held) - held) ** 2)
    assert refined < 0.9 * plain, (plain, refined)
    assert ae.score_samples(held).mean() > plain_scores.mean()
    # the refined codes are what reconstruct decodes
    np.testing.assert_allclose(ae.inverse_transform(ae.transform(held)), ae.reconstruct(held), atol=1e-5)
    loaded = aekit.Autoencoder.load(ae.save(tmp_path / "m"))
    assert loaded.refine_codes == 20
    np.testing.assert_allclose(loaded.transform(held[:50]), ae.transform(held[:50]), atol=1e-6)


def test_estimator_rejects_bad_refinement_options_before_training(digits_flat):
    X = digits_flat[0][:200]
    with pytest.raises(ValueError, match=r"'refine_codes' parameter of Autoencoder must be an int in the range \[0, inf\)"):
        aekit.Autoencoder(latent_dim=2, epochs=1, refine_codes=-3).fit(X)
    with pytest.raises(ValueError, match=r"'refine_lr' parameter of Autoencoder must be a float in the range \(0\.0, inf\)"):
        aekit.Autoencoder(latent_dim=2, epochs=1, refine_codes=2, refine_lr=-1.0).fit(X)
    with pytest.raises(ValueError, match="top-k"):
        aekit.Autoencoder("sparse-topk", latent_dim=8, epochs=1, refine_codes=2,
                          recipe_options={"k": 2}).fit(X)


@pytest.mark.slow
def test_check_estimator_passes_with_refinement():
    est = aekit.Autoencoder(latent_dim=2, hidden_dims=(8,), epochs=3, batch_size=32, device="cpu", random_state=0,
                            refine_codes=3)
    failed = [(r["check_name"], r["exception"]) for r in check_estimator(est, on_fail=None) if r["status"] == "failed"]
    assert not failed


@pytest.mark.slow
def test_refinement_runs_in_fp32_under_a_bf16_estimator(digits_flat):
    """bf16 rounding noise near the optimum, amplified by Adam's normalised steps, once made refined
    reconstructions several times worse; refinement now always runs in fp32."""
    X = digits_flat[0]
    ae = aekit.Autoencoder(latent_dim=8, hidden_dims=(128, 64), epochs=60, batch_size=64, validation_split=0,
                           early_stopping=None, device="cpu", random_state=0, precision="bf16").fit(X[:1200])
    held = X[1200:]
    plain = np.mean((ae.reconstruct(held) - held) ** 2)
    refined = np.mean((ae.set_params(refine_codes=20).reconstruct(held) - held) ** 2)
    assert refined < 0.95 * plain, (plain, refined)
