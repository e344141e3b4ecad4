"""The layers hold: graphql -> services -> upstreams, one way, and the simulators stand apart.

An AST walk over the package: every import of a gateway module is checked against the rules
below (the design's rule on layers: GraphQL reaches the upstreams' error types in graphql/errors.py
only; the simulators are the test oracle, so they import nothing of the gateway).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "calendar_gateway"
ROOT = "calendar_gateway"

# Modules every layer may use: configuration, observability, the cache, the edit mutex and
# the zone ids (a GRS calendar's Java TimeZone id is read by the client and by the services).
SHARED = {
    "access_log",
    "caching",
    "correlation",
    "locking",
    "logs",
    "metrics",
    "protection",
    "settings",
    "timezones",
    "tracing",
}
# Modules that wire the layers together; they may import any of them.
WIRING = {
    "__init__", "__main__", "app", "cli", "feeds", "gateway", "graphiql", "health",
    "http_pipeline", "shutdown",
}  # fmt: skip
ALLOWED = {
    "graphql": {"graphql", "services", "shared"},
    "services": {"services", "upstreams", "shared"},
    "upstreams": {"upstreams", "shared"},
    "simulators": {"simulators"},
    "shared": {"shared"},
}
EXCEPTIONS = {("calendar_gateway.graphql.errors", "calendar_gateway.upstreams.errors")}


def layer(module: str) -> str:
    """The layer of a dotted module name of the package."""
    first = module.split(".")[1] if module.count(".") else "__init__"
    if first in SHARED:
        return "shared"
    if first in WIRING:
        return "wiring"
    return first


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def imports(module: str, path: Path) -> Iterator[str]:
    """The package's modules that ``module`` imports, at any depth of its code."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            yield base
            # "from calendar_gateway.services import calendars" imports a module too.
            yield from (f"{base}.{alias.name}" for alias in node.names)


def gateway_imports(module: str, path: Path) -> set[str]:
    known = {name for name, _ in modules()}
    return {name for name in imports(module, path) if name in known and name != ROOT}


MODULES = list(modules())


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_module_imports_only_what_its_layer_may(module: str, path: Path) -> None:
    own = layer(module)
    if own == "wiring":
        return
    broken = sorted(
        target
        for target in gateway_imports(module, path)
        if layer(target) not in ALLOWED[own] and (module, target) not in EXCEPTIONS
    )
    assert not broken, f"{module} ({own}) imports {broken}"


def test_no_loop_between_layers() -> None:
    edges: dict[str, set[str]] = {}
    for module, path in MODULES:
        for target in gateway_imports(module, path):
            if layer(target) != layer(module):
                edges.setdefault(layer(module), set()).add(layer(target))
    visiting: list[str] = []

    def visit(node: str) -> None:
        assert node not in visiting, f"loop between layers: {[*visiting, node]}"
        visiting.append(node)
        for target in edges.get(node, ()):
            visit(target)
        visiting.pop()

    for node in list(edges):
        visit(node)


def test_the_rules_see_the_imports() -> None:
    # The checks above pass vacuously if the walk stops finding imports.
    found = gateway_imports("calendar_gateway.graphql.errors", PACKAGE / "graphql" / "errors.py")
    assert "calendar_gateway.upstreams.errors" in found
