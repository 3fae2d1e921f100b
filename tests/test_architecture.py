"""The package's shape (DESIGN.md, "Shape"): no import cycles, arrows that point one way, small
modules. Every import is read from the source with ``ast`` — module-level and inside functions.

Layers: views → sampling / games / metrics / train → models → data. ``errors``, ``device``,
``progress`` and ``imaging`` are leaves anyone may use; ``weights`` sits above models; ``cli``
on top. UI libraries (ipywidgets, plotly, anywidget) belong to the views alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "explorer"
MAX_LINES = 400
LONG_REASON = "Long because"

UI_LIBRARIES = {"ipywidgets", "plotly", "anywidget"}
ABOVE_MODELS = {"views", "sampling", "games", "metrics", "train", "weights", "cli"}
ABOVE_DATA = ABOVE_MODELS | {"models"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _resolve(module: str, level: int, importer: str) -> str:
    if level == 0:
        return module
    base = importer.split(".")
    if not _is_package(importer):
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def imports_of(module: str) -> tuple[set[str], set[str]]:
    """``(explorer modules, third-party top-level names)`` that ``module`` imports anywhere."""
    tree = ast.parse(MODULES[module].read_text(), filename=str(MODULES[module]))
    internal: set[str] = set()
    external: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node.module or "", node.level, module)
            # ``from explorer.models import rbm`` imports the submodule explorer.models.rbm
            names = [
                f"{target}.{alias.name}" if f"{target}.{alias.name}" in MODULES else target
                for alias in node.names
            ]
        else:
            continue
        for name in names:
            if name == "explorer" or name.startswith("explorer."):
                while name not in MODULES:  # ``import explorer.models.rbm.X`` -> the module
                    name = name.rsplit(".", 1)[0]
                if name != module:
                    internal.add(name)
            else:
                external.add(name.split(".")[0])
    return internal, external


GRAPH = {module: imports_of(module)[0] for module in MODULES}


def _area(module: str) -> str:
    """``views``, ``models``, ``data``, ... for explorer.<area>[.…]; ``""`` for explorer itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_sees_every_kind_of_import() -> None:
    """The parser itself: function-level imports, submodules named in ``from``, cycles."""
    assert "explorer.models.rbm" in GRAPH["explorer.models"]  # from explorer.models.rbm import
    assert "explorer.weights" in GRAPH["explorer.metrics.rbm_eval"]  # inside a function
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    cycles = _cycles(GRAPH)
    assert not cycles, "import cycles (each list imports itself round): " + "; ".join(
        " ↔ ".join(c) for c in cycles
    )


@pytest.mark.parametrize(("low", "forbidden"), [
    ("data", ABOVE_DATA),
    ("models", ABOVE_MODELS),
    ("sampling", {"views", "cli"}),
    ("games", {"views", "cli"}),
    ("metrics", {"views", "cli"}),
    ("train", {"views", "cli"}),
])
def test_arrows_point_one_way(low: str, forbidden: set[str]) -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items() if _area(module) == low
        for target in targets if _area(target) in forbidden
    )
    assert not wrong, wrong


def test_ui_libraries_only_in_views_and_tqdm_only_in_progress() -> None:
    wrong = []
    for module in MODULES:
        external = imports_of(module)[1]
        if _area(module) != "views" and external & UI_LIBRARIES:
            wrong.append(f"{module} imports {sorted(external & UI_LIBRARIES)}")
        if "tqdm" in external and module != "explorer.progress":
            wrong.append(f"{module} imports tqdm (use an explorer.progress callback)")
    assert not wrong, wrong


def test_no_module_over_400_lines_without_a_reason() -> None:
    too_long = []
    for path in MODULES.values():
        relative = path.relative_to(ROOT).as_posix()
        n_lines = len(path.read_text().splitlines())
        if n_lines <= MAX_LINES:
            continue
        docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
        if not any(line.strip().startswith(LONG_REASON) for line in docstring.splitlines()):
            too_long.append(f"{relative} ({n_lines} lines)")
    assert not too_long, (
        f"over {MAX_LINES} lines without a line starting {LONG_REASON!r} in the module docstring: "
        f"{too_long}"
    )
