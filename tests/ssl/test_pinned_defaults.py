"""A saved SSL method records the defaults it was built with, so a later default change does not
stop it from loading (MAE's decoder went from one block to three)."""

import torch

from aekit.ssl import create_method, list_methods, load_method, save_method
from aekit.ssl.masking import MaskedAutoencoder as MAE

SHAPES = {"masked_features": (16,), "colorization": (3, 8, 8)}
VIT = {"patch_size": 2, "dim": 16, "depth": 1, "heads": 2}


def _build(name, **options):
    shape = SHAPES.get(name, (1, 8, 8))
    if name in ("mae", "jepa"):
        options.setdefault("backbone_options", VIT)
    return create_method(name, shape, **options)


def test_every_method_rebuilds_from_its_spec_with_the_same_weights_shapes():
    for name in list_methods():
        model = _build(name)
        spec = model.spec
        again = create_method(spec["method"], spec["input_shape"], **spec["options"])
        shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        assert shapes == {k: tuple(v.shape) for k, v in again.state_dict().items()}, name


def test_the_spec_pins_defaults_and_keeps_what_was_given():
    spec = _build("mae", mask_ratio=0.6).spec
    assert spec["options"]["mask_ratio"] == 0.6 and spec["options"]["decoder_depth"] == 3
    assert spec["options"]["backbone_options"] == VIT and "backbone" not in spec["options"]


def test_a_saved_method_loads_after_its_defaults_change(tmp_path, monkeypatch):
    torch.manual_seed(0)
    model = _build("mae")
    save_method(model, tmp_path / "mae")
    defaults = list(MAE.__init__.__defaults__)
    names = MAE.__init__.__code__.co_varnames[1 : MAE.__init__.__code__.co_argcount]
    defaults[names[-len(defaults):].index("decoder_depth")] = 1  # as if a later release shipped 1 block
    monkeypatch.setattr(MAE.__init__, "__defaults__", tuple(defaults))
    assert len(create_method("mae", (1, 8, 8), backbone_options=VIT).decoder.layers) == 1
    loaded = load_method(tmp_path / "mae")
    assert len(loaded.decoder.layers) == 3
    for (k, v), w in zip(model.state_dict().items(), loaded.state_dict().values()):
        assert torch.equal(v, w), k


def test_a_folder_saved_before_pinning_names_the_unrecorded_options(tmp_path):
    import json

    import pytest

    from aekit.io import ModelFolderError

    model = _build("mae", decoder_depth=1)
    save_method(model, tmp_path / "old")
    config = json.loads((tmp_path / "old" / "config.json").read_text())
    config["ssl_method"]["options"] = {"backbone_options": VIT}  # as folders were written before
    (tmp_path / "old" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFolderError, match=r"does not record the method's options \[.*'decoder_depth'.*\].*'decoder_depth': 3"):
        load_method(tmp_path / "old")


def test_a_jepa_saved_before_the_anti_collapse_options_keeps_training_as_published(tmp_path):
    import json

    from aekit.ssl.jepa import IJEPA

    model = _build("jepa", target_layers=1, variance_weight=0.0, covariance_weight=0.0)
    save_method(model, tmp_path / "old")
    config = json.loads((tmp_path / "old" / "config.json").read_text())
    for name in IJEPA.unrecorded_options:  # as folders were written before these options existed
        del config["ssl_method"]["options"][name]
    (tmp_path / "old" / "config.json").write_text(json.dumps(config))
    loaded = load_method(tmp_path / "old")
    assert (loaded.target_layers, loaded.variance_weight, loaded.covariance_weight) == (1, 0.0, 0.0)
    assert set(loaded.train().loss(torch.rand(4, 1, 8, 8)).parts) == {"jepa", "total"}
    # a folder that records the options keeps them, defaults included
    save_method(_build("jepa"), tmp_path / "new")
    assert load_method(tmp_path / "new").variance_weight == 2.0
