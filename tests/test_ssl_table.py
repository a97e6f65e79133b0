"""benchmarks/ssl_table.py on scikit-learn digits: the select step chooses C on validation only and
records every entry as it finishes, the final step reads the test set once, reruns skip what is
done, and the table and verdicts come from the numbers."""

import json
import os

import numpy as np
import pytest
import torch
from benchmark_modules import load_benchmark

bench = load_benchmark("ssl_table")


def test_choose_C_takes_the_best_validation_accuracy_and_the_smaller_C_on_a_tie(monkeypatch):
    accuracy = {0.01: 0.5, 0.03: 0.7, 0.1: 0.7, 0.3: 0.6, 1.0: 0.2}
    seen = []

    def fake_probe(ftr, ytr, fva, yva, C, **_):
        seen.append((len(ftr), len(fva)))
        return accuracy[C]

    monkeypatch.setattr(bench, "linear_probe", fake_probe)
    chosen = bench.choose_C(np.zeros((60, 4)), np.arange(60) % 2, n_fit=50)
    assert chosen["C"] == 0.03 and chosen["val_linear"] == 0.7
    assert set(seen) == {(50, 10)}  # fitted on the first 50 rows, scored on the last 10


@pytest.mark.slow
def test_select_then_final_on_digits(tmp_path, capsys):
    common = ["--data", "digits", "--workdir", str(tmp_path), "--threads", "1"]
    bench.main(["--select", "--methods", "simclr,rotation", "--budget-minutes", "0.01", "--probe-rows", "600", *common])
    results_file = tmp_path / "ssl_table.json"
    selected = json.loads(results_file.read_text())["entries"]
    # raw pixels, and the conv backbone at random init: the only architecture these methods use
    assert list(selected) == ["raw pixels", "random-init conv", "simclr", "rotation"]
    for entry in selected.values():
        assert entry["C"] in bench.C_GRID and "final" not in entry  # nothing read on test yet
    assert selected["raw pixels"]["val_linear"] > 0.85  # digits are easy for a linear model on pixels
    assert selected["simclr"]["pretrain"]["steps"] >= 1

    # --long auto: the method with the best validation probe gets the long run
    bench.main(["--select", "--long", "auto", "--long-minutes", "0.01", *common])
    selected = json.loads(results_file.read_text())["entries"]
    best = max(("simclr", "rotation"), key=lambda n: selected[n]["val_linear"])
    assert list(selected)[-1] == best + bench.LONG_SUFFIX

    page = tmp_path / "page.md"
    bench.main(["--final", "--finetune-epochs", "2", "--page", str(page), *common])
    final = json.loads(results_file.read_text())["entries"]
    raw = final["raw pixels"]["final"]
    assert raw["dim"] == 64 and final["simclr"]["final"]["dim"] == 2304  # 8 x 8 pixels; 256 channels x 3 x 3
    assert 0.85 < raw["test_linear"] <= 1 and 0.85 < raw["test_knn20"] <= 1
    assert len(raw["finetune1pct_by_seed"]) == 2
    text = page.read_text()
    assert "| raw pixels | pixels |" in text and f"{raw['test_linear']:.4f}" in text
    assert "beats its random-init backbone on the linear probe" in text

    # a rerun reads nothing again, and the page is not replaced without --overwrite
    capsys.readouterr()
    with pytest.raises(SystemExit, match="--overwrite"):
        bench.main(["--final", "--page", str(page), *common])
    assert "test read already, skipped" in capsys.readouterr().out
    assert json.loads(results_file.read_text())["entries"] == final

    # --reread: the same representation read out again with every training row, as a new entry
    bench.main(["--select", "--reread", "raw pixels", *common])
    bench.main(["--final", "--methods", "raw pixels [probe all]", *common])
    again = json.loads(results_file.read_text())["entries"]
    reread = again["raw pixels [probe all]"]
    assert reread["reread_of"] == "raw pixels" and reread["probe_rows"] == 1400 - 1400 // 6
    assert np.load(reread["features_path"]).shape == (1400, 64)  # refitted on all training rows
    assert final["raw pixels"]["probe_rows"] == 600 and 0.85 < reread["final"]["test_linear"] <= 1
    assert {n: e for n, e in again.items() if n != "raw pixels [probe all]"} == final


