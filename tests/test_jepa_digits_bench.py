"""benchmarks/jepa_digits.py: I-JEPA's defaults against published I-JEPA on a second data set (#19)."""

from benchmark_modules import load_benchmark

bench = load_benchmark("jepa_digits")


def test_both_settings_train_and_are_read_out_per_seed(capsys):
    rows = bench.main(["--epochs", "1", "--seeds", "3", "--fit-rows", "300"])
    assert [(r["seed"], r["jepa"]) for r in rows] == [(3, "published"), (3, "defaults")]
    assert all(0.5 < r["probe"] <= 1 and r["rank"] > 1 for r in rows)  # ten classes: chance is 0.1
    out = capsys.readouterr().out
    assert "raw pixels" in out and "published: mean" in out and "defaults: mean" in out
