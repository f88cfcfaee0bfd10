"""Find manifests and lock files in a tree, parse each, and settle direct vs transitive.

A file that does not parse becomes a ``Problem`` (NotAnalysed MALFORMED) with a
clear message; every other file is still read.
"""

from __future__ import annotations

import json
import os
import tomllib
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path, PurePosixPath

import yaml

from stackaudit.inventory.deps import golang, npm, pylocks
from stackaudit.inventory.deps.graph import infer_roots
from stackaudit.inventory.deps.model import (
    Dependency,
    Ecosystem,
    Inventory,
    ParsedFile,
    Problem,
    normalise_name,
)
from stackaudit.inventory.deps.requirements import parse_requirements

TextParser = Callable[[str, str], ParsedFile]

LOCK_PARSERS: dict[str, TextParser] = {
    "poetry.lock": pylocks.parse_poetry_lock,
    "uv.lock": pylocks.parse_uv_lock,
    "pdm.lock": pylocks.parse_pdm_lock,
    "Pipfile.lock": pylocks.parse_pipfile_lock,
    "package-lock.json": npm.parse_package_lock,
    "npm-shrinkwrap.json": npm.parse_package_lock,
    "pnpm-lock.yaml": npm.parse_pnpm_lock,
    "yarn.lock": npm.parse_yarn_lock,
    "bun.lock": npm.parse_bun_lock,
}
MANIFESTS = frozenset({"pyproject.toml", "Pipfile", "package.json", "go.mod"})
_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".stackaudit"})
_ERRORS = (ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError, UnicodeDecodeError)


def is_requirements(path: str) -> bool:
    # plain string work: this runs once per file of the tree (pathlib costs 10x more here)
    parent, _, name = path.rpartition("/")
    in_dir = parent == "requirements" or parent.endswith("/requirements")
    return name.endswith((".txt", ".in")) and ("requirements" in name or in_dir)


def is_dependency_file(path: str) -> bool:
    name = path.rpartition("/")[2]
    return name in LOCK_PARSERS or name in MANIFESTS or is_requirements(path)


def walk(root: Path) -> list[str]:
    """Dependency files under ``root`` (for commands run outside the audit pipeline)."""
    out = []
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        rel = Path(current).relative_to(root)
        out += [(rel / f).as_posix() for f in sorted(files) if is_dependency_file((rel / f).as_posix())]
    return out


def _package_json(text: str, rel: str) -> ParsedFile:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    deps = []
    for section, dev in (("dependencies", False), ("devDependencies", True), ("optionalDependencies", False)):
        for name, spec in (data.get(section) or {}).items():
            exact = (
                str(spec)
                if str(spec)[:1].isdigit() and not any(c in str(spec) for c in " <>^~*xX|")
                else None
            )
            deps.append(
                Dependency(
                    name=name, ecosystem=Ecosystem.NPM, source=rel, version=exact, spec=str(spec), dev=dev
                )
            )
    return ParsedFile(
        path=rel,
        kind="package.json",
        dependencies=tuple(deps),
        root=str(data.get("name", "")).lower() or None,
    )


def _pipfile(text: str, rel: str) -> ParsedFile:
    data = tomllib.loads(text)
    deps = []
    for section, dev in (("packages", False), ("dev-packages", True)):
        for name, value in (data.get(section) or {}).items():
            spec = value if isinstance(value, str) else str((value or {}).get("version", ""))
            exact = spec[2:] if spec.startswith("==") and "*" not in spec else None
            deps.append(
                Dependency(name=name, ecosystem=Ecosystem.PYPI, source=rel, version=exact, spec=spec, dev=dev)
            )
    return ParsedFile(path=rel, kind="Pipfile", dependencies=tuple(deps))


