"""The layers of STYLE.md 17, read from the source: no upward import, no cycle between apps.

Every module under ``app/`` is parsed (``ast``, nothing imported) and every
``import app.X...`` / ``from app.X... import`` in it, at any depth (inside
functions and ``TYPE_CHECKING`` blocks too), is an edge from its app to app X.
An app may import its own layer or a lower one, and the graph of apps must
have no cycle (two apps of one layer importing each other is a cycle too).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
PROJECT = "<project>"  # app/settings.py, urls.py, celery.py, wsgi.py, env.py

# Top to bottom. A new app must be placed here (the test names it until it is).
LAYERS: list[set[str]] = [
    {PROJECT, "core"},
    # The layers over the core: pages, forms, the API, and features built on archive + catalog.
    {
        "api",
        "public",
        "editor",
        "moderation",
        "monitor",
        "demo",
        "compare",
        "disclosures",
        "graph",
        "ledgerdata",
        "dashboards",
    },
    {"archive"},
    {"catalog"},
    {"accounts"},
    {"lib"},
]

# Known upward imports left while issue 11's trust core is finished (lead: shrink this).
# Each is (importing module, imported app). An entry that no longer exists fails the
# test, so the list can only shrink.
ALLOWED_UPWARD: set[tuple[str, str]] = {
    # access_artifact decides for archive's Artifact rows: the catalog owns the rule, the
    # archive the model, looked up by name at run time (the import is for typing only).
    ("app/catalog/access.py", "archive"),
}


def layer_of(app: str) -> int:
    for index, members in enumerate(LAYERS):
        if app in members:
            return index
    raise AssertionError(f"app/{app} is in no layer: add it to LAYERS in tests/test_layers.py")


def app_of(path: Path) -> str:
    parts = path.relative_to(APP).parts
    return PROJECT if len(parts) == 1 else parts[0]


def imported_apps(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
            if node.module == "app":  # from app import celery, settings
                modules = [f"app.{alias.name}" for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "app" and len(parts) > 1:
                found.add(parts[1] if (APP / parts[1]).is_dir() else PROJECT)
    return found


def import_edges() -> dict[tuple[str, str], list[str]]:
    """(importing app, imported app) -> the modules that make the edge."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(APP.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = app_of(path)
        for target in imported_apps(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if target != source:
                edges[(source, target)].append(str(path.relative_to(ROOT)))
    return edges


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_every_app_has_a_layer() -> None:
    apps = {p.name for p in APP.iterdir() if (p / "__init__.py").exists()}
    for app in sorted(apps):
        layer_of(app)


def test_no_module_imports_a_higher_layer() -> None:
    upward = []
    for (source, target), modules in sorted(import_edges().items()):
        if layer_of(target) >= layer_of(source):
            continue
        upward += [
            f"{m} imports app.{target}" for m in modules if (m, target) not in ALLOWED_UPWARD
        ]
    assert upward == [], "upward imports (STYLE.md 17):\n" + "\n".join(upward)


def test_the_allow_list_holds_only_imports_that_still_exist() -> None:
    edges = import_edges()
    existing = {(m, target) for (_, target), modules in edges.items() for m in modules}
    gone = sorted(ALLOWED_UPWARD - existing)
    assert gone == [], f"remove from ALLOWED_UPWARD, they no longer exist: {gone}"


def test_no_import_cycle_between_apps() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for (source, target), modules in import_edges().items():
        if any((m, target) not in ALLOWED_UPWARD for m in modules):
            graph[source].add(target)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle between apps: " + " -> ".join(cycle or [])


def test_the_checker_sees_an_upward_import_and_a_cycle() -> None:
    """The detector itself, on a made-up graph and made-up source (so it cannot pass vacuously)."""
    tree = ast.parse("def f():\n    from app.archive.models import Capture\nimport app.lib.urls\n")
    assert imported_apps(tree) == {"archive", "lib"}
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}}) is None
    assert layer_of("catalog") > layer_of("archive") > layer_of("public")