def test_verdicts_are_computed_from_the_test_numbers():
    def entry(kind, arch, linear, knn, probe_rows=10_000):
        return {"kind": kind, "architecture": arch, "probe_rows": probe_rows,
                "final": {"test_linear": linear, "test_knn20": knn}}

    results = {"entries": {
        "raw pixels [probe all]": entry("control", "pixels", 0.85, 0.87, probe_rows=50_000),  # another readout
        "raw pixels": entry("control", "pixels", 0.84, 0.85),
        "random-init conv": entry("control", "conv", 0.87, 0.80),
        "simclr": entry("method", "conv", 0.89, 0.84),
        "rotation": entry("method", "conv", 0.86, 0.82),
        "simclr (long)": entry("method", "conv", 0.921, 0.86),
    }}
    lines = bench.verdicts(results)
    assert lines[0].startswith("Every method beats its random-init backbone on the linear probe: not met (1 of 2")
    assert "rotation 0.8600 vs 0.8700" in lines[0]
    assert lines[1] == "The long run (simclr (long)) reaches 0.92 on the linear probe: met (0.9210)."
    assert lines[2] == "It beats the same backbone randomly initialised on the linear probe: met (0.9210 vs 0.8700)."
    # compared with raw pixels read out the same way (the same probe rows)
    assert lines[3] == "Its kNN (k=20) beats raw pixels' (probe rows 10000): met (0.8600 vs 0.8500)."


def test_a_backbone_variant_is_judged_against_its_own_random_init_control_only():
    strides = {"backbone_options": {"strides": [1, 2, 2]}}

    def entry(kind, linear, options=None, probe_rows=50_000):
        return {"kind": kind, "architecture": "conv", "probe_rows": probe_rows, "options": options or {},
                "final": {"test_linear": linear, "test_knn20": 0.8}}

    results = {"entries": {
        "random-init conv": entry("control", 0.80),  # the table's network: not the variant's control
        "random-init conv+s122 [probe 10000]": entry("control", 0.95, strides, probe_rows=10_000),  # another readout
        "random-init conv+s122": entry("control", 0.93, strides),
        "rotation+s122 (long)": entry("method", 0.919, {"all_rotations": False, **strides}),
        "rotation+deep": entry("method", 0.85, {"backbone_options": {"convs_per_stage": 2}}),  # no control of its own
        "rotation": entry("method", 0.84),
    }}
    lines = bench.verdicts(results)
    assert lines[0] == ("Every method beats its random-init backbone on the linear probe: met (1 of 1 do).")
    assert lines[1] == "The long run (rotation+s122 (long)) reaches 0.92 on the linear probe: not met (0.9190)."
    assert lines[2] == "It beats the same backbone randomly initialised on the linear probe: not met (0.9190 vs 0.9300)."
    del results["entries"]["random-init conv+s122"]
    assert not any(line.startswith("It beats the same backbone") for line in bench.verdicts(results))


def test_save_entry_keeps_what_another_process_wrote(tmp_path):
    path = tmp_path / "results.json"
    bench.save_entry(path, "simclr", {"C": 0.1}, {"cpu": "x"})
    # a second process, which loaded the file before simclr was written, adds its own entry
    results = bench.save_entry(path, "moco", {"C": 0.3}, {"cpu": "x"})
    assert results["entries"] == {"simclr": {"C": 0.1}, "moco": {"C": 0.3}}
    assert bench.load_results(path) == results
    assert not list(tmp_path.glob(".results.json.*"))  # no temporary file left behind


