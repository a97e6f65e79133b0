"""CPU fits flush denormal floats to zero while they run, on every thread they compute on, and
leave each thread's mode as it was."""

import threading

import pytest
import torch

from aekit import TrainConfig, create_model, fit
from aekit.training.denormals import _gomp_parallel, each_openmp_thread, thread_flushes
from aekit.training.session import flushing_denormals

CPU = torch.device("cpu")
needs_flushing = pytest.mark.skipif(not torch.set_flush_denormal(False), reason="this CPU cannot flush denormals")


@needs_flushing
def test_a_fit_flushes_denormals_and_restores_the_mode_after():
    seen = []
    model = create_model("deep", (6,), latent_dim=2, hidden_dims=(8,))
    config = TrainConfig(epochs=2, batch_size=16, validation_split=0.0, early_stopping=None, progress=False)
    assert not thread_flushes()
    fit(model, torch.rand(32, 6), config, callbacks=[lambda epoch, record, m: seen.append(thread_flushes())])
    assert seen == [True, True] and not thread_flushes()
    seen.clear()
    fit(model, torch.rand(32, 6), TrainConfig(**{**config.to_dict(), "flush_denormal": False}),
        callbacks=[lambda epoch, record, m: seen.append(thread_flushes())])
    assert seen == [False, False]


@needs_flushing
def test_a_mode_the_user_set_stays_set_and_errors_restore_it():
    torch.set_flush_denormal(True)
    try:
        with flushing_denormals(True, CPU):
            assert thread_flushes()
        assert thread_flushes()  # the user's setting outlives the fit
    finally:
        torch.set_flush_denormal(False)
    with pytest.raises(RuntimeError, match="boom"):
        with flushing_denormals(True, CPU):
            raise RuntimeError("boom")
    assert not thread_flushes()


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


needs_libgomp = pytest.mark.skipif(_gomp_parallel() is None, reason="torch's OpenMP team is not libgomp's here")


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    torch.rand(300, 300) @ torch.rand(300, 300)  # the worker thread exists before any fit starts
    if _gomp_parallel() is not None:  # a worker created while an earlier test flushed inherited that mode
        each_openmp_thread(lambda: torch.set_flush_denormal(False))
    yield
    torch.set_num_threads(before)


def flushed_share() -> float:
    """The share of a parallelised elementwise product of denormals that came out flushed: the
    main thread computes part of it and the OpenMP worker the rest."""
    # from its bits: converting 1e-39 to float32 on a flushing thread would already give 0
    tiny = torch.full((4000, 100), 0x000AE398, dtype=torch.int32).view(torch.float32)  # 1.0e-39
    return float(((tiny * 1.0) == 0).float().mean())


@needs_flushing
@needs_libgomp
def test_each_openmp_thread_reaches_the_whole_team_and_raises_its_errors(two_threads):
    seen = []
    assert each_openmp_thread(lambda: seen.append(threading.get_native_id()))
    assert len(seen) == 2 and len(set(seen)) == 2 and threading.get_native_id() in seen
    with pytest.raises(ZeroDivisionError):
        each_openmp_thread(lambda: 1 / 0)


@needs_flushing
@needs_libgomp
def test_a_fit_with_two_threads_flushes_on_the_worker_too_and_restores_both(two_threads):
    torch.set_flush_denormal(True)  # the main thread alone, as torch.set_flush_denormal does it
    assert 0.2 < flushed_share() < 0.8  # the worker's share was not flushed: what fits used to get
    torch.set_flush_denormal(False)
    assert flushed_share() == 0.0
    seen = []
    model = create_model("deep", (6,), latent_dim=2, hidden_dims=(8,))
    config = TrainConfig(epochs=2, batch_size=16, validation_split=0.0, early_stopping=None, progress=False)
    fit(model, torch.rand(32, 6), config, callbacks=[lambda epoch, record, m: seen.append(flushed_share())])
    assert seen == [1.0, 1.0] and flushed_share() == 0.0


@needs_flushing
@needs_libgomp
def test_threads_the_user_set_to_flush_stay_so(two_threads):
    each_openmp_thread(lambda: torch.set_flush_denormal(True))  # every thread, by the user
    try:
        with flushing_denormals(True, CPU):
            assert flushed_share() == 1.0
        assert flushed_share() == 1.0
    finally:
        each_openmp_thread(lambda: torch.set_flush_denormal(False))
    assert flushed_share() == 0.0
