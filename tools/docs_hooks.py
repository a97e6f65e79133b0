"""MkDocs hooks: the navigation is built from the pages that exist, and the CLI and API
references are generated at build time (from click's help and the package layout), so that
they cannot drift from the code.

Wired in ``mkdocs.yml`` under ``hooks:``.
"""

from __future__ import annotations

import pkgutil
from pathlib import Path

# Preferred order; pages that do not exist (yet) are left out, pages not named here are appended.
ORDER = [
    ("Home", "index.md"),
    ("Getting started", "getting_started.md"),
    ("Autoencoders", "autoencoders.md"),
    ("Regularised autoencoders", "regularised.md"),
    ("Variational autoencoders", "variational.md"),
    ("Applications", "applications.md"),
    ("Sequences and time series", "sequences.md"),
    ("Self-supervised learning", "self_supervised.md"),
    ("Self-supervised learning on text", "text.md"),
    ("Scaling", "scaling.md"),
    ("Reports, explorer and logs", "reports.md"),
    ("Export and deployment", "deployment.md"),
    ("Benchmark protocol", "benchmarks.md"),
    ("CLI reference", "cli.md"),
    ("API reference", "api.md"),
]
CLI_MARKER = "<!-- aekit:cli-reference -->"
API_MARKER = "<!-- aekit:api-reference -->"


def _title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem.replace("_", " ").capitalize()


def build_nav(docs_dir: Path) -> list:
    """The nav: known pages in ``ORDER``, then other top-level pages, then ``results/``."""
    nav: list = [{title: name} for title, name in ORDER if (docs_dir / name).is_file()]
    known = {name for _, name in ORDER}
    others = sorted(p for p in docs_dir.glob("*.md") if p.name not in known)
    nav += [{_title(p): p.name} for p in others]
    results = sorted((docs_dir / "results").glob("*.md")) if (docs_dir / "results").is_dir() else []
    if results:
        nav.append({"Results": [{_title(p): f"results/{p.name}"} for p in results]})
    return nav


def on_config(config, **kwargs):
    config["nav"] = build_nav(Path(config["docs_dir"]))
    return config


def cli_reference() -> str:
    """Markdown with the ``--help`` of ``aekit`` and of every sub-command, as click prints it."""
    import click

    from aekit.cli import main

    parts = []

    def walk(command: click.Command, path: list[str]) -> None:
        ctx = click.Context(command, info_name=" ".join(path), parent=None, terminal_width=100, max_content_width=100)
        title = " ".join(path)
        summary = command.get_short_help_str(limit=200)
        parts.append(f"## `{title}`\n\n{summary}\n\n```text\n{command.get_help(ctx)}\n```\n")
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                walk(command.get_command(ctx, name), path + [name])

    walk(main, ["aekit"])
    return "\n".join(parts)


def api_reference() -> str:
    """One ``:::`` block (mkdocstrings) per public sub-package or module of ``aekit``."""
    import aekit

    blocks = ["## `aekit`\n\n::: aekit\n    options:\n      members: true\n      show_submodules: false\n"]
    for module in sorted(pkgutil.iter_modules(aekit.__path__), key=lambda m: m.name):
        if module.name.startswith("_") or module.name.startswith("cli"):
            continue
        blocks.append(f"## `aekit.{module.name}`\n\n::: aekit.{module.name}\n")
    return "\n".join(blocks)


def on_page_markdown(markdown: str, page, config, files, **kwargs) -> str:
    if CLI_MARKER in markdown:
        markdown = markdown.replace(CLI_MARKER, cli_reference())
    if API_MARKER in markdown:
        markdown = markdown.replace(API_MARKER, api_reference())
    return markdown
