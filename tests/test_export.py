"""aekit.export / `aekit export`: the exported graphs compute what the estimator computes, in raw
units (the scaling is inside), for any batch size; files are never overwritten unasked."""

import importlib.util
import os

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import aekit
from aekit.cli import main
from aekit.io.export import read_export_metadata

BATCHES = (1, 5, 70)  # 1 and a size unlike the traced example's: the batch dimension is dynamic
PARTS = ("encoder", "decoder", "full")


@pytest.fixture(scope="module")
def raw_rows(digits_flat):
    """Digits in raw units far from [0, 1] (offset and scale), so that the scaling matters."""
    return digits_flat[0][:300].astype(np.float64) * 16 + 3


@pytest.fixture(scope="module")
def estimators(raw_rows):
    fast = {"epochs": 2, "batch_size": 64, "device": "cpu", "random_state": 0, "early_stopping": None}
    return {
        "mlp": aekit.Autoencoder("deep", latent_dim=3, hidden_dims=[16], **fast).fit(raw_rows),
        "conv": aekit.Autoencoder("conv", latent_dim=4, input_shape=(1, 8, 8), preprocessing="standard",
                                  recipe_options={"channels": [4, 8]}, **fast).fit(raw_rows),
        "vae": aekit.VariationalAutoencoder(latent_dim=2, hidden_dims=[16], **fast).fit(raw_rows),
    }


def _expected(est, part, x, z):
    """What the estimator itself gives for the part's input."""
    if part == "encoder":
        return est.transform(x)
    if part == "decoder":
        return est.inverse_transform(z)
    return est.reconstruct(x)


def _inputs(est, part, raw_rows, n):
    x = raw_rows[:n].astype(np.float32)
    z = est.transform(raw_rows[-n:]).astype(np.float32)  # realistic codes, not the rows' own
    return x, z, (z if part == "decoder" else x)


def _assert_matches(got, want):
    # float32 arithmetic in another order: agreement to ~1e-6 of the output's range
    tol = 1e-5 * max(1.0, float(np.abs(want).max()))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=tol)


@pytest.mark.slow
@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("name", ["mlp", "conv", "vae"])
def test_torch_export_matches_the_estimator_at_any_batch_size(estimators, raw_rows, name, part, tmp_path):
    est = estimators[name]
    path = aekit.export(est, tmp_path / "m.pt2", part=part)
    module = torch.export.load(path).module()
    for n in BATCHES:
        x, z, given = _inputs(est, part, raw_rows, n)
        got = module(torch.from_numpy(given)).numpy()
        _assert_matches(got, _expected(est, part, x, z))
    assert got.shape == (70, est.latent_dim if part == "encoder" else 64)


