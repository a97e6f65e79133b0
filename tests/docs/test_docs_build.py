"""The documentation builds with warnings as errors (skipped without the docs extra)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings_handlers") is None,
    reason="mkdocs / mkdocstrings[python] not installed (pip install -e '.[docs]')",
)
def test_mkdocs_build_strict(tmp_path):
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # the generated references are there: every CLI command's help, and the API from docstrings
    cli = (site / "cli" / "index.html").read_text()
    for command in ("aekit train", "aekit report", "aekit explore", "aekit demo"):
        assert command in cli, command
    api = (site / "api" / "index.html").read_text()
    assert 'id="aekit.Autoencoder.fit"' in api and 'id="aekit.viz.write_report"' in api


def test_nav_lists_existing_pages_only(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from docs_hooks import build_nav
    finally:
        sys.path.pop(0)
    (tmp_path / "index.md").write_text("# Home\n")
    (tmp_path / "variational.md").write_text("# VAEs\n")
    (tmp_path / "zeta.md").write_text("# Zeta page\n")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "speed.md").write_text("# Speed\n")
    assert build_nav(tmp_path) == [
        {"Home": "index.md"},
        {"Variational autoencoders": "variational.md"},
        {"Zeta page": "zeta.md"},
        {"Results": [{"Speed": "results/speed.md"}]},
    ]
