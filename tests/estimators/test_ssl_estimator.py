"""aekit.SelfSupervised and the `aekit pretrain` / `aekit evaluate` commands."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from sklearn.utils.estimator_checks import check_param_validation

import aekit
from aekit.cli import main

SMALL = {"out_features": 16, "channels": [8]}


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models: one thread avoids oversubscription on a shared machine
    yield
    torch.set_num_threads(n)


def test_fit_transform_save_load(digits_flat, tmp_path):
    X, _ = digits_flat
    est = aekit.SelfSupervised("rotation", input_shape=(1, 8, 8), epochs=2, backbone_options=SMALL)
    assert est.fit(X[:300]) is est
    Z = est.transform(X[:50])
    assert Z.shape == (50, 8 * 3 * 3) and len(est.history_) == 2  # default readout: the 8-channel map pooled to 3 x 3
    assert est.set_params(pool_grid=None).transform(X[:50]).shape == (50, 16)  # the output vector
    est.set_params(pool_grid="auto")
    est.save(tmp_path / "m")
    again = aekit.SelfSupervised.load(tmp_path / "m")
    assert np.allclose(again.transform(X[:50]), Z, atol=1e-6)
    assert again.method == "rotation" and again.input_shape_ == (1, 8, 8)


def test_square_images_are_inferred_and_tables_standardised(digits_flat):
    X, _ = digits_flat
    est = aekit.SelfSupervised("simclr", backbone="conv", epochs=1, backbone_options=SMALL).fit(X[:128])
    assert est.input_shape_ == (1, 8, 8) and est.offset_ is None
    tab = aekit.SelfSupervised("masked_features", epochs=1, backbone_options={"out_features": 8, "hidden_dims": [16]})
    tab.fit(X[:128] * 5 + 3)
    assert tab.input_shape_ == (64,) and tab.offset_.shape == (64,)
    assert np.allclose(tab.offset_, (X[:128] * 5 + 3).mean(0), atol=1e-4)


def test_estimator_errors(digits_flat):
    X, _ = digits_flat
    with pytest.raises(ValueError, match="square number"):
        aekit.SelfSupervised("rotation", epochs=1).fit(X[:20, :60])
    with pytest.raises(ValueError, match="method must be one of"):
        aekit.SelfSupervised("magic", epochs=1).fit(X[:20])
    est = aekit.SelfSupervised("rotation", epochs=1, backbone_options=SMALL).fit(X[:40])
    with pytest.raises(ValueError, match="X has 32 features, but SelfSupervised is expecting 64"):
        est.transform(X[:5, :32])


@pytest.mark.slow
def test_cli_pretrain_then_evaluate(tmp_path):
    runner = CliRunner()
    out = tmp_path / "bb"
    res = runner.invoke(main, ["pretrain", "digits", "--method", "rotation", "--out", str(out), "--epochs", "3",
                               "--limit", "600", "--backbone-option", "out_features=16",
                               "--backbone-option", "channels=[8]", "--quiet"])
    assert res.exit_code == 0, res.output
    assert "loss" in res.output and (out / "model" / "model.safetensors").is_file()  # a run folder
    res = runner.invoke(main, ["evaluate", str(out), "--data", "digits", "--protocol", "knn", "--json"])
    assert res.exit_code == 0, res.output
    knn = json.loads(res.output)
    assert knn["accuracy_k20"] > 0.5 and knn["n_test"] == 450  # 10 classes: chance is 0.1
    res = runner.invoke(main, ["evaluate", str(out), "digits", "--protocol", "linear", "--json"])  # DATA, as elsewhere
    assert json.loads(res.output)["accuracy"] > 0.5
    res = runner.invoke(main, ["evaluate", str(out)])
    assert res.exit_code == 2 and "aekit evaluate MODEL DATA" in res.output
    res = runner.invoke(main, ["evaluate", str(out), "digits", "--protocol", "linear", "--pool-grid", "2", "--json"])
    assert res.exit_code == 2 and "already holds a 'linear' result" in res.output  # not replaced unasked
    res = runner.invoke(main, ["evaluate", str(out), "digits", "--protocol", "linear", "--pool-grid", "2", "--json",
                               "--overwrite"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["feature_dim"] == 8 * 2 * 2  # the 8-channel 4x4 map pooled to 2x2
    res = runner.invoke(main, ["pretrain", "digits", "--method", "nope", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and "method must be one of" in res.output


def test_pool_grid_transform_survives_save_load(digits_flat, tmp_path):
    X, _ = digits_flat
    est = aekit.SelfSupervised("rotation", input_shape=(1, 8, 8), epochs=1, pool_grid=2,
                               backbone_options={"out_features": 16, "channels": [8, 12]})  # map 12 x 2 x 2
    Z = est.fit(X[:200]).transform(X[:30])
    assert Z.shape == (30, 12 * 2 * 2)
    est.save(tmp_path / "g")
    assert np.allclose(aekit.SelfSupervised.load(tmp_path / "g").transform(X[:30]), Z, atol=1e-6)
    est.set_params(pool_grid=None)
    assert est.transform(X[:30]).shape == (30, 16)


def test_parameter_constraints_cover_every_parameter_and_reject_bad_values():
    check_param_validation("SelfSupervised", aekit.SelfSupervised("masked_features", epochs=1))


def test_scheduler_reaches_the_training_loop_and_plateau_is_refused(digits_flat):
    X, _ = digits_flat
    est = aekit.SelfSupervised("rotation", input_shape=(1, 8, 8), epochs=3, backbone_options=SMALL, scheduler="cosine")
    lrs = est.fit(X[:64]).history_["lr"]
    assert lrs[0] == pytest.approx(1e-3) and lrs[-1] < lrs[1] < lrs[0]  # annealed, per epoch
    with pytest.raises(ValueError, match="scheduler"):
        aekit.SelfSupervised("rotation", input_shape=(1, 8, 8), scheduler="plateau").fit(X[:64])
