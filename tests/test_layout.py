"""The package layout stays true: layers point one way and no modules import each other.

Every import of every module counts, including imports inside functions and under
``TYPE_CHECKING``: a lazy import is still a dependency, and hiding one inside a function
is how cycles crept in before.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "capa_docs"

# Rooms and their layer: a module may import its own room and rooms of a lower layer.
# gate, site and interop share a layer and do not import each other.
LAYERS = {"contract": 0, "git": 1, "register": 2, "gate": 3, "site": 3, "interop": 3}
ADAPTER_LAYER = 4  # modules at the package's top: the CLI, __main__, the plugin alias
# What the bottom rooms may not reach for, whatever the layer rule says.
FORBIDDEN = {
    "contract": ("mkdocs", "subprocess", "jinja2", "markdown", "pygal"),
    "git": ("mkdocs", "jinja2", "markdown", "pygal"),
    "register": ("mkdocs", "subprocess", "jinja2", "markdown", "pygal"),
    "interop": ("mkdocs", "jinja2", "markdown", "pygal"),
    "gate": ("mkdocs", "jinja2", "markdown", "pygal"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    """(capa_docs modules imported, other top-level packages imported) by one file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> tuple[set[str], set[str]]:
    """The imports of source text that sits in ``package`` (for relative imports)."""
    ours: set[str] = set()
    others: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                (ours if alias.name.startswith("capa_docs") else others).add(
                    alias.name if alias.name.startswith("capa_docs")
                    else alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("capa_docs"):
                others.add(target.split(".")[0])
                continue
            for alias in node.names:  # `from . import x` may name a module
                candidate = f"{target}.{alias.name}"
                ours.add(candidate if _is_module(candidate) else target)
    return {_existing(m) for m in ours}, others


def _is_module(name: str) -> bool:
    path = PACKAGE.parent / name.replace(".", "/")
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _existing(name: str) -> str:
    """The module a dotted import resolves to (``a.b.func`` is module ``a.b``)."""
    while name and not _is_module(name):
        name = name.rpartition(".")[0]
    return name


def room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def layer(module: str) -> int:
    found = room(module)
    return LAYERS[found] if found else ADAPTER_LAYER


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p)[0] - {module_name(p)}
            for p in sorted(PACKAGE.rglob("*.py"))}


def wrong_way(edges: dict[str, set[str]]) -> list[str]:
    """Imports that point up a layer, or across to another room of the same layer."""
    wrong = []
    for module, targets in edges.items():
        for target in targets:
            if target == "capa_docs" or room(target) == room(module) and room(module):
                continue
            if layer(target) > layer(module) or (
                    layer(target) == layer(module) and room(module) and room(target)):
                wrong.append(f"{module} imports {target}")
    return sorted(wrong)


def cycles_in(edges: dict[str, set[str]]) -> list[list[str]]:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if target == "capa_docs":
                continue
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    return cycles


def test_every_module_is_in_a_room_or_is_an_adapter() -> None:
    top_level = {module_name(p) for p in PACKAGE.glob("*.py")}
    assert top_level <= {"capa_docs", "capa_docs.__main__", "capa_docs.cli", "capa_docs.plugin"}
    for folder in PACKAGE.iterdir():
        if (folder / "__init__.py").is_file():
            assert folder.name in LAYERS or folder.name == "cli", folder


def test_imports_point_down_and_rooms_of_one_layer_stay_apart() -> None:
    assert wrong_way(graph()) == []


def test_no_import_cycles() -> None:
    assert cycles_in(graph()) == []


@pytest.mark.parametrize("room_name", sorted(FORBIDDEN))
def test_lower_rooms_import_no_site_machinery(room_name: str) -> None:
    found = []
    for path in sorted((PACKAGE / room_name).rglob("*.py")):
        banned = imports_of(path)[1] & set(FORBIDDEN[room_name])
        if banned:
            found.append(f"{module_name(path)}: {sorted(banned)}")
    assert found == []


def test_the_checker_sees_an_upward_import_a_sideways_one_and_a_cycle() -> None:
    """The walk itself works, so the layout tests above cannot pass by seeing nothing."""
    ours, others = imports_in("from ..site import plugin\nfrom .rules import RULES\n"
                              "import subprocess\n", "capa_docs.contract")
    assert ours == {"capa_docs.site.plugin", "capa_docs.contract.rules"}
    assert others == {"subprocess"}
    assert wrong_way({"capa_docs.contract.model": {"capa_docs.site.plugin"},
                      "capa_docs.gate.diff": {"capa_docs.interop.export"},
                      "capa_docs.site.plugin": {"capa_docs.register.rollup"}}) == [
        "capa_docs.contract.model imports capa_docs.site.plugin",
        "capa_docs.gate.diff imports capa_docs.interop.export"]
    assert cycles_in({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b", "a"]]
    assert len(graph()) > 30 and all(graph()[m] for m in ("capa_docs.cli",))