def _with_lines(parsed: ParsedFile, text: str) -> ParsedFile:
    """Give lock-file entries the line where the file first names them (locations and reports)."""
    starts = [0]
    starts += [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def line_of(dep: Dependency) -> int:
        name = dep.name
        probes = (
            f'\nname = "{name}"',
            f'"node_modules/{name}"',
            f'\n"{name}@',
            f"\n{name}@",
            f"\n{name} =",
            f'"{name}',
        )
        for probe in probes:
            at = text.find(probe)
            if at >= 0:
                return bisect_right(starts, at + probe.startswith("\n"))
        return 0

    return replace(
        parsed, dependencies=tuple(d if d.line else replace(d, line=line_of(d)) for d in parsed.dependencies)
    )


def parse_file(root: Path, rel: str) -> ParsedFile:
    """Parse one dependency file; never raises for bad content (it becomes a Problem)."""
    path = root / rel
    name = PurePosixPath(rel).name
    try:
        if is_requirements(rel):
            return parse_requirements(path, root)
        text = path.read_text(encoding="utf-8")
        if name == "go.mod":
            sum_path = path.parent / "go.sum"
            sums = golang.parse_go_sum(sum_path.read_text(encoding="utf-8")) if sum_path.is_file() else None
            return golang.parse_go_mod(text, rel, sums)
        if name == "pyproject.toml":
            return _with_lines(pylocks.parse_pyproject(text, rel), text)
        if name == "package.json":
            return _with_lines(_package_json(text, rel), text)
        if name == "Pipfile":
            return _with_lines(_pipfile(text, rel), text)
        return _with_lines(LOCK_PARSERS[name](text, rel), text)
    except OSError as exc:
        return ParsedFile(path=rel, kind=name, problems=(Problem(rel, "malformed", f"cannot read: {exc}"),))
    except (*_ERRORS, tomllib.TOMLDecodeError) as exc:
        detail = f"{name} does not parse: {type(exc).__name__}: {str(exc)[:200]}"
        return ParsedFile(path=rel, kind=name, problems=(Problem(rel, "malformed", detail),))


def _settle(parsed: ParsedFile, manifests: list[ParsedFile]) -> ParsedFile:
    """Mark direct dependencies of a lock file and record its graph roots."""
    if not parsed.is_lock or parsed.kind in ("go.mod",):
        keys = {d.key for d in parsed.dependencies if d.direct}
        return replace(parsed, roots=frozenset(keys))
    nodes = {d.key for d in parsed.dependencies}
    declared = {d.key for m in manifests for d in m.dependencies if d.ecosystem == _eco(parsed)}
    root_children = {c for p, c in parsed.edges if p == parsed.root} if parsed.root else set()
    if declared & nodes:
        roots = frozenset(declared & nodes)
    elif root_children:
        roots = frozenset(root_children)
    elif parsed.edges:
        roots = infer_roots([e for e in parsed.edges if e[0] in nodes], nodes)
    else:
        roots = frozenset(nodes)
    deps = tuple(replace(d, direct=d.key in roots) for d in parsed.dependencies)
    edges = tuple(e for e in parsed.edges if e[0] != parsed.root)
    return replace(parsed, dependencies=deps, roots=roots, edges=edges)


def _eco(parsed: ParsedFile) -> Ecosystem:
    return parsed.dependencies[0].ecosystem if parsed.dependencies else Ecosystem.PYPI


def build_inventory(root: Path, rel_paths: Iterable[str]) -> Inventory:
    parsed = [parse_file(root, rel) for rel in sorted(set(rel_paths)) if is_dependency_file(rel)]
    by_dir: dict[str, list[ParsedFile]] = {}
    for p in parsed:
        if not p.is_lock and p.kind != "requirements":
            by_dir.setdefault(str(PurePosixPath(p.path).parent), []).append(p)
    settled = tuple(_settle(p, by_dir.get(str(PurePosixPath(p.path).parent), [])) for p in parsed)
    return Inventory(files=settled, problems=tuple(pr for p in settled for pr in p.problems))


def locked_keys(inventory: Inventory) -> dict[str, set[tuple[str, str]]]:
    """Per directory ("." for the root), the (ecosystem, key) pairs some lock file there pins."""
    table: dict[str, set[tuple[str, str]]] = {}
    for f in inventory.files:
        if f.is_lock:
            table.setdefault(str(PurePosixPath(f.path).parent), set()).update(
                (str(d.ecosystem), normalise_name(d.ecosystem, d.name)) for d in f.dependencies if d.version
            )
    return table


def environment_inventory(python: Path) -> Inventory:
    """An installed environment as an inventory; roots are the distributions nothing requires."""
    from stackaudit.inventory.deps.environment import parse_environment

    parsed = _settle(parse_environment(python), [])
    return Inventory(files=(parsed,), problems=parsed.problems)
