"""The import graph of ``src/forecast``: no circles, and no import up the layers.

Every ``import`` and ``from ... import`` of every module counts, wherever it is written: at the
top, inside a function (the lazy imports of heavy libraries) or under ``TYPE_CHECKING``. A
module that imports another only lazily still depends on it; a circle through a function-level
import is a circle all the same, one that only shows when the first call happens in the wrong
order. The layers, bottom to top: data, models, diagnostics, backtesting, execution, io,
report, fitting; then ``workflows`` (one module per command); then ``cli`` and the public
``api`` beside it. Nothing imports ``cli`` but ``cli`` itself and ``forecast.__main__``, and
no lower layer imports ``workflows``.

The graph is read with :mod:`ast` from the source files, so nothing is imported (and nothing
heavy loaded) to check it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = SRC / "forecast"
LOWER = (
    "data",
    "models",
    "diagnostics",
    "backtesting",
    "execution",
    "io",
    "report",
    "fitting",
)


def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = module_files()


def imported(name: str, path: Path) -> set[str]:
    """The modules of the package that ``name`` (at ``path``) imports, anywhere in its body:
    ``from P import x`` counts as an import of ``P.x`` when that is a module, else of ``P``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: up level - 1 packages from this module's own
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                out.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {target for target in out if target in MODULES and target != name}


GRAPH = {name: imported(name, path) for name, path in MODULES.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            step = next(edges, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph[step]))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def without_packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph between plain modules. A package's ``__init__`` is where a subpackage is
    entered, not a dependency of its own: ``forecast/__init__.py`` loads :mod:`forecast.api`
    on first use of ``forecast.fit``, and any ``from forecast import __version__`` would
    otherwise close a loop through the whole library."""
    packages = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    return {
        name: {t for t in targets if t not in packages}
        for name, targets in graph.items()
        if name not in packages
    }


def test_the_walk_sees_the_imports_it_must() -> None:
    """The walker itself: a top-level import, a function-level one, a ``TYPE_CHECKING`` one
    and a relative one, each found (a walker that saw nothing would pass every test below)."""
    assert "forecast.errors" in GRAPH["forecast.data.table"]  # top level
    assert "forecast.data.parquet" in GRAPH["forecast.data.read"]  # inside read_table
    assert "forecast.fitting.panel" in GRAPH["forecast.report.forecast_rows"]  # TYPE_CHECKING
    assert len(GRAPH) > 100


def test_circles_are_found() -> None:
    """The circle finder on a graph with one three-module circle, a self-free chain and a
    two-module circle: exactly those two, whatever the order of the walk."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"f"}, "f": {"e"}}
    assert sorted(circles(graph)) == [["a", "b", "c"], ["e", "f"]]
    assert circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def in_cli(name: str) -> bool:
    return name == "forecast.cli" or name.startswith("forecast.cli.")


def test_no_import_circle_below_the_cli() -> None:
    found = [c for c in circles(without_packages(GRAPH)) if not any(map(in_cli, c))]
    assert found == [], "import circles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_import_circle_in_the_cli() -> None:
    """The rest of the graph: a circle through any ``cli`` module (with the test above, no
    circle anywhere)."""
    found = [c for c in circles(without_packages(GRAPH)) if any(map(in_cli, c))]
    assert found == [], "import circles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_nothing_below_the_cli_imports_it() -> None:
    upward = sorted(
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        if not in_cli(name) and name != "forecast.__main__"
        for target in targets
        if in_cli(target)
    )
    assert upward == [], "\n".join(upward)


@pytest.mark.parametrize("layer", LOWER)
def test_no_lower_layer_imports_the_workflows(layer: str) -> None:
    prefix = f"forecast.{layer}"
    upward = sorted(
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        if name == prefix or name.startswith(prefix + ".")
        for target in targets
        if target == "forecast.workflows" or target.startswith("forecast.workflows.")
    )
    assert upward == [], "\n".join(upward)
