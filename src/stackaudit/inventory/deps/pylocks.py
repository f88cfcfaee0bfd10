"""Python manifests and lock files: pyproject.toml (PEP 621, Poetry), poetry.lock, uv.lock,
Pipfile.lock, pdm.lock. TOML / JSON parsing only."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from stackaudit.inventory.deps.model import Dependency, Ecosystem, ParsedFile, Problem, normalise_name

_EXACT = re.compile(r"^(?:==)?\s*([0-9][0-9A-Za-z.+!-]*)$")


class LockError(ValueError):
    """The file does not have the structure its format requires."""


def _pep508(spec: str, rel: str, problems: list[Problem], dev: bool = False) -> Dependency | None:
    try:
        req = Requirement(spec)
    except InvalidRequirement as exc:
        problems.append(Problem(rel, "malformed", f"{spec!r}: {exc}"))
        return None
    pins = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
    version = pins[0] if len(pins) == 1 and len(req.specifier) == 1 else None
    kind = "url" if req.url else "registry"
    return Dependency(
        name=req.name,
        ecosystem=Ecosystem.PYPI,
        source=rel,
        version=version,
        spec=str(req.specifier) or (req.url or ""),
        extras=tuple(sorted(req.extras)),
        marker=str(req.marker or ""),
        kind=kind,
        dev=dev,
    )


def _poetry_dep(name: str, value: Any, rel: str, dev: bool) -> Dependency:
    spec = (
        value if isinstance(value, str) else str(value.get("version", "")) if isinstance(value, dict) else ""
    )
    kind = "registry"
    if isinstance(value, dict):
        kind = "vcs" if "git" in value else "path" if "path" in value else "url" if "url" in value else kind
    match = _EXACT.match(spec.strip())
    return Dependency(
        name=name,
        ecosystem=Ecosystem.PYPI,
        source=rel,
        version=match.group(1) if match else None,
        spec=spec,
        kind=kind,
        dev=dev,
    )


def parse_pyproject(text: str, rel: str) -> ParsedFile:
    data = tomllib.loads(text)
    deps: list[Dependency] = []
    problems: list[Problem] = []
    project = data.get("project", {})
    for spec in project.get("dependencies", []) or []:
        if (dep := _pep508(str(spec), rel, problems)) is not None:
            deps.append(dep)
    for group in (project.get("optional-dependencies") or {}).values():
        deps.extend(d for s in group if (d := _pep508(str(s), rel, problems, dev=True)) is not None)
    for group in (data.get("dependency-groups") or {}).values():
        deps.extend(d for s in group if isinstance(s, str) and (d := _pep508(s, rel, problems, dev=True)))
    poetry = data.get("tool", {}).get("poetry", {})
    tables: list[tuple[Mapping[str, Any], bool]] = [
        (poetry.get("dependencies", {}), False),
        (poetry.get("dev-dependencies", {}), True),
    ]
    tables += [(g.get("dependencies", {}), True) for g in (poetry.get("group") or {}).values()]
    for table, dev in tables:
        deps.extend(_poetry_dep(n, v, rel, dev) for n, v in table.items() if n.lower() != "python")
    root = project.get("name") or poetry.get("name")
    return ParsedFile(
        path=rel,
        kind="pyproject",
        dependencies=tuple(deps),
        problems=tuple(problems),
        root=normalise_name(Ecosystem.PYPI, root) if root else None,
    )


def _hash_list(items: Iterable[Any]) -> tuple[str, ...]:
    out = [str(i.get("hash")) for i in items if isinstance(i, dict) and i.get("hash")]
    return tuple(sorted(set(out)))


def _packages(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    packages = data.get("package")
    if not isinstance(packages, list):
        raise LockError("no [[package]] array")
    for p in packages:
        if not isinstance(p, dict) or not isinstance(p.get("name"), str) or "version" not in p:
            raise LockError(f"package entry without name/version: {str(p)[:80]}")
    return packages


def _named(name: str) -> str:
    return normalise_name(Ecosystem.PYPI, name)


def parse_poetry_lock(text: str, rel: str) -> ParsedFile:
    data = tomllib.loads(text)
    old_files = data.get("metadata", {}).get("files", {})
    deps, edges = [], []
    for p in _packages(data):
        files = p.get("files") or old_files.get(p["name"], [])
        deps.append(
            Dependency(
                name=p["name"],
                ecosystem=Ecosystem.PYPI,
                source=rel,
                version=str(p["version"]),
                hashes=_hash_list(files),
                direct=False,
                dev=p.get("category") == "dev" or p.get("optional") is True,
            )
        )
        edges += [(_named(p["name"]), _named(child)) for child in (p.get("dependencies") or {})]
    return ParsedFile(
        path=rel, kind="poetry.lock", dependencies=tuple(deps), edges=tuple(edges), is_lock=True
    )


def _uv_child(entry: Any) -> str | None:
    return _named(entry["name"]) if isinstance(entry, dict) and isinstance(entry.get("name"), str) else None


def _uv_requested_extras(packages: list[Any]) -> set[tuple[str, str]]:
    """(package, extra) pairs some entry of the lock asks for (``{ name = "x", extra = ["y"] }``)."""
    wanted: set[tuple[str, str]] = set()
    for p in packages:
        if not isinstance(p, dict):
            continue
        entries = list(p.get("dependencies") or [])
        for group in (p.get("dev-dependencies") or {}).values():
            entries += list(group or [])
        for extra_entries in (p.get("optional-dependencies") or {}).values():
            entries += list(extra_entries or [])
        for e in entries:
            if isinstance(e, dict) and isinstance(e.get("name"), str):
                wanted |= {(_named(e["name"]), str(x)) for x in e.get("extra") or ()}
    return wanted


def _is_uv_root(source: Any) -> bool:
    return (
        isinstance(source, dict)
        and bool({"editable", "virtual"} & source.keys())
        and source.get("editable", source.get("virtual")) == "."
    )


def parse_uv_lock(text: str, rel: str) -> ParsedFile:
    data = tomllib.loads(text)
    packages = data.get("package")
    if not isinstance(packages, list):
        raise LockError("no [[package]] array")
    deps, edges, root = [], [], None
    wanted = _uv_requested_extras(packages)
    for p in packages:
        if not isinstance(p, dict) or not isinstance(p.get("name"), str):
            raise LockError(f"package entry without a name: {str(p)[:80]}")
        source = p.get("source", {})
        children = [c for e in (p.get("dependencies") or []) if (c := _uv_child(e))]
        # An extra brings its packages in only when something asks for it (or it is the project's own)
        for extra, entries in (p.get("optional-dependencies") or {}).items():
            if _is_uv_root(source) or (_named(p["name"]), str(extra)) in wanted:
                children += [c for e in entries if (c := _uv_child(e))]
        edges += [(_named(p["name"]), c) for c in children]
        if _is_uv_root(source):
            root = _named(p["name"])
            continue
        hashes = _hash_list([p.get("sdist") or {}, *(p.get("wheels") or [])])
        kind = (
            "vcs"
            if "git" in source
            else "path"
            if {"path", "directory", "editable"} & source.keys()
            else "registry"
        )
        deps.append(
            Dependency(
                name=p["name"],
                ecosystem=Ecosystem.PYPI,
                source=rel,
                version=str(p["version"]) if "version" in p else None,
                hashes=hashes,
                direct=False,
                kind=kind,
            )
        )
    return ParsedFile(
        path=rel, kind="uv.lock", dependencies=tuple(deps), edges=tuple(edges), is_lock=True, root=root
    )


def parse_pdm_lock(text: str, rel: str) -> ParsedFile:
    data = tomllib.loads(text)
    deps, edges = [], []
    for p in _packages(data):
        deps.append(
            Dependency(
                name=p["name"],
                ecosystem=Ecosystem.PYPI,
                source=rel,
                version=str(p["version"]),
                hashes=_hash_list(p.get("files") or []),
                direct=False,
            )
        )
        for spec in p.get("dependencies") or []:
            try:
                edges.append((_named(p["name"]), _named(Requirement(str(spec)).name)))
            except InvalidRequirement:
                continue
    return ParsedFile(path=rel, kind="pdm.lock", dependencies=tuple(deps), edges=tuple(edges), is_lock=True)


def parse_pipfile_lock(text: str, rel: str) -> ParsedFile:
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("default", {}), dict):
        raise LockError("expected an object with 'default' and 'develop' sections")
    deps = []
    for section, dev in (("default", False), ("develop", True)):
        for name, entry in (data.get(section) or {}).items():
            if not isinstance(entry, dict):
                raise LockError(f"{section}.{name}: expected an object")
            match = _EXACT.match(str(entry.get("version", "")))
            kind = "vcs" if "git" in entry else "path" if "path" in entry else "registry"
            deps.append(
                Dependency(
                    name=name,
                    ecosystem=Ecosystem.PYPI,
                    source=rel,
                    version=match.group(1) if match else None,
                    spec=str(entry.get("version", "")),
                    hashes=tuple(entry.get("hashes", [])),
                    dev=dev,
                    kind=kind,
                    marker=str(entry.get("markers", "")),
                )
            )
    return ParsedFile(path=rel, kind="Pipfile.lock", dependencies=tuple(deps), is_lock=True)
