"""Value types of the dependency inventory: dependencies, edges, parse problems."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from stackaudit.inventory.deps.graph import DependencyGraph

_NORMALISE = re.compile(r"[-_.]+")


class Ecosystem(StrEnum):
    """OSV ecosystem names."""

    PYPI = "PyPI"
    NPM = "npm"
    GO = "Go"


def normalise_name(ecosystem: Ecosystem | str, name: str) -> str:
    """The matching key of a package name: PEP 503 for PyPI, lower case for npm, as-is for Go."""
    if ecosystem == Ecosystem.PYPI:
        return _NORMALISE.sub("-", name).lower()
    if ecosystem == Ecosystem.NPM:
        return name.lower()
    return name


@dataclass(frozen=True, slots=True)
class Dependency:
    """One dependency as a manifest or lock file declares it.

    ``version`` is the exact pinned / locked / installed version, or None when
    the file only gives a range (``spec``). ``source`` is the repo-relative file.
    """

    name: str
    ecosystem: Ecosystem
    source: str
    version: str | None = None
    spec: str = ""  # the requirement as written (range, URL, VCS ref)
    line: int = 0
    direct: bool = True
    hashes: tuple[str, ...] = ()  # "sha256:..." as in the lock file
    licence: str | None = None  # raw licence text / expression when the file has it
    extras: tuple[str, ...] = ()
    marker: str = ""
    kind: str = "registry"  # registry | url | vcs | editable | path
    dev: bool = False
    top_level: tuple[str, ...] = ()  # import names (installed envs: top_level.txt)

    @property
    def key(self) -> str:
        return normalise_name(self.ecosystem, self.name)

    @property
    def pinned(self) -> bool:
        return self.version is not None

    @property
    def purl(self) -> str:
        kind = {Ecosystem.PYPI: "pypi", Ecosystem.NPM: "npm", Ecosystem.GO: "golang"}[self.ecosystem]
        name = self.key if self.ecosystem != Ecosystem.NPM else self.name.replace("@", "%40")
        return f"pkg:{kind}/{name}@{self.version}" if self.version else f"pkg:{kind}/{name}"


@dataclass(frozen=True, slots=True)
class Problem:
    """A file (or entry) that could not be read: becomes a NotAnalysed entry."""

    path: str
    reason: str  # a NotAnalysedReason value: malformed | unsupported | ...
    detail: str


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """What one manifest / lock file yields. ``edges`` are (parent key, child key)."""

    path: str
    kind: str  # requirements | pyproject | poetry.lock | uv.lock | ... | environment
    dependencies: tuple[Dependency, ...] = ()
    edges: tuple[tuple[str, str], ...] = ()
    problems: tuple[Problem, ...] = ()
    is_lock: bool = False
    has_licences: bool = False
    root: str | None = None  # the project's own key when the file names it
    roots: frozenset[str] = frozenset()  # keys of the direct dependencies (set by discovery)

    def graph(self) -> DependencyGraph:
        return DependencyGraph.build(self.edges, self.roots)


@dataclass(frozen=True, slots=True)
class Inventory:
    """Every dependency of a repository, merged, with its graph."""

    files: tuple[ParsedFile, ...] = ()
    problems: tuple[Problem, ...] = field(default=())

    @property
    def dependencies(self) -> tuple[Dependency, ...]:
        return tuple(d for f in self.files for d in f.dependencies)
