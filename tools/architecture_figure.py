"""Draw docs/images/architecture.png from the package's real import graph.

Every box is a sub-package of ``aekit`` (or a shared root module), every arrow an import done
when a module is imported (the same graph ``tests/test_layout.py`` checks for cycles), drawn from
the importer down to what it imports. Layers are the longest import chain below a package, so an
arrow always points down.

    python tools/architecture_figure.py [--out docs/images/architecture.png]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from test_layout import ROOT, _module, _top_level_imports  # noqa: E402

ROLE = {
    "registry": "one Registry for every part family",
    "nn": "blocks sized from the input shape",
    "objectives": "likelihoods, regularisers, losses",
    "transforms": "corruptions, augmentations",
    "training": "one loop, config, DDP",
    "models": "the composition + recipes",
    "ssl": "pretext tasks, joint embedding",
    "text": "word2vec, masked tokens",
    "data": "loaders, tables, scaling",
    "evaluation": "metrics, probes, likelihoods",
    "io": "model folders (safetensors + JSON)",
    "applications": "restoration, compression",
    "viz": "plots, report, explorer",
    "estimators": "scikit-learn API",
    "runs": "run folders, resume, presets",
    "cli": "the aekit command",
}


def package_graph() -> dict[str, set[str]]:
    paths = {_module(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in ROLE}
    for module, path in paths.items():
        parts = module.split(".")
        if len(parts) < 2 or parts[1] not in ROLE:
            continue
        for dep in _top_level_imports(path, set(paths)):
            target = dep.split(".")[1] if "." in dep else None
            if target in ROLE and target != parts[1]:
                graph[parts[1]].add(target)
    graph["cli"] |= {"estimators", "runs"}  # its commands import these when they run (kept lazy for a fast --help)
    return graph


def layers(graph: dict[str, set[str]]) -> dict[str, int]:
    depth: dict[str, int] = {}

    def level(name: str) -> int:
        if name not in depth:
            depth[name] = 1 + max((level(d) for d in graph[name]), default=-1)
        return depth[name]

    for name in graph:
        level(name)
    return depth


def draw(out: Path) -> None:
    graph = package_graph()
    depth = layers(graph)
    rows: dict[int, list[str]] = {}
    for name in sorted(graph, key=lambda n: (depth[n], n)):
        rows.setdefault(depth[name], []).append(name)
    top = max(rows)
    fig, ax = plt.subplots(figsize=(13, 1.25 * (top + 1) + 0.6))
    where = {}
    for d, names in rows.items():
        for i, name in enumerate(names):
            where[name] = ((i + 0.5) / len(names), top - d)
    for name, deps in graph.items():
        for dep in deps:
            (x0, y0), (x1, y1) = where[name], where[dep]
            ax.annotate("", xy=(x1, y1 + 0.22), xytext=(x0, y0 - 0.22),
                        arrowprops=dict(arrowstyle="-|>", mutation_scale=11, color="0.55", lw=0.7, alpha=0.8))
    for name, (x, y) in where.items():
        ax.text(x, y, f"{name}{'.py' if name == 'registry' else '/'}\n{ROLE[name]}", ha="center", va="center", fontsize=8.5,
                bbox=dict(boxstyle="round,pad=0.4", fc="#e8f0fb" if name != "registry" else "#fdf0d5", ec="0.4"))
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, top + 0.6)
    ax.axis("off")
    ax.set_title("aekit: packages and the direction of imports (arrows point to what is imported)", fontsize=10)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images" / "architecture.png")
    draw(parser.parse_args().out)
