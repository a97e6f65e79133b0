import builtins

import pytest
import torch

from aekit import TrainConfig, create_model, fit
from aekit.viz import tensorboard as tb


def test_missing_extra_gives_a_clear_error(monkeypatch, tmp_path):
    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name.startswith("torch.utils.tensorboard"):
            raise ImportError("No module named 'tensorboard'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    with pytest.raises(ImportError, match=r"pip install 'aekit\[tensorboard\]'"):
        tb.TensorBoardLogger(tmp_path)


def test_logger_writes_the_epoch_scalars_and_an_image_grid(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    model = create_model("conv", (1, 8, 8), latent_dim=4, channels=[4, 8])
    x = torch.rand(64, 1, 8, 8)
    logger = tb.TensorBoardLogger(tmp_path, images=x[:6])
    history = fit(model, x, TrainConfig(epochs=2, batch_size=32, progress=False), callbacks=[logger])
    logger.close()
    events = EventAccumulator(str(tmp_path), size_guidance={"images": 0}).Reload()
    tags = events.Tags()
    assert {"total/train", "total/val", "reconstruction/train", "lr", "seconds"} <= set(tags["scalars"])
    logged = [e.value for e in events.Scalars("total/val")]
    assert logged == pytest.approx(history["val_total"], rel=1e-6)
    assert len(events.Images("reconstructions")) == 2


def test_logger_validates_arguments(tmp_path):
    pytest.importorskip("tensorboard")
    with pytest.raises(TypeError, match="images must be a torch.Tensor"):
        tb.TensorBoardLogger(tmp_path, images=[1, 2])
    with pytest.raises(ValueError, match="image_every"):
        tb.TensorBoardLogger(tmp_path, image_every=0)
