"""``--changed-since REF``: which files changed, and which files taint must read to follow them.

The taint engine analyses the whole program: a flow that enters a changed helper may start in
an unchanged route that imports it, and pass through what either of them imports. So an
incremental audit analyses, for taint, the *closure* of the changed files:

* the changed files, and the Python files that name a changed template;
* their importers, transitively, up to ``HOPS`` imports away (the routes and services whose
  flows enter the changed code);
* what all of those import, transitively, up to ``HOPS`` imports away (the helpers, sanitizers
  and sinks those flows pass through).

The import graph comes from a text scan of ``import`` / ``from … import`` statements (no parse:
most files are not in the closure). It over-approximates on purpose (an import in a string
counts; a name that matches a module by suffix counts, as the taint engine's own module lookup
does), so it can only add files, never lose one. It does not see imports made by name at run
time (``importlib``), which the taint engine does not follow either.
"""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from stackaudit.engine.baseline import BaselineError

HOPS = 4  # imports followed away from the changed files, in each direction
# A changed template is followed from the Python files that name it (``render_template("x.html")``).
TEMPLATE_SUFFIXES = (".html", ".htm", ".jinja", ".jinja2", ".j2")

_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n;]*)", re.M)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n;]*)", re.M)
_COMMENT = re.compile(r"#[^\n]*")


class ChangedSinceError(BaselineError):
    """``--changed-since`` cannot be resolved (not a git repository, unknown ref)."""


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["git", "-c", "core.quotepath=off", *args], cwd=root, capture_output=True, timeout=120, check=False
    )


def _names(proc: subprocess.CompletedProcess[bytes]) -> set[str]:
    return {p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if p}


def changed_paths(root: Path, ref: str) -> frozenset[str]:
    """Paths (relative to ``root``, which may be a subdirectory of the repository) changed since
    ``ref``: committed on this branch since it forked from ``ref`` (``git diff REF...HEAD``),
    staged, modified in the working tree, and untracked (not ignored). Deleted paths included."""
    if _git(root, "rev-parse", "--is-inside-work-tree").returncode != 0:
        raise ChangedSinceError(f"--changed-since: {root} is not inside a git repository")
    if _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise ChangedSinceError(f"--changed-since: {ref!r} is not a git ref or commit here")
    committed = _git(root, "diff", "--name-only", "--relative", "-z", f"{ref}...HEAD", "--")
    if committed.returncode != 0:  # no merge base (unrelated histories): compare the trees
        committed = _git(root, "diff", "--name-only", "--relative", "-z", ref, "HEAD", "--")
    working = _git(root, "diff", "--name-only", "--relative", "-z", "HEAD", "--")
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z")
    return frozenset(_names(committed) | _names(working) | _names(untracked))


def module_name(path: str) -> str:
    """As the taint engine names modules (``analyzers/taint/modules.py``)."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imported(path: str, text: str) -> list[str]:
    """Dotted names a module imports, relative imports made absolute (over-approximated)."""
    text = text.replace("\\\n", " ")
    own = module_name(path).split(".")
    package = own if path.endswith("__init__.py") else own[:-1]
    names: list[str] = []
    for match in _IMPORT.finditer(text):
        for item in _COMMENT.sub("", match.group(1)).split(","):
            if item.split():
                names.append(item.split()[0])
    for match in _FROM.finditer(text):
        dots, base = match.group(1), match.group(2)
        if dots:
            pkg = package[: len(package) - (len(dots) - 1)] if len(dots) > 1 else package
            base = ".".join([*pkg, base] if base else pkg)
        if not base:
            continue
        names.append(base)
        body = _COMMENT.sub("", match.group(3)).strip("() \t\n")
        for item in body.split(","):
            words = item.split()
            if words and words[0] != "*":
                names.append(f"{base}.{words[0]}")
    return names


class _Index:
    """Module lookup by full dotted name, else by suffix (``app.views`` for ``src/app/views.py``)."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.full: dict[str, str] = {}
        self.suffix: dict[str, str] = {}
        for path in sorted(paths):
            name = module_name(path)
            self.full.setdefault(name, path)
            parts = name.split(".")
            for i in range(1, len(parts)):
                self.suffix.setdefault(".".join(parts[i:]), path)

    def resolve(self, dotted: str) -> str | None:
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            prefix = ".".join(parts[:i])
            hit = self.full.get(prefix) or self.suffix.get(prefix)
            if hit is not None:
                return hit
        return None


def import_graph(texts: Mapping[str, str]) -> dict[str, set[str]]:
    """path -> the repository's Python files it imports."""
    index = _Index(texts)
    graph: dict[str, set[str]] = {}
    for path, text in texts.items():
        targets = {index.resolve(name) for name in _imported(path, text)}
        graph[path] = {t for t in targets if t is not None and t != path}
    return graph


def _reach(start: Iterable[str], edges: Mapping[str, set[str]], hops: int) -> set[str]:
    seen = set(start)
    frontier = set(seen)
    for _ in range(hops):
        frontier = {n for f in frontier for n in edges.get(f, ()) if n not in seen}
        if not frontier:
            break
        seen |= frontier
    return seen


@dataclass(frozen=True, slots=True)
class Closure:
    changed: frozenset[str]  # Python files changed (deleted ones included)
    zone: frozenset[str]  # changed files and their direct importers: a flow through them is re-decided
    scope: frozenset[str]  # every file the taint engine reads for this run


def closure(texts: Mapping[str, str], changed: Iterable[str], hops: int = HOPS) -> Closure:
    """The files taint must read to follow flows into and out of ``changed`` (see module doc)."""
    graph = import_graph(texts)
    importers: dict[str, set[str]] = defaultdict(set)
    for path, targets in graph.items():
        for target in targets:
            importers[target].add(path)
    changed = frozenset(changed)
    moved = frozenset(p for p in changed if p.endswith(".py"))
    names = {p.rsplit("/", 1)[-1] for p in changed if p.endswith(TEMPLATE_SUFFIXES)}
    renderers = {path for path, text in texts.items() if names and any(n in text for n in names)}
    present = {p for p in moved if p in texts} | renderers
    up = _reach(present, importers, hops)
    scope = _reach(up, graph, hops)
    zone = set(moved) | present | {i for p in present for i in importers.get(p, ())}
    zone |= {p for p in changed if p.endswith(TEMPLATE_SUFFIXES)}
    return Closure(moved, frozenset(zone), frozenset(scope))
