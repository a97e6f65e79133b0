"""benchmarks/gpu_check.py works before a GPU is at hand: its CPU mode on a subset."""

import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "gpu_check", Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.py"
)
gpu_check = importlib.util.module_from_spec(_spec)
sys.modules["gpu_check"] = gpu_check
_spec.loader.exec_module(gpu_check)


@pytest.mark.slow  # a few one-epoch fits of tiny models: about a second
def test_quick_cpu_run_of_a_subset_passes_and_writes_its_report(tmp_path, capsys):
    out = tmp_path / "report.md"
    code = gpu_check.main(["--device", "cpu", "--quick", "--only", "recipes", "--names", "deep", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0 and printed.strip().endswith("all checks passed"), printed
    report = out.read_text()
    assert report.startswith("# aekit GPU check: CPU, torch ") and report.strip() in printed
    row = next(line for line in report.splitlines() if line.startswith("| deep |"))
    assert row.count("| ok ") == 3  # fp32, bf16 and fp16 all trained to a finite loss
    assert "| recipes | 3 | 0 |" in report  # the summary: 3 checks, none failed

    report, failed = gpu_check.run_parts(["estimators"], gpu_check.torch.device("cpu"), True,
                                         ["Autoencoder", "Word2Vec"])
    assert failed == 0
    assert "| Autoencoder | ok (" in report and report.count("n/a (no precision parameter)") == 2
    assert "| estimators | 4 | 0 |" in report  # Autoencoder at 3 precisions, Word2Vec at fp32


def test_a_failing_check_makes_a_fail_row_and_exit_status_1(capsys):
    code = gpu_check.main(["--device", "cpu", "--quick", "--only", "recipes", "--names", "no-such-recipe"])
    printed = capsys.readouterr().out
    assert code == 1
    assert printed.count("FAIL: ValueError: recipe must be one of") == 3 and "3 check(s) failed" in printed


def test_bad_arguments_are_refused_with_a_clear_message(tmp_path, capsys):
    with pytest.raises(SystemExit):
        gpu_check.main(["--device", "cpu", "--only", "recipes,gpus"])
    assert "--only takes parts of" in capsys.readouterr().err
    (tmp_path / "r.md").write_text("mine")
    with pytest.raises(SystemExit):
        gpu_check.main(["--device", "cpu", "--out", str(tmp_path / "r.md")])
    assert "--overwrite" in capsys.readouterr().err and (tmp_path / "r.md").read_text() == "mine"
