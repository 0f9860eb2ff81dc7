"""The layout keeps its rules: one namespace, who may import whom, no import cycles.

Read from the source files of the repository (not the installed copy), so a new module is
judged the moment it exists. The rules are those of the README's "Layout" section.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Folder of the repository -> the dotted name it installs as.
FOLDERS = {
    "scim_harness": "scim_harness",
    "reference_server": "scim_harness.reference_server",
    "simulated_client": "scim_harness.simulated_client",
    "conformance": "scim_harness.conformance",
    "fixtures": "scim_harness.fixtures",
}
SERVER = "scim_harness.reference_server"
CLIENT = "scim_harness.simulated_client"
SUITES = "scim_harness.conformance"


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder, dotted in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((dotted, *parts))] = path
    return found


MODULES = _modules()


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, wherever it stands, except under ``if TYPE_CHECKING``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking_only(node):
            yield from (n for child in node.orelse for n in _imports_of(child))
            continue
        yield from _imports_of(node)


def _imports_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from _imports(node)


def imported(module: str) -> set[str]:
    """The project modules ``module`` imports (a ``from pkg import name`` of a submodule counts
    as importing that submodule)."""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in _imports(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        names.add(base)
        names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in names if name in MODULES}


def _top_level_imports(module: str) -> set[str]:
    tops: set[str] = set()
    for node in _imports(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            tops.update(alias.name.split(".")[0] for alias in node.names)
        elif node.module and not node.level:
            tops.add(node.module.split(".")[0])
    return tops


def test_the_wheel_lists_every_package_folder() -> None:
    """pyproject's package list is exactly the folders that hold an ``__init__.py``."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    assert listed == on_disk
    assert config["tool"]["setuptools"]["package-dir"] == {v: k for k, v in FOLDERS.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_nothing_imports_the_bare_folder_names(module: str) -> None:
    """Code imports the project only as ``scim_harness.*``, never by a folder's bare name."""
    assert not _top_level_imports(module) & (set(FOLDERS) - {"scim_harness"})


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith(SERVER)))
def test_the_reference_server_imports_neither_the_client_nor_the_suites(module: str) -> None:
    """The judged does not judge itself: no import of the suites or the simulated client."""
    assert {m for m in imported(module) if m.startswith((CLIENT, SUITES))} == set()


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith(CLIENT)))
def test_the_simulated_client_speaks_only_http(module: str) -> None:
    """The simulated client imports neither the server nor the suites."""
    assert {m for m in imported(module) if m.startswith((SERVER, SUITES))} == set()


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith(SUITES)))
def test_the_suites_use_only_the_servers_protocol_layer(module: str) -> None:
    """A judge that shared the judged's store, endpoints or platform would share its bugs."""
    server = {m for m in imported(module) if m.startswith(SERVER)}
    assert {m for m in server if not m.startswith(f"{SERVER}.protocol")} == set()


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith(f"{SERVER}.protocol")))
def test_the_protocol_layer_stands_alone(module: str) -> None:
    """The protocol layer is pure RFC knowledge: it imports nothing else of the server."""
    server = {m for m in imported(module) if m.startswith(SERVER)}
    assert {m for m in server if not m.startswith(f"{SERVER}.protocol")} == set()


def _cycle() -> list[str] | None:
    graph = {m: sorted(imported(m) - {m}) for m in MODULES}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_there_is_no_import_cycle() -> None:
    """No module reaches itself through its imports (a package's ``__init__`` included)."""
    assert _cycle() is None


def test_the_rules_see_imports() -> None:
    """The reader finds real imports: the CLI reaches all three parts, a check its context."""
    cli = imported("scim_harness.cli")
    assert {f"{SERVER}.serve", f"{CLIENT}.cli", f"{SUITES}.commands.check"} <= cli
    assert f"{SUITES}.server.context" in imported(f"{SUITES}.checks.server.filters")
