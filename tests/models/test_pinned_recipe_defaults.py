"""A saved model records its recipe's defaults, so it still loads after a default changes."""

import json

import pytest
import torch

from aekit import Autoencoder, create_model, load_model, save_model
from aekit.io import ModelFolderError
from aekit.models.recipes import deep


def test_specs_record_the_recipes_own_defaults_and_given_options_win():
    assert create_model("deep", (6,)).spec["options"] == {"latent_dim": 32, "hidden_dims": [256, 128]}
    spec = create_model("deep", (6,), latent_dim=3, activation="tanh").spec["options"]
    assert spec == {"latent_dim": 3, "hidden_dims": [256, 128], "activation": "tanh"}
    # a builder option set in the recipe's body is not recorded with the builder's default
    assert create_model("linear", (6,)).spec["options"] == {"latent_dim": 8}
    assert create_model("denoise", (1, 8, 8)).spec["options"] == {"latent_dim": 128, "std": 0.3}


def test_a_saved_model_loads_after_its_recipes_default_changes(tmp_path, monkeypatch):
    torch.manual_seed(0)
    model = create_model("deep", (6,), latent_dim=2)
    save_model(model, tmp_path / "m")
    monkeypatch.setattr(deep, "__defaults__", (32, (5,)))  # a later release narrows the default network
    assert [p.shape for p in create_model("deep", (6,), latent_dim=2).parameters()][0] == (5, 6)
    loaded = load_model(tmp_path / "m")
    x = torch.rand(4, 6)
    torch.testing.assert_close(loaded.reconstruct(x), model.eval().reconstruct(x), rtol=0, atol=0)


def test_an_estimator_folder_loads_after_a_default_changes(tmp_path, monkeypatch):
    X = torch.rand(40, 6).numpy()
    est = Autoencoder("deep", latent_dim=2, epochs=1, random_state=0, device="cpu").fit(X)
    est.save(tmp_path / "e")
    monkeypatch.setattr(deep, "__defaults__", (32, (5,)))
    assert (Autoencoder.load(tmp_path / "e").transform(X) == est.transform(X)).all()


def test_an_older_folder_without_recorded_defaults_says_which_options_it_lacks(tmp_path, monkeypatch):
    save_model(create_model("deep", (6,), latent_dim=2), tmp_path / "old")
    config_file = tmp_path / "old" / "config.json"
    config = json.loads(config_file.read_text())
    config["model"]["options"] = {"latent_dim": 2}  # as folders were written before defaults were recorded
    config_file.write_text(json.dumps(config))
    load_model(tmp_path / "old")  # today's defaults are those it was trained with: it loads
    monkeypatch.setattr(deep, "__defaults__", (32, (5,)))
    with pytest.raises(ModelFolderError, match=r"does not record the recipe's options \['hidden_dims'\].*\[5\]"):
        load_model(tmp_path / "old")
