"""The package layout keeps its promises: no import cycles, and no loose modules at the root."""

import ast
from pathlib import Path

import aekit

ROOT = Path(aekit.__file__).parent


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path, modules: set[str]) -> set[str]:
    """aekit modules imported when ``path`` is imported (module level; TYPE_CHECKING blocks and
    imports inside functions run later, so they cannot make an import cycle)."""
    name = _module(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        body = node.body if isinstance(node, (ast.If, ast.Try)) else [node]
        for stmt in body:
            if isinstance(stmt, ast.ImportFrom):
                if stmt.level:
                    base = package.split(".")[: len(package.split(".")) - (stmt.level - 1)]
                    target = ".".join(base + ([stmt.module] if stmt.module else []))
                else:
                    target = stmt.module or ""
                for alias in stmt.names:
                    sub = f"{target}.{alias.name}"
                    found.add(sub if sub in modules else target)
            elif isinstance(stmt, ast.Import):
                found.update(alias.name for alias in stmt.names)
    return {m for m in found if m in modules and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, on_stack, stack, out, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_inside_the_package():
    paths = {_module(p): p for p in ROOT.rglob("*.py")}
    graph = {m: _top_level_imports(p, set(paths)) for m, p in paths.items()}
    assert _cycles(graph) == []
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]  # the detector itself works


def test_the_root_holds_packages_not_loose_modules():
    loose = sorted(p.name for p in ROOT.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert loose == ["_files.py", "_numerics.py", "_version.py", "registry.py"]  # shared plumbing; every part family is a package
