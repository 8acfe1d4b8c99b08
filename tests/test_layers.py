"""The package's layers (docs/architecture.md, issue 18): an import may only point to
its own layer or below.

Every ``staffing`` import is read with :mod:`ast` — module level and inside functions —
except those under ``if TYPE_CHECKING:`` (annotations only, never run). The only
exemptions are the method delegates in ``DELEGATES``: a lower object offering a
convenience method whose work lives higher up (``County.to_excel`` → writers,
``Plan.plot`` → plots). The expected layer of each module is written here by hand, from
the issue, not read from the code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "staffing"

#: Layers, lowest first. A module's layer is the first entry naming it or a package
#: holding it (``data`` covers ``staffing.data.*``).
#:
#: Besides the issue's list: ``curriculum`` (timetable tables read by the policy),
#: ``_frozen``, ``_io``, ``_cells``, ``_excel``, ``_sphere`` and ``_gc`` (file, cell,
#: great-circle and collector helpers with no domain knowledge) sit with the foundations; ``staff`` and ``balance`` (named by the issue,
#: not written yet), ``synth`` (synthetic counties) and ``classes`` (classes estimated
#: from enrolment, issue 15) and ``post_levels`` (posts by level, issue 17) with the
#: domain rules;
#: ``baseline`` (the hand-made plan to compare against, built on the model's inputs)
#: and ``multiyear`` (the multi-year tables for output) with ``plan``; ``testing``
#: (fixtures and builders for tests, which may use anything) on top.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "vocab", "i18n", "policy", "curriculum", "_frozen", "_io", "_cells", "_excel",
     "_checks", "_sphere", "_gc"),
    ("data",),
    ("norms", "needs", "staff", "geo", "retirement", "training", "projection", "clusters",
     "transfers", "metrics", "balance", "synth", "classes", "post_levels"),
    ("model",),
    ("plan", "explain", "multiyear", "baseline"),
    ("html", "plots", "report", "compare", "rollup"),
    ("optimize", "scenarios", "cli", "batch", "testing", "__init__"),
]

#: Upward imports allowed, each a method that hands its work to a higher module:
#: (importing module, function holding the import, imported module).
DELEGATES: set[tuple[str, str, str]] = {
    ("data.county", "to_excel", "data.writers"),  # same layer, listed for clarity
    ("data.county", "_repr_html_", "html"),
    ("plan", "plot", "plots"),
    ("plan", "to_excel", "report"),
    ("plan", "to_dir", "report"),
    ("plan", "_repr_html_", "html"),
}


def _layer(module: str) -> int:
    """Index in LAYERS of ``module`` (dotted, without the ``staffing.`` prefix)."""
    parts = module.split(".")
    for i, names in enumerate(LAYERS):
        if parts[0] in names:
            return i
    raise AssertionError(f"staffing.{module} is in no layer: add it to LAYERS")


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> list[tuple[str, str, int]]:
    """(imported staffing module, enclosing function or "", line) of every import that
    runs; ``from staffing import x`` counts as importing ``staffing.x`` when x is a
    module, else the package itself."""
    found: list[tuple[str, str, int]] = []
    modules = _modules()

    def visit(node: ast.AST, func: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub, func)
                continue
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, child.name)
                continue
            if isinstance(child, ast.ImportFrom) and child.level == 0 and child.module and (
                    child.module == "staffing" or child.module.startswith("staffing.")):
                base = child.module.removeprefix("staffing").lstrip(".")
                for alias in child.names:
                    sub = f"{base}.{alias.name}".lstrip(".")
                    found.append((sub if sub in modules else base or "__init__", func,
                                  child.lineno))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("staffing."):
                        found.append((alias.name.removeprefix("staffing."), func,
                                      child.lineno))
            visit(child, func)

    visit(tree, "")
    return found


def _violations() -> list[str]:
    out = []
    for module, path in _modules().items():
        if module == "__init__":
            continue
        mine = _layer(module)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target, func, line in _imports(tree):
            if _layer(target) <= mine or (module, func, target) in DELEGATES:
                continue
            out.append(f"staffing/{path.relative_to(PACKAGE)}:{line} ({func or 'module'}) "
                       f"imports staffing.{target}: layer {_layer(target)} above {mine}")
    return out


def test_every_module_has_a_layer():
    for module in _modules():
        _layer(module)


def test_imports_point_down_the_layers():
    assert _violations() == []


def test_delegates_are_still_needed():
    """Each listed delegate still exists, so the list cannot grow stale and hide a new
    upward import under an old name."""
    modules = _modules()
    for module, func, target in DELEGATES:
        tree = ast.parse(modules[module].read_text(encoding="utf-8"))
        assert (target, func) in {(t, f) for t, f, _ in _imports(tree)}, (module, func, target)


@pytest.mark.parametrize("source, expected", [
    ("from staffing.plan import Plan\n", [("plan", "")]),
    ("def f():\n    from staffing.model import build\n", [("model.build", "f")]),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
     "    from staffing.plan import Plan\n", []),
    ("import staffing.plots\n", [("plots", "")]),
])
def test_import_reader(source, expected):
    """The reader sees module- and function-level imports and skips TYPE_CHECKING."""
    assert [(t, f) for t, f, _ in _imports(ast.parse(source))] == expected


def test_no_import_cycles():
    """No cycle among the modules' imports (function-level ones included: a cycle broken
    only by importing inside a function is still a cycle), delegates aside."""
    import networkx as nx

    graph = nx.DiGraph()
    for module, path in _modules().items():
        for target, func, _ in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if target != module and (module, func, target) not in DELEGATES:
                graph.add_edge(module, target)
    assert list(nx.simple_cycles(graph)) == []
