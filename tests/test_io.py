import json
import pickle

import pytest
import torch

from aekit import create_model, load_model, save_model
from aekit.io import ModelFolderError


def _saved(tmp_path):
    model = create_model("deep", (6,), latent_dim=2, hidden_dims=[4])
    return model, save_model(model, tmp_path / "m")


def test_folder_layout_and_json_config(tmp_path):
    _, path = _saved(tmp_path)
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "model.safetensors"]
    config = json.loads((path / "config.json").read_text())
    assert config["format"] == "aekit-model" and config["model"]["recipe"] == "deep"
    assert not list(tmp_path.glob(".m.*")), "temporary folders must not be left behind"


def test_corrupt_folders_give_one_clear_error(tmp_path):
    _, path = _saved(tmp_path)
    (path / "model.safetensors").write_bytes(b"\x00\x01 definitely not safetensors")
    with pytest.raises(ModelFolderError, match="not a valid safetensors file"):
        load_model(path)

    _, path = _saved(tmp_path / "b")
    (path / "config.json").unlink()
    with pytest.raises(ModelFolderError, match="config.json is missing"):
        load_model(path)

    _, path = _saved(tmp_path / "c")
    config = json.loads((path / "config.json").read_text())
    config["model"]["options"]["latent_dim"] = 5  # config no longer matches the weights
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFolderError, match="do not match"):
        load_model(path)

    (tmp_path / "file").write_text("x")
    with pytest.raises(ModelFolderError, match="is a file"):
        load_model(tmp_path / "file")


class _Boom:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


def test_a_planted_pickle_is_never_executed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, path = _saved(tmp_path)
    (path / "model.safetensors").write_bytes(pickle.dumps({"weight": _Boom()}))
    torch.save({"x": _Boom()}, path / "model.pt")  # a stray torch pickle beside it is ignored too
    with pytest.raises(ModelFolderError):
        load_model(path)
    assert not (tmp_path / "PWNED").exists()


def test_overwrite_rules(tmp_path):
    model, path = _saved(tmp_path)
    with pytest.raises(FileExistsError, match="overwrite"):
        save_model(model, path)
    save_model(model, path, overwrite=True)
    user = tmp_path / "user"
    user.mkdir()
    (user / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="did not write"):
        save_model(model, user, overwrite=True)
    assert (user / "notes.txt").read_text() == "mine"


def test_hand_built_models_explain_how_to_save(tmp_path):
    from aekit import AutoencoderModel
    from aekit.nn import MLPDecoder, MLPEncoder

    model = AutoencoderModel(MLPEncoder(4, 2), MLPDecoder(2, 4), input_shape=(4,), latent_dim=2)
    with pytest.raises(ValueError, match="built by hand"):
        save_model(model, tmp_path / "x")
