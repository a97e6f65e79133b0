"""The multitask method: one shared backbone, each task's own head, the weighted sum of the losses."""

import pytest
import torch

from aekit import SelfSupervised
from aekit.ssl import create_method, load_method, save_method

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models: a second thread only adds synchronisation

CONV = {"backbone_options": {"out_features": 16, "channels": [8]}}
TASKS = [{"method": "rotation", "options": {"all_rotations": False}, "weight": 2.0},
         {"method": "inpainting", "weight": 0.5}]


def _model(tasks=TASKS):
    torch.manual_seed(0)
    return create_method("multitask", (1, 8, 8), tasks=tasks, **CONV)


def test_the_loss_is_the_weighted_sum_of_the_tasks_and_so_are_the_backbone_gradients():
    model, x = _model(), torch.rand(6, 1, 8, 8)
    torch.manual_seed(1)
    out = model.loss(x)
    out.total.backward()
    together = [p.grad.clone() for p in model.backbone.parameters()]
    model.zero_grad()
    torch.manual_seed(1)  # the same random rotations and holes, drawn in the same order
    rotation = model.tasks["rotation"].loss(x).total
    inpainting = model.tasks["inpainting"].loss(x).total
    assert out.parts["rotation"].item() == pytest.approx(2.0 * rotation.item())
    assert out.parts["inpainting"].item() == pytest.approx(0.5 * inpainting.item())
    assert out.total.item() == pytest.approx(2.0 * rotation.item() + 0.5 * inpainting.item())
    (2.0 * rotation + 0.5 * inpainting).backward()
    for g, p in zip(together, model.backbone.parameters()):
        torch.testing.assert_close(g, p.grad)
        assert p.grad.abs().sum() > 0


def test_the_backbone_is_shared_and_stored_once():
    model = _model()
    assert model.tasks["rotation"].backbone is model.backbone
    assert model.tasks["inpainting"].backbone is model.backbone
    keys = model.state_dict().keys()
    assert not [k for k in keys if k.startswith("tasks.") and ".backbone." in k]
    heads = sum(p.numel() for t in model.tasks.values() for p in t.head.parameters())
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in model.backbone.parameters()) + heads


def test_saved_and_loaded_with_the_tasks_defaults_pinned(tmp_path):
    model = _model()
    spec_tasks = model.spec["options"]["tasks"]
    assert spec_tasks[0]["options"]["all_rotations"] is False  # given
    assert spec_tasks[1]["options"]["hole"] == 0.5  # inpainting's default, pinned
    assert [t["weight"] for t in spec_tasks] == [2.0, 0.5]
    save_method(model, tmp_path / "m")
    loaded = load_method(tmp_path / "m")
    x = torch.rand(3, 1, 8, 8)
    torch.testing.assert_close(loaded.encode(x), model.eval().encode(x))
    assert loaded.task_weights == {"rotation": 2.0, "inpainting": 0.5}


@pytest.mark.parametrize("tasks, message", [
    ([], "non-empty list"),
    ("rotation", "non-empty list"),
    (["rotation", "nope"], r"tasks\[1\]: method must be one of"),
    (["rotation", "rotation"], "listed twice"),
    (["multitask"], "cannot hold another"),
    ([{"method": "rotation", "weight": 0}], r"tasks\[0\]\['weight'\] must be a finite number > 0"),
    ([{"method": "rotation", "weight": True}], "must be a finite number"),
    ([{"method": "rotation", "options": {"backbone": "mlp"}}], "the backbone is shared"),
    ([{"method": "rotation", "opts": {}}], r"unknown keys \['opts'\]"),
    ([{"method": "rotation", "options": {"temperature": 0.1}}], "task 'rotation' rejected its options"),
    ([3], r"tasks\[0\] must be a method name"),
])
def test_bad_tasks_are_named(tasks, message):
    with pytest.raises(ValueError, match=message):
        _model(tasks)


def test_the_estimator_trains_a_multitask_backbone(digits_images):
    X = digits_images[0][:128]
    est = SelfSupervised("multitask", input_shape=(1, 8, 8), epochs=2, batch_size=64, backbone_options=CONV["backbone_options"],
                         method_options={"tasks": ["rotation", "inpainting"]}, verbose=False).fit(X)
    assert est.transform(X[:5]).shape[0] == 5
    assert {"train_rotation", "train_inpainting"} <= set(est.history_.metrics)


def test_the_command_line_pretrains_a_multitask_backbone(tmp_path):
    from click.testing import CliRunner

    from aekit.cli import main
    from aekit.ssl import load_backbone

    out = tmp_path / "mt"
    result = CliRunner().invoke(main, ["pretrain", "digits", "--method", "multitask", "--option",
                                       'tasks=["rotation", {"method": "inpainting", "weight": 0.5}]', "--epochs", "1",
                                       "--limit", "128", "--backbone-option", "out_features=16", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert load_backbone(out / "model")(torch.zeros(2, 1, 8, 8)).shape == (2, 16)
    bad = CliRunner().invoke(main, ["pretrain", "digits", "--method", "multitask", "--option", 'tasks=["nope"]',
                                    "--epochs", "1", "--limit", "64", "--out", str(tmp_path / "bad"), "--quiet"])
    assert bad.exit_code != 0 and "method must be one of" in bad.output and not (tmp_path / "bad").exists()
