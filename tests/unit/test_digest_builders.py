"""The public digest builders cannot reach coaching: their imports are parsed, and followed through every
first-party module they import (and the packages those load), without importing anything."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
FIRST_PARTY = ("core", "recognition", "coaching", "digests")
PUBLIC_BUILDERS = ("digests.builders.team", "digests.builders.awards", "digests.builders.campaigns")


def source_of(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None


def imported_by(module: str, *, top_level_only: bool) -> set[tuple[str, bool]]:
    """First-party modules a module imports (anywhere in it, or only in its top-level statements), each
    with whether it is used (``False``: a package only run to reach a submodule: ``from pkg import mod``)."""
    path = source_of(module)
    tree = ast.parse(path.read_text(), str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[tuple[str, bool]] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update((alias.name, True) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            submodules = [f"{base}.{alias.name}" for alias in node.names if source_of(f"{base}.{alias.name}")]
            found.update((name, True) for name in submodules)
            found.add((base, len(submodules) < len(node.names)))
    return {(name, used) for name, used in found if name.split(".")[0] in FIRST_PARTY and source_of(name)}


def reachable_from(start: str) -> dict[str, list[str]]:
    """Every first-party module loading ``start`` can run, with the chain that leads there.

    A module it uses counts with every import it holds (its functions may run); a package only run on
    the way to a module (Python runs the packages above a module first) counts with its top-level
    imports only."""
    chains: dict[str, list[str]] = {start: [start]}
    seen: set[tuple[str, bool]] = set()
    queue = [(start, True)]
    while queue:
        module, used = queue.pop()
        if (module, used) in seen:
            continue
        seen.add((module, used))
        parents = [".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)]
        steps = imported_by(module, top_level_only=not used) | {(parent, False) for parent in parents}
        for name, name_used in sorted(steps):
            if (name, name_used) not in seen:
                if name not in chains or name_used:
                    chains[name] = chains[module] + [name]
                queue.append((name, name_used))
    return chains


@pytest.mark.parametrize("builder", PUBLIC_BUILDERS)
def test_a_public_builder_never_reaches_coaching(builder):
    reached = reachable_from(builder)
    assert "recognition.queries" in reached or builder != "digests.builders.team"
    leaks = {name: " -> ".join(chain) for name, chain in reached.items() if name.split(".")[0] == "coaching"}
    assert not leaks, f"{builder} can reach coaching: {leaks}"


def test_the_check_finds_coaching_where_it_is_imported():
    """The private builders do import coaching, directly or through digests modules: the walk sees it."""
    assert any(name.startswith("coaching") for name in reachable_from("digests.builders.personal"))
    assert any(name.startswith("coaching") for name in reachable_from("digests.dispatch"))
