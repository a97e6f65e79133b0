"""Options added for speed (issue #8): precision="auto", fused optimizers, the one-cycle schedule,
presets, and preprocessing statistics without float64 copies."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import aekit
from aekit import TrainConfig, create_model, fit
from aekit.cli import main
from aekit.data.scaling import fit_affine
from aekit.training import device as device_mod
from aekit.training import make_optimizer, resolve_precision

CPU = torch.device("cpu")


@pytest.mark.parametrize(
    "flags, isa, expected",
    [
        ("fpu avx512f avx512_bf16 amx_bf16 amx_tile", None, True),  # AMX: bf16 pays
        ("fpu avx512f avx512_bf16", None, True),  # AVX512-BF16 only (Zen 4): measured faster than fp32
        ("fpu avx2", None, False),
        ("fpu avx512f avx512_bf16 amx_bf16", "AVX512_CORE_BF16", True),  # capped below AMX, bf16 still native
        ("fpu avx512f amx_bf16", "AVX512_CORE_BF16", False),  # the cap turns AMX off; no AVX512-BF16 left
        ("fpu avx512f avx512_bf16", "AVX512_CORE", False),  # capped below bf16 instructions
        ("fpu avx512f avx512_bf16 amx_bf16", "AVX512_CORE_AMX", True),
        ("fpu avx2", "ALL", False),
    ],
)
def test_cpu_fast_bf16_means_native_bf16_instructions(monkeypatch, flags, isa, expected):
    monkeypatch.delenv("DNNL_MAX_CPU_ISA", raising=False)
    if isa is None:
        monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    else:
        monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", isa)
    assert device_mod.cpu_has_fast_bf16(f"flags\t\t: {flags}\n") is expected


@pytest.mark.parametrize("fast, expected", [(True, torch.bfloat16), (False, None)])
def test_auto_precision_follows_the_cpu(monkeypatch, fast, expected):
    monkeypatch.setattr(device_mod, "cpu_has_fast_bf16", lambda: fast)
    assert resolve_precision("auto", CPU) is expected
    assert resolve_precision("fp32", CPU) is None and resolve_precision("bf16", CPU) is torch.bfloat16


def test_auto_precision_trains(digits_flat):
    model = create_model("deep", (64,), latent_dim=4, hidden_dims=[16])
    history = fit(model, digits_flat[0][:200], TrainConfig(epochs=2, precision="auto", progress=False, device="cpu"))
    assert np.isfinite(history["train_total"]).all()


@pytest.mark.parametrize("name", ["adam", "adamw", "sgd"])
def test_optimizers_are_fused_by_default_where_torch_has_it(name):
    model = create_model("deep", (8,), latent_dim=2, hidden_dims=[4])
    assert make_optimizer(model, TrainConfig(optimizer=name)).defaults["fused"] is True


@pytest.mark.parametrize("options", [{"fused": False}, {"foreach": True}])
def test_a_chosen_implementation_is_respected(options):
    model = create_model("deep", (8,), latent_dim=2, hidden_dims=[4])
    opt = make_optimizer(model, TrainConfig(optimizer_options=options))
    assert not opt.defaults.get("fused")


def test_fused_and_plain_adam_train_alike(digits_flat):
    X = digits_flat[0][:256]
    losses = []
    for options in ({}, {"fused": False}):
        torch.manual_seed(0)
        model = create_model("deep", (64,), latent_dim=4, hidden_dims=[16])
        h = fit(model, X, TrainConfig(epochs=3, optimizer_options=options, validation_split=0, progress=False))
        losses.append(h["train_total"])
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4)


def test_onecycle_warms_up_then_anneals_per_batch(digits_flat):
    X = digits_flat[0][:300]  # 300 rows, batch 64: 5 steps per epoch
    model = create_model("deep", (64,), latent_dim=4, hidden_dims=[16])
    config = TrainConfig(epochs=6, batch_size=64, lr=3e-3, scheduler="onecycle", validation_split=0,
                         early_stopping=None, progress=False)
    lrs = fit(model, X, config)["lr"]
    peak = int(np.argmax(lrs))
    assert 0 < peak < len(lrs) - 1 and max(lrs) <= 3e-3
    assert lrs[-1] < 1e-5  # annealed to about lr / 1e4 after exactly epochs * steps_per_epoch steps


def test_onecycle_is_a_known_scheduler_and_others_are_not():
    TrainConfig(scheduler="onecycle")
    with pytest.raises(ValueError, match="scheduler"):
        TrainConfig(scheduler="one-cycle")


def test_presets_are_copies_with_overrides():
    assert "fashion-mnist-fast" in aekit.list_presets()
    a = aekit.preset("fashion-mnist-fast", epochs=1)
    a["recipe_options"]["activation"] = "relu"
    b = aekit.preset("fashion-mnist-fast")
    assert a["epochs"] == 1 and b["epochs"] > 1 and b["recipe_options"]["activation"] == "silu"
    with pytest.raises(ValueError, match="unknown preset"):
        aekit.preset("nope")


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "fashion-mnist-best" else n
                                  for n in aekit.list_presets()])
def test_every_preset_builds_and_fits_an_estimator(name):
    X = np.random.default_rng(0).random((400, 784), dtype=np.float32)  # Fashion-MNIST-sized rows
    ae = aekit.Autoencoder(**aekit.preset(name, epochs=1, latent_dim=4, hidden_dims=(16,), device="cpu")).fit(X)
    assert ae.transform(X).shape == (400, 4)
    assert ae.model_.encoder[0].n_components == aekit.preset(name)["recipe_options"]["input_pca"]


@pytest.mark.slow
def test_cli_preset_with_an_explicit_override(tmp_path):
    csv = tmp_path / "x.csv"
    np.savetxt(csv, np.random.default_rng(0).random((250, 784)), delimiter=",", fmt="%.3f")
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", str(csv), "--preset", "fashion-mnist-fast", "--epochs", "1",
                                       "--latent-dim", "3", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    params = json.loads((out / "model" / "config.json").read_text())["params"]
    assert params["epochs"] == 1 and params["latent_dim"] == 3  # given on the command line
    assert params["scheduler"] == "onecycle" and params["recipe_options"] == {"activation": "silu", "input_pca": 192}  # preset
    listing = CliRunner().invoke(main, ["presets"])
    assert "fashion-mnist-fast" in listing.output


def test_preprocessing_statistics_need_no_float64_copy():
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(500, 7)) * 3 + 2).astype(np.float32)
    for method in ("standard", "minmax", "center", "auto", "none"):
        got = fit_affine(X, method, unit_interval=False)
        want = fit_affine(X.astype(np.float64), method, unit_interval=False)
        assert got[2] == want[2]
        np.testing.assert_allclose(got[0], want[0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-12, atol=1e-12)


@pytest.mark.slow
def test_anomaly_detector_passes_precision_to_its_training(monkeypatch):
    from aekit.estimators import anomaly

    seen = []
    fit = anomaly.fit_model
    monkeypatch.setattr(anomaly, "fit_model", lambda model, data, config: seen.append(config.precision) or fit(
        model, data, config))
    X = np.random.default_rng(0).normal(size=(200, 6))
    aekit.AnomalyDetector(epochs=1, precision="auto", device="cpu", random_state=0).fit(X)
    assert seen == ["auto", "auto"]  # the batched network's two rounds
    det = aekit.AnomalyDetector("sparse", epochs=1, precision="auto", device="cpu", random_state=0).fit(X)
    assert det.estimators_[0].precision == "auto"


@pytest.mark.slow
@pytest.mark.skipif(not any(__import__("shutil").which(c) for c in ("cc", "gcc", "g++", "clang")),
                    reason="torch.compile's CPU backend needs a C compiler")
def test_compiled_training_follows_the_eager_trajectory():
    X = torch.rand(256, 20)
    weights = {}
    for compiled in (False, True):
        torch.manual_seed(0)
        model = create_model("deep", (20,), latent_dim=3, hidden_dims=(16,))
        history = fit(model, X, TrainConfig(epochs=2, batch_size=64, compile=compiled, progress=False,
                                            validation_split=0.25, early_stopping=None, seed=0))
        weights[compiled] = [p.detach().clone() for p in model.parameters()]
        assert history["train_total"][-1] < history["train_total"][0]
    for eager, comp in zip(weights[False], weights[True]):
        torch.testing.assert_close(comp, eager, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="compile"):
        TrainConfig(compile="yes")


def _conv_run(tmp_path, channels_last, epochs=2, resume=None, name="run"):
    torch.manual_seed(0)
    model = create_model("conv", (1, 8, 8), latent_dim=4, channels=[4, 8])
    x = torch.rand(96, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    config = TrainConfig(epochs=epochs, batch_size=32, validation_split=0, early_stopping=None, progress=False,
                         device="cpu", channels_last=channels_last, checkpoint_every=1,
                         checkpoint_dir=str(tmp_path / name))
    history = fit(model, x, config, resume_from=resume)
    return model, history


def test_channels_last_is_automatic_for_conv_models_on_cpu_and_trains_alike(tmp_path):
    nhwc, h_nhwc = _conv_run(tmp_path, None, name="auto")
    nchw, h_nchw = _conv_run(tmp_path, False, name="off")
    conv_w = nhwc.encoder.features[3].weight  # (8, 4, 3, 3): with one input channel both layouts coincide
    assert conv_w.is_contiguous(memory_format=torch.channels_last) and not conv_w.is_contiguous()
    assert nchw.encoder.features[3].weight.is_contiguous()
    np.testing.assert_allclose(h_nhwc["train_total"], h_nchw["train_total"], rtol=1e-4)
    for (k, a), b in zip(nhwc.state_dict().items(), nchw.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-5, msg=k)
    # MLPs are left alone, and the option is validated
    mlp = create_model("deep", (16,), latent_dim=2, hidden_dims=[8])
    fit(mlp, torch.rand(32, 16), TrainConfig(epochs=1, progress=False, device="cpu", channels_last=True))
    with pytest.raises(ValueError, match="channels_last"):
        TrainConfig(channels_last="yes")


@pytest.mark.slow
def test_channels_last_training_resumes_and_saves(tmp_path):
    full, h_full = _conv_run(tmp_path, True, epochs=3, name="full")
    _conv_run(tmp_path, True, epochs=1, name="part")
    resumed, h_resumed = _conv_run(tmp_path, True, epochs=3, resume=tmp_path / "part", name="part")
    assert h_resumed["train_total"][-1] == pytest.approx(h_full["train_total"][-1], rel=1e-6)
    ae = aekit.Autoencoder("conv", latent_dim=4, input_shape=(1, 8, 8), recipe_options={"channels": [4, 8]},
                           epochs=2, device="cpu", random_state=0).fit(np.random.default_rng(0).random((64, 64)))
    assert not ae.model_.encoder.features[3].weight.is_contiguous()  # trained NHWC
    loaded = aekit.Autoencoder.load(ae.save(tmp_path / "saved"))
    X = np.random.default_rng(1).random((10, 64))
    np.testing.assert_allclose(loaded.transform(X), ae.transform(X), rtol=1e-5, atol=1e-6)