@pytest.mark.slow
@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("name", ["mlp", "conv", "vae"])
def test_onnx_matches_the_estimator_at_any_batch_size(estimators, raw_rows, name, part, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    est = estimators[name]
    path = aekit.export(est, tmp_path / "m.onnx", part=part)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (inp,), (out,) = session.get_inputs(), session.get_outputs()
    assert inp.name == ("code" if part == "decoder" else "x") and inp.shape[0] == "batch"
    assert out.name == ("code" if part == "encoder" else "reconstruction")
    for n in BATCHES:
        x, z, given = _inputs(est, part, raw_rows, n)
        _assert_matches(session.run(None, {inp.name: given})[0], _expected(est, part, x, z))


@pytest.mark.slow
def test_the_files_record_what_they_hold(estimators, tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxscript")
    vae = estimators["vae"]
    for suffix in (".pt2", ".onnx"):
        info = read_export_metadata(aekit.export(vae, tmp_path / f"d{suffix}", part="decoder"))
        assert info["estimator"] == "VariationalAutoencoder" and info["part"] == "decoder"
        assert info["input"] == {"name": "code", "shape": ["batch", 2]}
        assert info["output"] == {"name": "reconstruction", "shape": ["batch", 64]}
        assert info["preprocessing"] == "standard: included in the graph"


@pytest.mark.slow
def test_a_bare_model_exports_its_own_tensor_shapes(tmp_path, digits_images):
    model = aekit.create_model("conv", (1, 8, 8), latent_dim=4, channels=[4]).eval()
    path = aekit.export(model, tmp_path / "enc.pt2", part="encoder")
    x = torch.from_numpy(digits_images[0][:6])
    with torch.no_grad():
        want = model.encode(x)
    torch.testing.assert_close(torch.export.load(path).module()(x), want, rtol=1e-5, atol=1e-6)
    assert read_export_metadata(path)["input"]["shape"] == ["batch", 1, 8, 8]


@pytest.mark.slow
@pytest.mark.parametrize("name", aekit.list_recipes())
def test_every_recipe_exports_with_a_free_batch_size(name, tmp_path, recwarn):
    model = aekit.create_model(name, (1, 8, 8), latent_dim=3).eval()  # every recipe takes images
    full = torch.export.load(aekit.export(model, tmp_path / "full.pt2")).module()
    for n in (1, 6):  # the traced example had 3 rows
        x = torch.rand(n, 1, 8, 8)
        with torch.no_grad():
            want = model.reconstruct(x)
        torch.testing.assert_close(full(x), want, rtol=1e-5, atol=1e-6)
    assert [str(w.message) for w in recwarn] == []  # nothing of torch's internals reaches the user


@pytest.mark.slow
def test_cli_exports_a_model_folder_and_refuses_to_overwrite(estimators, raw_rows, tmp_path):
    runner = CliRunner()
    folder = estimators["mlp"].save(tmp_path / "model")
    out = tmp_path / "encoder.pt2"
    result = runner.invoke(main, ["export", str(folder), "--format", "torch-export", "--part", "encoder",
                                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output and "code (batch, 3)" in result.output
    x = raw_rows[:9].astype(np.float32)
    _assert_matches(torch.export.load(out).module()(torch.from_numpy(x)).numpy(), estimators["mlp"].transform(x))

    before = out.read_bytes()
    again = runner.invoke(main, ["export", str(folder), "--part", "full", "--out", str(out)])
    assert again.exit_code == 2 and "already exists" in again.output and "--overwrite" in again.output
    assert out.read_bytes() == before  # untouched
    replaced = runner.invoke(main, ["export", str(folder), "--part", "full", "--out", str(out), "--overwrite"])
    assert replaced.exit_code == 0, replaced.output
    assert read_export_metadata(out)["part"] == "full"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["encoder.pt2", "model"]  # no temporary files left


@pytest.mark.slow
def test_cli_onnx_from_the_suffix(estimators, raw_rows, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    folder = estimators["vae"].save(tmp_path / "vae")
    out = tmp_path / "full.onnx"
    result = CliRunner().invoke(main, ["export", str(folder), "--out", str(out)])  # --format from .onnx
    assert result.exit_code == 0, result.output
    assert "VariationalAutoencoder full" in result.output and f"wrote {out}" in result.output
    x = raw_rows[:4].astype(np.float32)
    got = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    _assert_matches(got, estimators["vae"].reconstruct(x))


def test_cli_rejects_bad_part_format_and_suffix(tmp_path):
    runner = CliRunner()
    bad_part = runner.invoke(main, ["export", str(tmp_path), "--part", "middle", "--out", str(tmp_path / "a.pt2")])
    assert bad_part.exit_code == 2 and "Invalid value for '--part'" in bad_part.output
    bad_format = runner.invoke(main, ["export", str(tmp_path), "--format", "tflite", "--out", str(tmp_path / "a.pt2")])
    assert bad_format.exit_code == 2 and "Invalid value for '--format'" in bad_format.output
    mismatch = runner.invoke(main, ["export", str(tmp_path), "--format", "onnx", "--out", str(tmp_path / "a.pt2")])
    assert mismatch.exit_code == 2 and "needs a file name ending in .onnx" in mismatch.output
    unknown = runner.invoke(main, ["export", str(tmp_path), "--out", str(tmp_path / "a.bin")])
    assert unknown.exit_code == 2 and "cannot tell the format from 'a.bin'" in unknown.output
    assert os.listdir(tmp_path) == []


def test_library_errors_name_the_argument_and_what_works(tmp_path):
    model = aekit.create_model("deep", (6,), latent_dim=2, hidden_dims=[4])
    with pytest.raises(ValueError, match=r"part must be one of \('encoder', 'decoder', 'full'\), got 'middle'"):
        aekit.export(model, tmp_path / "a.pt2", part="middle")
    with pytest.raises(ValueError, match="format must be one of"):
        aekit.export(model, tmp_path / "a.pt2", format="tflite")
    with pytest.raises(TypeError, match="cannot export a Linear: export takes an Autoencoder or VariationalAutoencoder"):
        aekit.export(torch.nn.Linear(2, 2), tmp_path / "a.pt2")
    with pytest.raises(TypeError, match="cannot export a SelfSupervised"):
        aekit.export(aekit.SelfSupervised(), tmp_path / "a.pt2")
    with pytest.raises(ValueError, match="not fitted; call fit"):
        aekit.export(aekit.Autoencoder(), tmp_path / "a.pt2")
    skip = aekit.create_model("deep", (6,), latent_dim=2, hidden_dims=[4], input_skip=True)
    with pytest.raises(ValueError, match="input_skip=True.*no stand-alone decoder: export part='full'"):
        aekit.export(skip, tmp_path / "a.pt2", part="decoder")
    (tmp_path / "taken.pt2").write_text("mine")
    with pytest.raises(FileExistsError, match="already exists; pass overwrite=True"):
        aekit.export(model, tmp_path / "taken.pt2")
    assert (tmp_path / "taken.pt2").read_text() == "mine"


def test_missing_onnx_packages_name_the_extra(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxscript" else real(name, *a))
    model = aekit.create_model("deep", (6,), latent_dim=2, hidden_dims=[4])
    # (onnx itself may be missing too, as in CI: the message names every missing package)
    with pytest.raises(ImportError, match=r'not installed: (onnx, )?onnxscript\. Install them with: pip install "aekit\[export\]"'):
        aekit.export(model, tmp_path / "m.onnx")
    result = CliRunner().invoke(main, ["export", str(tmp_path), "--out", str(tmp_path / "m.onnx")])
    assert result.exit_code == 2 and 'pip install "aekit[export]"' in result.output


@pytest.mark.slow  # torch.export traces the model before the (failing) save
def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch.export, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        aekit.export(aekit.create_model("deep", (6,), latent_dim=2, hidden_dims=[4]), tmp_path / "m.pt2")
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
def test_refined_codes_are_not_exported_and_it_says_so(estimators, tmp_path):
    est = estimators["mlp"]
    est.set_params(refine_codes=3)
    try:
        with pytest.warns(UserWarning, match="refine_codes=3 is not exported"):
            aekit.export(est, tmp_path / "e.pt2", part="encoder")
    finally:
        est.set_params(refine_codes=0)
