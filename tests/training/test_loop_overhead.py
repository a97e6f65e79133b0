"""The training loop's own cost (issue #19): what was removed must leave the numbers unchanged."""

import numpy as np
import pytest
import torch

from aekit import create_model
from aekit.training.clipping import clip_grad_norm


def _gradients(scale: float, poison: float | None) -> list[torch.nn.Parameter]:
    torch.manual_seed(0)
    model = create_model("deep", (64,), latent_dim=4, hidden_dims=[32])
    x = torch.rand(48, 64) * scale
    model.loss(x).total.backward()
    params = list(model.parameters())
    if poison is not None:
        params[0].grad[0, 0] = poison
    return params


def _copy(params: list[torch.nn.Parameter]) -> list[torch.nn.Parameter]:
    copies = [torch.nn.Parameter(p.detach().clone()) for p in params]
    for c, p in zip(copies, params):
        c.grad = p.grad.clone()
    return copies


@pytest.mark.parametrize("poison", [None, float("inf"), float("nan")])
@pytest.mark.parametrize("max_norm", [1000.0, "norm", "just above", 1.0, 0.01])
def test_clipping_is_bitwise_torchs(max_norm, poison):
    """Below the threshold (no multiplication), at it, above it, and with non-finite gradients."""
    params = _gradients(3.0, poison)
    norm = float(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in params])))
    limit = {"norm": norm, "just above": norm * 1.0005}.get(max_norm, max_norm)
    theirs = _copy(params)
    torch.nn.utils.clip_grad_norm_(theirs, limit)
    clip_grad_norm(params, limit)
    for ours, ref in zip(params, theirs):
        assert torch.equal(ours.grad.isnan(), ref.grad.isnan())
        assert torch.equal(ours.grad.nan_to_num(), ref.grad.nan_to_num())
    if poison is None and isinstance(max_norm, float) and max_norm < norm:
        clipped = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in params]))
        np.testing.assert_allclose(float(clipped), max_norm, rtol=1e-5)  # it did clip, to max_norm


def test_unscaled_data_skips_the_per_feature_statistics_with_the_same_result():
    """fit_affine's shortcut ("none", or "auto" on data in [0, 1]) returns what the statistics give."""
    from aekit.data.scaling import affine_from_stats, fit_affine

    rng = np.random.default_rng(0)
    unit = rng.random((50, 7), dtype=np.float32)
    wide = unit * 4 - 1
    for X, method in [(unit, "auto"), (unit, "none"), (wide, "none")]:
        stats = {"min": X.min(axis=0).astype(np.float64), "max": X.max(axis=0).astype(np.float64)}
        expected = affine_from_stats(stats, method, False)
        got = fit_affine(X, method, False)
        assert got[2] == expected[2] == "none"
        for a, b in zip(got[:2], expected[:2]):
            assert a.dtype == b.dtype == np.float64 and np.array_equal(a, b)
    offset, scale, method = fit_affine(wide, "auto", False)  # outside [0, 1]: standardised as before
    assert method == "standard" and np.allclose(offset, wide.mean(axis=0)) and np.allclose(scale, wide.std(axis=0))
    with pytest.raises(ValueError, match="preprocessing must be one of"):
        fit_affine(unit, "bogus", False)


def test_the_finiteness_check_rejects_nan_and_inf_and_accepts_sums_that_overflow():
    from aekit.training.batching import as_float_tensor

    huge = torch.full((4, 3), 3e38)  # finite, but the sum overflows: the exact test decides
    assert as_float_tensor(huge) is huge
    for bad in (float("nan"), float("inf"), -float("inf")):
        x = torch.rand(4, 3)
        x[2, 1] = bad
        with pytest.raises(ValueError, match="contains NaN or infinite values"):
            as_float_tensor(x)


