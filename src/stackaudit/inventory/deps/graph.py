"""The dependency graph of one lock file: direct vs transitive, paths, cycles."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DependencyGraph:
    """Edges between package keys. ``roots`` are the direct dependencies."""

    edges: tuple[tuple[str, str], ...]
    roots: frozenset[str]

    @classmethod
    def build(cls, edges: Iterable[tuple[str, str]], roots: Iterable[str]) -> DependencyGraph:
        return cls(tuple(sorted(set(edges))), frozenset(roots))

    def children(self) -> dict[str, list[str]]:
        table: dict[str, list[str]] = {}
        for parent, child in self.edges:
            table.setdefault(parent, []).append(child)
        return table

    def paths(self, dev: frozenset[str] = frozenset()) -> dict[str, tuple[str, ...]]:
        """Shortest path from some direct dependency to every reachable package (BFS; cycle-safe).

        Paths from production roots win: a package a runtime dependency brings in is never
        explained through a test or dev dependency (``dev``: those roots' keys)."""
        children = self.children()
        found: dict[str, tuple[str, ...]] = {}
        for roots in (sorted(self.roots - dev), sorted(self.roots & dev)):
            queue: deque[tuple[str, ...]] = deque((r,) for r in roots if r not in found)
            while queue:
                path = queue.popleft()
                node = path[-1]
                if node in found:
                    continue
                found[node] = path
                queue.extend((*path, c) for c in children.get(node, ()) if c not in found)
        return found

    def cycles(self, limit: int = 5) -> list[tuple[str, ...]]:
        """Some elementary cycles (iterative DFS, at most ``limit``), for a notice."""
        children = self.children()
        state: dict[str, int] = {}
        out: list[tuple[str, ...]] = []
        for start in sorted(children):
            if state.get(start):
                continue
            stack: list[tuple[str, int]] = [(start, 0)]
            trail: list[str] = []
            while stack and len(out) < limit:
                node, index = stack.pop()
                if index == 0:
                    state[node] = 1
                    trail.append(node)
                kids = children.get(node, [])
                if index < len(kids):
                    stack.append((node, index + 1))
                    child = kids[index]
                    if state.get(child) == 1:
                        out.append((*trail[trail.index(child) :], child))
                    elif not state.get(child):
                        stack.append((child, 0))
                else:
                    state[node] = 2
                    trail.pop()
        return out


def infer_roots(edges: Iterable[tuple[str, str]], nodes: Iterable[str]) -> frozenset[str]:
    """Packages no other package depends on (used when no manifest names the direct ones)."""
    edge_list = list(edges)
    targets = {c for p, c in edge_list if p != c}
    return frozenset(n for n in nodes if n not in targets)
