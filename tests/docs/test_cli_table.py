"""docs/cli.md's table of every command and option matches the CLI itself."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from cli_table import DOC, END, START, cli_table  # noqa: E402


def test_the_committed_table_is_the_cli():
    if not DOC.is_file():
        pytest.skip("docs/ is not part of this checkout")
    committed = DOC.read_text(encoding="utf-8").split(START)[1].split(END)[0].strip()
    assert committed == cli_table().strip(), "docs/cli.md is stale: run `python tools/cli_table.py --write`"


def test_the_table_names_every_command_and_option():
    from aekit.cli import main

    table = cli_table()
    for name, command in main.commands.items():
        row = next(line for line in table.splitlines() if line.startswith(f"| `{name}` |"))
        for param in command.params:
            if getattr(param, "hidden", False) or param.name == "help" or not hasattr(param, "opts"):
                continue
            if param.param_type_name == "option":
                assert f"`{param.opts[0]}`" in row, (name, param.opts[0])