def test_a_tensor_marked_finite_is_not_read_again_but_its_views_and_other_dtypes_are(monkeypatch):
    from aekit.training import batching

    x = torch.rand(4, 3)
    x[1, 1] = float("nan")  # a false mark is trusted: the mark's maker must have checked
    assert batching.as_float_tensor(batching.mark_finite(x)) is x
    with pytest.raises(ValueError, match="contains NaN or infinite values"):
        batching.as_float_tensor(x[1:])  # a view is a new tensor object, unmarked
    wide = batching.mark_finite(torch.full((2, 2), 1e300, dtype=torch.float64))  # inf once in float32
    with pytest.raises(ValueError, match="contains NaN or infinite values"):
        batching.as_float_tensor(wide)

    calls = []  # the estimator marks the float32 array it validated, so the loop sums it no more
    real_sum = torch.Tensor.sum
    monkeypatch.setattr(torch.Tensor, "sum", lambda t, *a, **k: calls.append(t.shape) or real_sum(t, *a, **k))
    import aekit

    X = np.random.default_rng(0).random((300, 5), dtype=np.float32)  # batches of 128: sums of (128, 5)
    aekit.Autoencoder(latent_dim=2, hidden_dims=(4,), epochs=1, validation_split=0.0, random_state=0,
                      device="cpu").fit(X)
    assert (300, 5) not in calls
    aekit.Autoencoder(latent_dim=2, hidden_dims=(4,), epochs=1, validation_split=0.0, random_state=0,
                      device="cpu").fit(X.astype(np.float64))  # float64 data: checked after the cast
    assert (300, 5) in calls


@pytest.mark.slow  # two short fits: about 0.3 s
def test_fit_trains_on_the_callers_array_without_copying_or_changing_it():
    """Training reads float32 rows through shuffled index copies: the same weights as from a copy,
    and the caller's array unchanged."""
    import aekit

    X = np.random.default_rng(0).random((300, 20), dtype=np.float32)
    before = X.copy()
    options = {"latent_dim": 3, "hidden_dims": (8,), "epochs": 2, "validation_split": 0.0, "early_stopping": None,
               "random_state": 0, "device": "cpu"}
    shared = aekit.Autoencoder(**options).fit(X)
    copied = aekit.Autoencoder(**options).fit(X.copy())
    assert np.array_equal(X, before)
    for a, b in zip(shared.model_.state_dict().values(), copied.model_.state_dict().values()):
        assert torch.equal(a, b)
    assert shared.history_["train_total"] == copied.history_["train_total"]


