"""The table of every ``aekit`` command and option in docs/cli.md, built from the CLI itself.

``python tools/cli_table.py --write`` refreshes the table in docs/cli.md;
``tests/docs/test_cli_table.py`` fails when the committed table and the CLI disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

START, END = "<!-- aekit:cli-table:start -->", "<!-- aekit:cli-table:end -->"
DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _option(param: click.Option) -> str:
    names = " / ".join(f"`{o}`" for o in param.opts + param.secondary_opts)
    if param.is_flag or param.count:
        return names
    kind = param.type
    if param.metavar:
        metavar = param.metavar
    elif isinstance(kind, click.Choice):  # registries list dozens of names: `--help` shows them
        metavar = "\\|".join(map(str, kind.choices)) if len(kind.choices) <= 6 else "NAME"
    else:
        metavar = {click.IntRange: "INT", click.FloatRange: "FLOAT"}.get(type(kind), kind.name.upper())
    return f"{names} {metavar}"


def cli_table() -> str:
    """Markdown: one row per command with its arguments and options (global options first)."""
    from aekit.cli import main

    ctx = click.Context(main, info_name="aekit")
    globals_ = [_option(p) for p in main.params if isinstance(p, click.Option) and p.name != "version"]
    rows = ["| Command | Arguments | Options | What it does |", "|---|---|---|---|",
            f"| `aekit` (global) | | {', '.join(globals_)}, `--version` | Options before the command: "
            "`--threads` anywhere; the others become the command's own. |"]
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        arguments = " ".join(p.human_readable_name if p.required else f"[{p.human_readable_name}]"
                             for p in command.params if isinstance(p, click.Argument))
        options = ", ".join(_option(p) for p in command.params
                            if isinstance(p, click.Option) and not p.hidden and p.name != "help")
        summary = command.get_short_help_str(limit=120).replace("|", "\\|")
        rows.append(f"| `{name}` | {arguments} | {options} | {summary} |")
    return "\n".join(rows) + "\n"


def rewrite(text: str) -> str:
    """``text`` (docs/cli.md) with the table between the markers replaced by :func:`cli_table`."""
    head, sep, rest = text.partition(START)
    _, sep2, tail = rest.partition(END)
    if not (sep and sep2):
        raise ValueError(f"{DOC} lacks the markers {START} ... {END}")
    return f"{head}{START}\n{cli_table()}{END}{tail}"


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tools/cli_table.py --write")
    DOC.write_text(rewrite(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {DOC}")
