"""Build the service map of a repository from its Python files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from stackaudit.analyzers.pyparse import ParsedModules
from stackaudit.scope import resources as rs
from stackaudit.scope import starlette
from stackaudit.scope.decorated import Decorated
from stackaudit.scope.django import Django
from stackaudit.scope.graph import CallGraph
from stackaudit.scope.model import Edge, Resource, ServiceMap
from stackaudit.scope.routers import Routers
from stackaudit.scope.source import Index

NOT_SERVICE = frozenset(
    {"tests", "test", "testing", "migrations", "docs", "examples", "node_modules", ".venv", "venv"}
)


def service_paths(paths: Iterable[str]) -> list[str]:
    """Python files that can hold the service: not tests, migrations, docs or virtualenvs."""
    out = []
    for path in paths:
        posix = PurePosixPath(path)
        if posix.suffix != ".py" or NOT_SERVICE & set(posix.parts[:-1]):
            continue
        if posix.name.startswith("test_") or posix.name.endswith("_test.py") or posix.name == "conftest.py":
            continue
        out.append(path)
    return sorted(out)


class Scope:
    """The parsed repository and what was read from it; ``attach.py`` asks it about findings."""

    def __init__(self, index: Index, notes: list[str]) -> None:
        self.index = index
        self.graph = CallGraph(index)
        django = Django(index)
        found = [
            *Decorated(index, Routers(index)).endpoints(),
            *django.endpoints(),
            *starlette.endpoints(index),
        ]
        self.endpoints = tuple(dict.fromkeys(found))
        self.notes = tuple(dict.fromkeys([*notes, *django.notes]))
        self.tasks = rs.celery_tasks(index)

    def service_map(self) -> ServiceMap:
        clients = {m.name: rs.module_clients(self.index, m) for m in self.index.modules.values()}
        resources: dict[str, Resource] = {}
        direct: dict[str, list[tuple[str, str]]] = {}  # function -> [(resource key, action)]
        tasks = set(self.tasks)
        for ref, func in self.graph.funcs.items():
            for kind, name, action, line in rs.uses(self.index, func, self.graph.nodes[ref], clients, tasks):
                res = Resource(kind, name, func.path, line)
                resources.setdefault(res.key, res)
                direct.setdefault(ref, []).append((res.key, action))
        for func in self.tasks.values():
            res = Resource(rs.Q, f"celery:{func.node.name}", func.path, func.node.lineno)
            resources.setdefault(res.key, res)
        edges: dict[tuple[str, str], Edge] = {}
        for handler in dict.fromkeys(e.handler.ref for e in self.endpoints):
            for ref, via in self.graph.reach(handler):
                for key, action in direct.get(ref, []):
                    edges.setdefault((handler, key), Edge(handler, key, via, action))
        ordered = sorted(self.endpoints, key=lambda e: (e.path, e.methods, e.handler.ref))
        return ServiceMap(
            endpoints=tuple(ordered),
            resources=tuple(sorted(resources.values(), key=lambda r: r.key)),
            edges=tuple(sorted(edges.values(), key=lambda e: (e.handler, e.resource))),
            notes=self.notes,
        )


def load_scope(root: Path, paths: Iterable[str], parsed: ParsedModules | None = None) -> Scope:
    """``parsed``: the audit's shared parses, so files its analyzers parsed are not parsed again."""
    index, notes = Index.load(root, service_paths(paths), parsed)
    return Scope(index, notes)


def build_map(root: Path, paths: Iterable[str]) -> ServiceMap:
    return load_scope(root, paths).service_map()