def _harness():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "speed" / "harness.py"
    spec = importlib.util.spec_from_file_location("speed_harness", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_a_benchmark_rewrites_only_its_own_region_of_the_report(tmp_path):
    """benchmarks/speed.py and benchmarks/loop_overhead.py each replace their marked region of
    BENCHMARKS.md and keep the hand-written sections (the GPU check) and each other's."""
    replace_region = _harness().replace_region
    report = tmp_path / "BENCHMARKS.md"
    replace_region(report, "a.py", "# generated by a\nold numbers")
    report.write_text(report.read_text() + "\n## GPU check\nwritten by hand\n")
    replace_region(report, "b.py", "## b\nfirst")
    replace_region(report, "a.py", "# generated by a\nnew numbers")
    replace_region(report, "b.py", "## b\nsecond")
    text = report.read_text()
    assert "old numbers" not in text and "first" not in text
    assert text.index("new numbers") < text.index("## GPU check\nwritten by hand") < text.index("second")
    assert text.count("<!-- begin: written by a.py -->") == 1 and text.count("<!-- end: written by b.py -->") == 1
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed into place


@pytest.mark.parametrize("guard_rail, flush, gather", [(False, False, "index"), (True, False, "index"),
                                                      (False, True, "index"), (False, False, "index_select")])
def test_the_overhead_report_says_which_variant_ran(guard_rail, flush, gather):
    import argparse

    module = _loop_overhead()
    rows = [{"batch": 128, "fit": "short", "epochs": 2, "hand": [1.0, 1.1, 1.2], "aekit": [1.0, 1.04, 1.3],
             "ratio": 1.04 / 1.1, "cpu ratio": 0.99}]
    args = argparse.Namespace(rows=100, repeats=3, guard_rail=guard_rail, flush_denormal=flush, hand_gather=gather)
    text = module.report(rows, args, "load", "python benchmarks/loop_overhead.py")
    # per round: 1.0/1.0, 1.04/1.1, 1.3/1.2 -> 1.000, 0.945, 1.083: median 1.000, quartiles 0.973 and 1.042
    assert ("| 128 | short (2 epochs) | 1.100 s (1.000-1.200) | 1.040 s (1.000-1.300) | 0.945 | **met** "
            "| 1.000 (0.973-1.042) | 0.990 |") in text
    assert ("grad_clip=1000: not the goal's setting" in text) == guard_rail
    assert ("this run shows the share of the guard rail" in text) == guard_rail
    assert ("both with denormals flushed to zero" in text) == ("set_flush_denormal(True)" in text) == flush
    assert ("the hand loop gathering with index_select" in text) == (gather == "index_select")
    # each CPU keeps its own tables in BENCHMARKS.md
    args = argparse.Namespace(threads=2, batches="128,512", guard_rail=guard_rail, flush_denormal=flush,
                              hand_gather=gather)
    intel, amd = module.region_name(args, "Intel(R) Xeon(R) Processor"), module.region_name(args, "AMD EPYC")
    assert intel != amd and amd.startswith("benchmarks/loop_overhead.py --threads 2 --batches 128,512")
    assert intel.endswith(" on Intel(R) Xeon(R) Processor")
    assert ("--flush-denormal" in amd) == flush
    assert ("--hand-gather index_select" in amd) == (gather == "index_select")


def test_the_hand_loops_two_gathers_train_bit_for_bit_the_same_weights():
    """--hand-gather changes how the hand loop copies a batch's rows, not which rows it trains on."""
    module = _loop_overhead()
    X = np.random.default_rng(0).random((300, 784), dtype=np.float32)
    index, index_select = module.hand_fit(X, 128, 2), module.hand_fit(X, 128, 2, gather="index_select")
    assert all(torch.equal(p, q) for p, q in zip(index.parameters(), index_select.parameters()))
    with pytest.raises(KeyError):
        module.hand_fit(X, 128, 1, gather="nosuch")

@pytest.mark.skipif(not hasattr(__import__("os"), "sched_setaffinity"), reason="binding threads to CPUs is Linux-only")
def test_pin_binds_every_thread_of_the_process_and_the_report_says_so():
    """--pin: run in a child process, whose binding cannot leak into this test session's."""
    import argparse
    import subprocess
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "loop_overhead.py"
    child = f"""
import importlib.util, os, sys, threading, time
spec = importlib.util.spec_from_file_location("lo", {str(path)!r})
module = importlib.util.module_from_spec(spec); sys.modules["lo"] = module; spec.loader.exec_module(module)
idle = threading.Thread(target=time.sleep, args=(5,), daemon=True); idle.start()  # a thread started before
allowed = sorted(os.sched_getaffinity(0))
cpus = module.pin_threads(1)
later = []
threading.Thread(target=lambda: later.append(sorted(os.sched_getaffinity(0)))).start()
time.sleep(0.2)
tasks = [sorted(os.sched_getaffinity(int(t))) for t in os.listdir("/proc/self/task")]
print(cpus == allowed[-1:], len(tasks) >= 2, all(t == cpus for t in tasks), later == [cpus])
try:
    module.pin_threads(len(allowed) + 1)
except SystemExit as error:
    print("needs" in str(error))
"""
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True"] * 5

    module = _loop_overhead()
    rows = [{"batch": 128, "fit": "short", "epochs": 2, "hand": [1.0] * 3, "aekit": [1.0] * 3, "ratio": 1.0,
             "cpu ratio": 1.0}]
    base = dict(rows=100, repeats=3, guard_rail=False, flush_denormal=False, hand_gather="index", threads=1,
                batches="128")
    pinned = argparse.Namespace(**base, pin=True, pinned=[1])
    assert "(bound to CPU 1)" in module.report(rows, pinned, "load", "cmd")
    assert "bound to CPU" not in module.report(rows, argparse.Namespace(**base, pin=False, pinned=None), "load", "cmd")
    assert module.region_name(pinned, "AMD EPYC").endswith(" --pin on AMD EPYC")


def test_count_calls_is_a_deterministic_count_per_step_and_outside_the_epochs():
    """--count-calls: the same counts every time; a step's calls do not depend on the epoch."""
    import sys

    module = _loop_overhead()
    X = np.random.default_rng(0).random((300, 784), dtype=np.float32)  # 3 steps an epoch at batch 128

    def hand(X, batch, epochs):
        return module.hand_fit(X, batch, epochs, gather="index_select")

    per_step, fixed = module.calls_per_step(hand, X, 128)
    assert (per_step, fixed) == module.calls_per_step(hand, X, 128)
    assert 100 < sum(per_step.values()) < 2000 and fixed > 0
    assert per_step["C:_VariableFunctionsClass.index_select"] == 1  # one gather a step, counted exactly
    three = module.python_calls(lambda: hand(X, 128, 3))
    two = module.python_calls(lambda: hand(X, 128, 2))
    assert sum(three.values()) - sum(two.values()) == pytest.approx(sum(per_step.values()) * 3, abs=1e-6)  # every epoch alike
    assert sys.getprofile() is None  # the profiler is taken off again
    text = module.count_report(X, 128, "index_select")
    assert "hand loop:" in text and "aekit fit:" in text and "a step beyond the hand loop's" in text


def test_the_overhead_rounds_turn_their_order_and_the_aa_control_is_reported():
    import argparse

    module = _loop_overhead()
    assert [module.round_order(["hand", "aekit"], i) for i in range(3)] == [
        ["hand", "aekit"], ["aekit", "hand"], ["hand", "aekit"]]
    assert module.round_order(["a", "b", "c"], 4) == ["b", "c", "a"]
    calls = []
    wall, cpu = module.alternate_timed({"hand": lambda: calls.append("hand"), "aekit": lambda: calls.append("aekit")}, 3)
    assert calls == ["hand", "aekit", "aekit", "hand", "hand", "aekit"]
    assert len(wall["hand"]) == len(cpu["aekit"]) == 3
    rows = [{"batch": 512, "fit": "long", "epochs": 10, "hand": [1.0, 1.0, 1.0], "aekit": [1.02, 1.02, 1.02],
             "ratio": 1.02, "cpu ratio": 1.01, "hand again": [0.96, 1.0, 1.04], "aa ratio": 1.0}]
    args = argparse.Namespace(rows=100, repeats=3, guard_rail=False, flush_denormal=False, hand_gather="index")
    text = module.report(rows, args, "load", "python benchmarks/loop_overhead.py --aa")
    assert "| 1.020 | **met** | 1.020 (1.020-1.020) | 1.010 | 1.000 | 1.000 (0.980-1.020) |" in text
    assert "A/A: hand again / hand" in text and "spans 1.000-1.000" in text
    del rows[0]["hand again"], rows[0]["aa ratio"]
    assert "A/A" not in module.report(rows, args, "load", "python benchmarks/loop_overhead.py")


def _loop_overhead():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "loop_overhead.py"
    spec = importlib.util.spec_from_file_location("loop_overhead_bench", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module

def _running_sums(steps):
    """The loss-part sums as the loop kept them before: a float32 running sum on the device, one
    stack, multiply and add each step."""
    sums = {}
    for parts, weight in steps:
        keys = tuple(parts)
        values = torch.stack([v.detach().float() for v in parts.values()]) * weight
        sums[keys] = sums[keys] + values if keys in sums else values
    return sums


def test_part_sums_added_up_once_per_epoch_are_bitwise_the_running_sums(monkeypatch):
    """Kept per step and added up later (also across a fold of the waiting steps): the same bits,
    for float32 and bf16 parts, uneven batch weights and two sets of part names."""
    from aekit.training import loop

    monkeypatch.setattr(loop, "_FOLD_EVERY", 7)  # several folds in 40 steps
    gen = torch.Generator().manual_seed(0)
    steps = []
    for i in range(40):
        x = torch.rand(3, generator=gen) * 10 ** torch.randint(-3, 4, (3,), generator=gen)
        parts = {"reconstruction": x[0], "kl": x[1].bfloat16(), "total": x[0] + x[2]}
        if i % 5 == 4:
            parts = {"reconstruction": x[2], "total": x[2]}  # another set of names (e.g. another loss)
        steps.append((parts, [128, 128, 77][i % 3]))
    sums = loop._PartSums()
    for parts, weight in steps:
        sums.add(parts, weight)
    means = sums.means("train")
    expected = _running_sums(steps)
    per_name = {}
    for keys, values in expected.items():
        for key, value in zip(keys, values.unbind()):
            per_name[key] = per_name[key] + value if key in per_name else value
    n = sum(w for _, w in steps)
    assert means == {f"train_{k}": v.item() / n for k, v in per_name.items()}
    assert sums.seen == n and all(torch.equal(sums.sums[k], expected[k]) for k in expected)


def test_value_range_is_the_arrays_min_and_max_and_finds_nan_in_any_block(monkeypatch):
    from aekit.data import scaling

    monkeypatch.setattr(scaling, "_RANGE_BLOCK_BYTES", 64)  # 16 float32 values a block
    X = np.random.default_rng(0).standard_normal((50, 7)).astype(np.float32)
    assert scaling.value_range(X) == (float(X.min()), float(X.max()))
    assert scaling.value_range(X[:, ::2]) == (float(X[:, ::2].min()), float(X[:, ::2].max()))  # not contiguous
    assert scaling.value_range(X.astype(np.float64)) == (float(X.min()), float(X.max()))
    for row in (0, 25, 49):
        bad = X.copy()
        bad[row, 3] = np.nan
        low, high = scaling.value_range(bad)
        assert np.isnan(low) and np.isnan(high)
    bad = X.copy()
    bad[30, 1] = -np.inf
    assert scaling.value_range(bad) == (-np.inf, float(X.max()))


@pytest.mark.parametrize("X, message", [
    (np.array([[0.5, np.nan], [0.0, 1.0]], dtype=np.float32), "Input X contains NaN."),
    (np.array([[0.5, -np.inf], [0.0, 1.0]]), "Input X contains infinity or a value too large for dtype('float64')."),
    (np.array([[0.5, np.inf], [0.0, 1.0]], dtype=np.float32),
     "Input X contains infinity or a value too large for dtype('float32')."),
])
def test_fit_reads_x_once_for_both_its_finiteness_and_its_range(X, message, monkeypatch):
    """scikit-learn's own finiteness pass is left out of fit; the one pass of value_range both
    rejects NaN and infinity with scikit-learn's message and decides preprocessing="auto"."""
    import re

    import sklearn.utils.validation as sklearn_validation

    import aekit
    from aekit.data import scaling

    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        aekit.Autoencoder(epochs=1, device="cpu").fit(X)
    passes, sklearn_checks = [], []
    real_range, real_check = scaling.value_range, sklearn_validation._assert_all_finite
    monkeypatch.setattr("aekit.estimators.autoencoder.value_range", lambda a: passes.append(a.shape) or real_range(a))
    monkeypatch.setattr(sklearn_validation, "_assert_all_finite",
                        lambda a, *args, **kw: sklearn_checks.append(np.shape(a)) or real_check(a, *args, **kw))
    est = aekit.Autoencoder(latent_dim=2, hidden_dims=(4,), epochs=1, device="cpu").fit(np.nan_to_num(X, posinf=1, neginf=0))
    assert passes == [(2, 2)] and (2, 2) not in sklearn_checks and est.preprocessing_ == "none"


@pytest.mark.slow  # two fits of 3 epochs on 300 rows: about 0.3 s
@pytest.mark.parametrize("last_is_best", [True, False])
def test_the_last_epoch_keeps_or_restores_the_best_weights_without_a_copy_of_its_own(last_is_best, digits_flat):
    """No copy of the weights is taken after the last epoch; the model still ends with the best
    epoch's weights, whether that is the last one or an earlier one."""
    from aekit import create_model
    from aekit.training import TrainConfig, fit

    seen = {}

    def remember(epoch, record, model):
        seen[epoch] = [p.detach().clone() for p in model.parameters()]

    torch.manual_seed(0)
    model = create_model("deep", (64,), latent_dim=4, hidden_dims=[32])
    # A huge min_delta makes epoch 1 the best; without it the validation loss falls every epoch.
    config = TrainConfig(epochs=3, early_stopping=None, min_delta=0.0 if last_is_best else 1e9, progress=False)
    history = fit(model, digits_flat[0][:300], config, callbacks=[remember])
    assert history.best_epoch == (3 if last_is_best else 1)
    if last_is_best:
        assert history["val_total"][2] < history["val_total"][1]
    for ours, best in zip(model.parameters(), seen[history.best_epoch]):
        assert torch.equal(ours, best)


@pytest.mark.parametrize("threads", [1, 2])
def test_value_range_on_several_threads_finds_the_same_extremes_nan_and_infinity(monkeypatch, threads):
    """With several torch threads a large array is read by torch's aminmax, with one by blocks:
    the same answer either way, and a read-only array (torch would warn) takes the blocks."""
    import warnings

    from aekit.data import scaling

    monkeypatch.setattr(scaling, "_PARALLEL_RANGE_MIN", 100)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        X = np.random.default_rng(1).standard_normal((60, 9)).astype(np.float32)
        assert scaling.value_range(X) == (float(X.min()), float(X.max()))
        assert scaling.value_range(X.astype(np.float64)) == (float(X.min()), float(X.max()))
        bad = X.copy()
        bad[41, 2] = np.nan
        assert all(np.isnan(v) for v in scaling.value_range(bad))
        bad[41, 2] = np.inf
        assert scaling.value_range(bad) == (float(X.min()), np.inf)
        frozen = X.copy()
        frozen.flags.writeable = False
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert scaling.value_range(frozen) == (float(X.min()), float(X.max()))
    finally:
        torch.set_num_threads(previous)


def test_saved_runs_pool_into_one_ratio_of_medians_with_an_interval_over_runs(tmp_path):
    import argparse
    import json

    module = _loop_overhead()
    args = argparse.Namespace(pinned=[1], rows=100, repeats=3)
    runs = []
    for k, (hand, ours) in enumerate([([1.0, 1.1, 0.9], [1.02, 1.12, 0.92]), ([2.0, 2.0, 2.0], [2.2, 2.2, 2.2])]):
        rows = [{"batch": 128, "fit": "short", "epochs": 2, "hand": hand, "aekit": ours, "hand again": hand,
                 "ratio": 0.0, "cpu ratio": 0.0}]
        path = tmp_path / f"run{k}.json"
        module.save_run(path, rows, args, "load average: 0.5, 0.5, 0.5", "python benchmarks/loop_overhead.py --save x")
        runs.append(str(path))
        assert not list(tmp_path.glob(".*.tmp"))  # renamed into place, nothing left behind
    loaded = module.load_runs(runs)
    assert json.loads((tmp_path / "run0.json").read_text())["results"][0]["hand"] == [1.0, 1.1, 0.9]
    same = [run["results"][0] for run in loaded]
    # pooled medians: aekit's six times 1.02..2.2 -> median (1.12 + 2.2) / 2; the hand loop's (1.1 + 2.0) / 2
    assert module.pooled_ratio(same) == pytest.approx(((1.12 + 2.2) / 2) / ((1.1 + 2.0) / 2))
    assert module.pooled_ratio(same, "hand again") == 1.0
    low, high = module.bootstrap_interval(same)
    # a draw of run 0 twice reads 1.02 / 1.0, of run 1 twice 2.2 / 2.0: the interval spans the runs' own ratios
    assert low == pytest.approx(1.02, abs=1e-9) and high == pytest.approx(1.1, abs=1e-9)
    assert module.bootstrap_interval(same) == (low, high)  # seeded: the same interval every time
    text = module.pool_report(loaded, runs, "python benchmarks/loop_overhead.py --pool a b")
    assert "2 runs pooled: 1 thread(s)" in text and "bound to CPU 1" in text
    assert "| 128 | short (2 epochs) | 6 | 1.071 | 1.020-1.100 | **not met** | 1.020, 1.100 | 1.000 | 1.000-1.000 |" in text


def test_pool_refuses_runs_that_differ_or_are_not_saved_runs(tmp_path):
    import json

    module = _loop_overhead()
    base = {"threads": 1, "cpu label": "AMD EPYC with AVX-512", "rows": 100,
            "results": [{"batch": 128, "fit": "short", "epochs": 2, "hand": [1.0], "aekit": [1.0]}]}
    one, two, bad = tmp_path / "one.json", tmp_path / "two.json", tmp_path / "bad.json"
    one.write_text(json.dumps(base))
    two.write_text(json.dumps({**base, "threads": 2}))
    bad.write_text("not json")
    with pytest.raises(SystemExit, match="differ in threads"):
        module.load_runs([str(one), str(two)])
    with pytest.raises(SystemExit, match="not a run saved with --save"):
        module.load_runs([str(bad)])
    with pytest.raises(SystemExit, match="no saved run"):
        module.load_runs([str(tmp_path / "missing.json")])
    two.write_text(json.dumps({**base, "results": [{**base["results"][0], "batch": 512}]}))
    with pytest.raises(SystemExit, match="different batches"):
        module.load_runs([str(one), str(two)])
    with pytest.raises(SystemExit, match="already exists"):
        module.main(["--save", str(one)])
