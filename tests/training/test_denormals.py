"""CPU fits flush denormal floats to zero while they run, and leave the thread's mode as it was."""

import pytest
import torch

from aekit import TrainConfig, create_model, fit
from aekit.training.session import denormals_flushed, flushing_denormals

CPU = torch.device("cpu")
needs_flushing = pytest.mark.skipif(not torch.set_flush_denormal(False), reason="this CPU cannot flush denormals")


@needs_flushing
def test_a_fit_flushes_denormals_and_restores_the_mode_after():
    seen = []
    model = create_model("deep", (6,), latent_dim=2, hidden_dims=(8,))
    config = TrainConfig(epochs=2, batch_size=16, validation_split=0.0, early_stopping=None, progress=False)
    assert not denormals_flushed()
    fit(model, torch.rand(32, 6), config, callbacks=[lambda epoch, record, m: seen.append(denormals_flushed())])
    assert seen == [True, True] and not denormals_flushed()
    seen.clear()
    fit(model, torch.rand(32, 6), TrainConfig(**{**config.to_dict(), "flush_denormal": False}),
        callbacks=[lambda epoch, record, m: seen.append(denormals_flushed())])
    assert seen == [False, False]


@needs_flushing
def test_a_mode_the_user_set_stays_set_and_errors_restore_it():
    torch.set_flush_denormal(True)
    try:
        with flushing_denormals(True, CPU):
            assert denormals_flushed()
        assert denormals_flushed()  # the user's setting outlives the fit
    finally:
        torch.set_flush_denormal(False)
    with pytest.raises(RuntimeError, match="boom"):
        with flushing_denormals(True, CPU):
            raise RuntimeError("boom")
    assert not denormals_flushed()


@needs_flushing
def test_flushed_arithmetic_zeroes_what_is_below_float32s_normal_range():
    tiny = torch.tensor([1e-39, 1e-38, 1e-30])  # the smallest normal float32 is 1.18e-38
    with flushing_denormals(True, CPU):
        flushed = (tiny * 1.0).tolist()
    assert flushed[0] == 0.0 and flushed[1] == 0.0 and flushed[2] == pytest.approx(1e-30)
    assert (tiny * 1.0)[0].item() == pytest.approx(1e-39, rel=1e-2)  # not after


def test_the_option_is_checked():
    with pytest.raises(ValueError, match="flush_denormal must be True or False"):
        TrainConfig(flush_denormal="yes")