def test_the_select_step_gets_no_test_data():
    Xtr, _, Xte, yte, n_fit = bench.load_data("digits", None, with_test=False)
    assert Xte is None and yte is None
    assert (len(Xtr), n_fit) == (1400, 1400 - 1400 // 6)  # the last sixth of the training rows validates
    assert bench.load_data("digits", 100, with_test=True)[2].shape == (100, 1, 8, 8)


def test_a_variant_gets_its_own_entry_with_its_options(tmp_path):
    common = ["--data", "digits", "--workdir", str(tmp_path), "--threads", "1", "--controls", ""]
    bench.main(["--select", "--methods", "", "--long", "rotation", "--long-minutes", "0.005",
                "--options", '{"augment": "small_gray"}', "--tag", "crop", "--probe-rows", "600", *common])
    entries = json.loads((tmp_path / "ssl_table.json").read_text())["entries"]
    assert list(entries) == ["rotation+crop (long)"]
    entry = entries["rotation+crop (long)"]
    # the variant's option laid over the method's fixed ones
    assert entry["options"] == {"all_rotations": False, "augment": "small_gray"} and entry["long"]
    assert bench.method_of("rotation+crop (long)") == "rotation" and bench.method_of("simclr") == "simclr"
    assert bench.variant_name("simclr", "crop") == "simclr+crop"
    with pytest.raises(SystemExit, match="go together"):
        bench.main(["--select", "--methods", "rotation", "--options", '{"augment": "light"}', *common])


def test_a_backbone_variant_deepens_the_network_keeps_the_readout_and_gets_its_own_control(tmp_path):
    common = ["--data", "digits", "--workdir", str(tmp_path), "--threads", "1", "--probe-rows", "600",
              "--options", '{"backbone_options": {"convs_per_stage": [1, 2, 2]}}', "--tag", "deep"]
    bench.main(["--select", "--methods", "", "--controls", "", "--long", "rotation", "--long-minutes", "0.005", *common])
    bench.main(["--select", "--methods", "", "--controls", "random-init conv,raw pixels", *common])
    entries = json.loads((tmp_path / "ssl_table.json").read_text())["entries"]
    # raw pixels has no backbone to deepen: only the random-init control gets a variant
    assert list(entries) == ["rotation+deep (long)", "random-init conv+deep"]
    control = entries["random-init conv+deep"]
    assert control["kind"] == "control" and control["architecture"] == "conv"
    assert control["options"] == {"backbone_options": {"convs_per_stage": [1, 2, 2]}}
    assert entries["rotation+deep (long)"]["options"]["backbone_options"] == {"convs_per_stage": [1, 2, 2]}
    for name in entries:  # both trained or built deeper, both read out with the fixed 3 x 3 grid
        backbone = bench.load_backbone(entries[name]["backbone_path"])
        assert len([m for m in backbone.modules() if isinstance(m, torch.nn.Conv2d)]) == 5
        assert np.load(entries[name]["features_path"]).shape[1] == 256 * 9
    assert bench.control_of("random-init conv+deep") == "random-init conv" and bench.control_of("rotation") is None
    table = bench.table(json.loads((tmp_path / "ssl_table.json").read_text()))
    assert "| rotation+deep (long) | conv (convs_per_stage [1, 2, 2]) |" in table
    assert "| random-init conv+deep | conv (convs_per_stage [1, 2, 2]) |" in table


def test_the_seed_is_recorded_and_draws_other_initial_weights(tmp_path):
    features = {}
    for seed in (0, 1):
        workdir = tmp_path / f"s{seed}"
        bench.main(["--select", "--methods", "", "--controls", "random-init conv", "--data", "digits",
                    "--probe-rows", "600", "--workdir", str(workdir), "--threads", "1", "--seed", str(seed)])
        entry = json.loads((workdir / "ssl_table.json").read_text())["entries"]["random-init conv"]
        assert entry["seed"] == seed
        features[seed] = np.load(entry["features_path"])
    assert features[0].shape == features[1].shape and not np.allclose(features[0], features[1])


def test_a_method_is_read_out_with_its_readout_encoder_and_the_weight_decay_is_recorded(tmp_path, monkeypatch):
    built = []

    def small_jepa(name, shape, seed, extra=None):
        # the table's ViT (patch 7) does not fit 8 x 8 digits: the same method with 2 x 2 patches
        torch.manual_seed(seed)
        built.append(bench.create_method(name, shape, backbone="vit", **bench.method_options(name, extra),
                                         backbone_options={"patch_size": 2, "dim": 16, "depth": 1, "heads": 2}))
        return built[-1]

    monkeypatch.setattr(bench, "build", small_jepa)
    monkeypatch.setattr(bench, "image_methods", lambda shape: ["jepa"])
    bench.main(["--select", "--methods", "jepa", "--controls", "", "--budget-minutes", "0.01",
                "--options", '{"readout": "target"}', "--tag", "tgt", "--weight-decay", "0.05",
                "--probe-rows", "600", "--data", "digits", "--workdir", str(tmp_path), "--threads", "1"])
    entry = json.loads((tmp_path / "ssl_table.json").read_text())["entries"]["jepa+tgt"]
    assert entry["pretrain"]["weight_decay"] == 0.05 and entry["pretrain"]["steps"] >= 1
    method = built[0]
    saved = bench.load_backbone(entry["backbone_path"]).state_dict()
    # I-JEPA read out with its EMA target encoder, as the option asks, not the context encoder it trains
    target, context = method.target_encoder.state_dict(), method.backbone.state_dict()
    assert all(torch.equal(saved[k], target[k]) for k in target)
    assert not all(torch.equal(saved[k], context[k]) for k in context)


def test_pretrain_with_sgd_steps_with_nesterov_momentum_and_records_it(monkeypatch):
    made = []
    real_sgd = torch.optim.SGD

    def spy(params, **kwargs):
        made.append(kwargs)
        return real_sgd(params, **kwargs)

    monkeypatch.setattr(torch.optim, "SGD", spy)
    torch.manual_seed(0)
    method = bench.create_method("rotation", (1, 8, 8))
    before = [p.detach().clone() for p in method.parameters()]
    X = np.random.default_rng(0).random((64, 1, 8, 8), dtype=np.float32)
    run = bench.pretrain(method, X, seconds=0.5, batch_size=16, lr=0.05, seed=0, weight_decay=5e-4, optimizer="sgd")
    assert made == [{"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 5e-4}]
    assert run["optimizer"] == "sgd" and run["steps"] >= 1
    assert any(not torch.equal(a, b) for a, b in zip(before, method.parameters()))
    with pytest.raises(ValueError, match="optimizer must be 'adamw' or 'sgd'"):
        bench.pretrain(method, X, seconds=0.1, batch_size=16, lr=0.05, seed=0, optimizer="lamb")


def test_pretrain_in_bf16_runs_the_forward_in_bf16_keeps_float32_weights_and_records_it():
    torch.manual_seed(0)
    method = bench.create_method("rotation", (1, 8, 8), backbone="conv", backbone_options={"channels": [4]})
    conv = next(m for m in method.modules() if isinstance(m, torch.nn.Conv2d))
    seen = []
    conv.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    X = np.random.default_rng(0).random((64, 1, 8, 8), dtype=np.float32)
    run = bench.pretrain(method, X, seconds=0.3, batch_size=16, lr=1e-3, seed=0, precision="bf16")
    assert run["precision"] == "bf16" and run["steps"] >= 1
    assert set(seen) == {torch.bfloat16}
    assert all(p.dtype == torch.float32 for p in method.parameters())
    seen.clear()
    plain = bench.pretrain(method, X, seconds=0.1, batch_size=16, lr=1e-3, seed=0)
    assert "precision" not in plain and set(seen) == {torch.float32}
    entry = {"architecture": "conv", "C": 0.01, "val_linear": 0.9, "budget_minutes": 1, "pretrain": run, "probe_rows": 9}
    assert f"| {run['steps']} ({run['epochs']:.1f}), bf16 |" in bench.table({"entries": {"rotation+b (long)": entry}})
    assert "Steps marked bf16" in bench.page({"entries": {"rotation+b (long)": entry}}, "cmd")
    with pytest.raises(ValueError, match="precision must be 'fp32', 'bf16' or 'auto'"):
        bench.pretrain(method, X, seconds=0.1, batch_size=16, lr=1e-3, seed=0, precision="fp16")


def test_the_moving_average_steps_by_its_decay_and_refuses_a_bad_one():
    torch.manual_seed(0)
    method = bench.create_method("rotation", (1, 8, 8))
    with torch.no_grad():
        for p in method.parameters():
            p.zero_()
    ema = bench.make_ema(method, 0.9)
    ema.update_parameters(method)  # the first update copies the weights: all 0
    with torch.no_grad():
        for p in method.parameters():
            p.fill_(1.0)
    ema.update_parameters(method)  # 0.9 * 0 + 0.1 * 1
    for p in ema.module.parameters():
        assert torch.allclose(p, torch.full_like(p, 0.1))
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="ema decay must be in"):
            bench.make_ema(method, bad)


def test_ema_reads_the_same_run_out_a_second_time_with_its_averaged_weights(tmp_path):
    common = ["--data", "digits", "--workdir", str(tmp_path), "--threads", "1", "--controls", "", "--methods", "",
              "--probe-rows", "600"]
    bench.main(["--select", "--long", "rotation", "--long-minutes", "0.01", "--options", '{"augment": "small_gray"}',
                "--tag", "crop", "--ema", "0.9", *common])
    entries = json.loads((tmp_path / "ssl_table.json").read_text())["entries"]
    assert list(entries) == ["rotation+crop (long)", "rotation+crop+ema (long)"]
    plain, averaged = entries["rotation+crop (long)"], entries["rotation+crop+ema (long)"]
    assert averaged["ema_of"] == "rotation+crop (long)" and averaged["pretrain"] == plain["pretrain"]
    assert plain["pretrain"]["ema_decay"] == 0.9 and plain["pretrain"]["steps"] >= 2
    assert bench.method_of("rotation+crop+ema (long)") == "rotation" and averaged["long"]
    weights = [bench.load_backbone(e["backbone_path"]).state_dict() for e in (plain, averaged)]
    assert weights[0].keys() == weights[1].keys()
    assert any(not torch.equal(weights[0][k], weights[1][k]) for k in weights[0])  # a different readout
    features = [np.load(e["features_path"]) for e in (plain, averaged)]
    assert features[0].shape == features[1].shape and not np.allclose(features[0], features[1])
    with pytest.raises(SystemExit, match="--ema must be a decay in"):
        bench.main(["--select", "--long", "rotation", "--ema", "1.0", *common])


def test_the_cpu_label_names_its_widest_unit_so_two_generations_of_one_model_name_differ(monkeypatch, tmp_path):
    import machine_label  # on sys.path once ssl_table is loaded: every benchmark's one CPU label

    labels = {}
    for name, flags in {"amx": "avx2 avx512f amx_tile", "avx512": "avx2 avx512f", "avx2": "sse2 avx2", "old": "sse2"}.items():
        info = tmp_path / name
        info.write_text(f"model name\t: AMD EPYC\nflags\t\t: fpu {flags}\n")
        monkeypatch.setattr(machine_label, "CPUINFO", info)
        labels[name] = bench.machine()["cpu"]
    monkeypatch.setattr(machine_label, "CPUINFO", tmp_path / "absent")
    assert machine_label.cpu_label() not in ("", "unknown")  # no /proc/cpuinfo: the platform's name
    assert machine_label.cpu_flags() == set()
    cores = f", {os.cpu_count()} cores"
    assert labels == {"amx": "AMD EPYC with AMX" + cores, "avx512": "AMD EPYC with AVX-512" + cores,
                      "avx2": "AMD EPYC with AVX2" + cores, "old": "AMD EPYC" + cores}


def test_the_page_names_each_cpu_when_rows_ran_on_more_than_one():
    def entry(cpu):
        return {"kind": "control", "architecture": "pixels", "probe_rows": 10, "machine_at_start": {"cpu": cpu}}

    one = {"entries": {"a": entry("Intel X"), "b": entry("Intel X")}}
    assert bench.cpu_note(one) == []
    two = {"entries": {"a": entry("Intel X"), "b": entry("AMD Y"), "c": entry("Intel X")}}
    assert bench.cpu_note(two) == ["Rows from more than one CPU (the same budget buys each a different number of "
                                   "steps): Intel X: a, c; AMD Y: b."]
