"""npm lock files: package-lock.json (v1, v2, v3), pnpm-lock.yaml, yarn.lock (classic and berry)."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from stackaudit.inventory.deps.model import Dependency, Ecosystem, ParsedFile
from stackaudit.inventory.deps.pylocks import LockError

_NM = "node_modules/"


def _dep(name: str, version: str | None, rel: str, **extra: Any) -> Dependency:
    return Dependency(name=name, ecosystem=Ecosystem.NPM, source=rel, version=version, direct=False, **extra)


def _licence(entry: dict[str, Any]) -> str | None:
    value = entry.get("license")
    if isinstance(value, dict):
        value = value.get("type")
    return str(value) if value else None


def parse_package_lock(text: str, rel: str) -> ParsedFile:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise LockError("expected a JSON object")
    packages = data.get("packages")
    if isinstance(packages, dict):
        return _lock_v2(data, packages, rel)
    if isinstance(data.get("dependencies"), dict):
        return _lock_v1(data["dependencies"], rel)
    raise LockError("neither 'packages' (v2/v3) nor 'dependencies' (v1) found")


def _lock_v2(data: dict[str, Any], packages: dict[str, Any], rel: str) -> ParsedFile:
    root = packages.get("", {})
    deps, edges = [], []
    for path, entry in packages.items():
        if not path or _NM not in path or not isinstance(entry, dict):
            continue
        if entry.get("link"):
            continue
        name = entry.get("name") or path.rsplit(_NM, 1)[1]
        integrity = entry.get("integrity")
        deps.append(
            _dep(
                name,
                entry.get("version"),
                rel,
                hashes=(integrity,) if integrity else (),
                licence=_licence(entry),
                dev=bool(entry.get("dev")),
            )
        )
        for child in (entry.get("dependencies") or {}) | (entry.get("optionalDependencies") or {}):
            edges.append((name.lower(), child.lower()))
    for child in _root_names(root):
        edges.append((str(data.get("name", "")).lower() or "<root>", child.lower()))
    return ParsedFile(
        path=rel,
        kind="package-lock.json",
        dependencies=tuple(deps),
        edges=tuple(edges),
        is_lock=True,
        has_licences=True,
        root=str(data.get("name", "")).lower() or "<root>",
    )


def _root_names(root: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for key in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies"):
        names += list((root.get(key) or {}).keys())
    return names


def _lock_v1(tree: dict[str, Any], rel: str) -> ParsedFile:
    deps, edges = [], []
    stack: list[tuple[str | None, dict[str, Any]]] = [(None, tree)]
    while stack:
        parent, level = stack.pop()
        for name, entry in level.items():
            if not isinstance(entry, dict):
                raise LockError(f"dependencies.{name}: expected an object")
            integrity = entry.get("integrity")
            deps.append(
                _dep(
                    name,
                    entry.get("version"),
                    rel,
                    hashes=(integrity,) if integrity else (),
                    dev=bool(entry.get("dev")),
                )
            )
            edges += [(name.lower(), c.lower()) for c in (entry.get("requires") or {})]
            if parent is None:
                edges.append(("<root>", name.lower()))
            if isinstance(entry.get("dependencies"), dict):
                stack.append((name, entry["dependencies"]))
    return ParsedFile(
        path=rel,
        kind="package-lock.json",
        dependencies=tuple(deps),
        edges=tuple(edges),
        is_lock=True,
        root="<root>",
    )


def _split_at_version(key: str) -> tuple[str, str]:
    key = key.lstrip("/").split("(", 1)[0]
    at = key.rfind("@")
    if at <= 0:
        return key, ""
    return key[:at], key[at + 1 :]


def parse_pnpm_lock(text: str, rel: str) -> ParsedFile:
    data = yaml.load(text, Loader=yaml.CSafeLoader)
    if not isinstance(data, dict) or not isinstance(data.get("packages", {}), dict):
        raise LockError("expected a mapping with 'packages'")
    deps, edges = [], []
    snapshots = data.get("snapshots") or data.get("packages") or {}
    for key, entry in (data.get("packages") or {}).items():
        entry = entry or {}
        name, version = _split_at_version(str(key))
        if not version and "/" in name.lstrip("/"):  # pnpm v5: /name/1.2.3
            name, _, version = name.lstrip("/").rpartition("/")
        integrity = (entry.get("resolution") or {}).get("integrity")
        deps.append(
            _dep(
                name,
                version or None,
                rel,
                hashes=(integrity,) if integrity else (),
                dev=bool(entry.get("dev")),
            )
        )
    for key, entry in snapshots.items():
        name, _ = _split_at_version(str(key))
        for child in (entry or {}).get("dependencies") or {}:
            edges.append((name.lower(), str(child).lower()))
    importers = data.get("importers") or {".": data}
    for importer in importers.values():
        for section in ("dependencies", "devDependencies", "optionalDependencies"):
            edges += [("<root>", str(n).lower()) for n in ((importer or {}).get(section) or {})]
    return ParsedFile(
        path=rel,
        kind="pnpm-lock.yaml",
        dependencies=tuple(deps),
        edges=tuple(edges),
        is_lock=True,
        root="<root>",
    )


_YARN_HEADER = re.compile(r"^(\S.*):\s*$")
_YARN_FIELD = re.compile(r'^\s{2}(\w+):?\s+"?([^"]*)"?\s*$')
_YARN_CHILD = re.compile(r'^\s{4}"?(@?[^"\s@]+(?:/[^"\s@]+)?)"?:?\s+')


def _yarn_name(header: str) -> str:
    first = header.split(",")[0].strip().strip('"')
    name, _ = _split_at_version(first.replace("@npm:", "@"))
    return name


def parse_yarn_lock(text: str, rel: str) -> ParsedFile:
    if "__metadata:" in text:
        return _yarn_berry(text, rel)
    deps, edges = [], []
    fields: dict[str, str] = {}
    name, in_deps = "", False

    def flush() -> None:
        if name:
            integrity = fields.get("integrity")
            deps.append(_dep(name, fields.get("version"), rel, hashes=(integrity,) if integrity else ()))

    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if (header := _YARN_HEADER.match(line)) and not line.startswith(" "):
            flush()
            name, fields, in_deps = _yarn_name(header.group(1)), {}, False
            continue
        if not name:
            raise LockError(f"unexpected line outside an entry: {line[:60]!r}")
        if line.startswith("    ") and in_deps and (child := _YARN_CHILD.match(line)):
            edges.append((name.lower(), child.group(1).lower()))
        elif field := _YARN_FIELD.match(line):
            fields[field.group(1)] = field.group(2)
            in_deps = False
        elif line.strip() in ("dependencies:", "optionalDependencies:"):
            in_deps = True
    flush()
    return ParsedFile(path=rel, kind="yarn.lock", dependencies=tuple(deps), edges=tuple(edges), is_lock=True)


def _yarn_berry(text: str, rel: str) -> ParsedFile:
    data = yaml.load(text, Loader=yaml.CSafeLoader)
    if not isinstance(data, dict):
        raise LockError("expected a mapping")
    deps, edges = [], []
    for header, entry in data.items():
        if header == "__metadata" or not isinstance(entry, dict):
            continue
        name = _yarn_name(str(header))
        if "@workspace:" in str(entry.get("resolution", "")):
            continue
        checksum = entry.get("checksum")
        deps.append(_dep(name, str(entry.get("version")), rel, hashes=(str(checksum),) if checksum else ()))
        edges += [(name.lower(), str(c).lower()) for c in (entry.get("dependencies") or {})]
    return ParsedFile(path=rel, kind="yarn.lock", dependencies=tuple(deps), edges=tuple(edges), is_lock=True)


_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def parse_bun_lock(text: str, rel: str) -> ParsedFile:
    """bun.lock (Bun >= 1.2): JSON with trailing commas. ``packages`` maps a key to
    ``["name@version", registry, {dependencies…}, integrity]``; ``workspaces`` lists the roots."""
    try:
        data = json.loads(_TRAILING_COMMA.sub(r"\1", text))
    except json.JSONDecodeError as exc:
        raise LockError(f"not JSON (line {exc.lineno}): {exc.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("packages"), dict):
        raise LockError("no 'packages' object")
    deps, edges = [], []
    for entry in data["packages"].values():
        if not isinstance(entry, list) or not entry or not isinstance(entry[0], str):
            continue
        name, _, version = entry[0].rpartition("@")
        if not name or version.startswith(("workspace:", "link:", "file:")):
            continue
        meta = entry[2] if len(entry) > 2 and isinstance(entry[2], dict) else {}
        integrity = entry[3] if len(entry) > 3 and isinstance(entry[3], str) else None
        deps.append(_dep(name, version, rel, hashes=(integrity,) if integrity else ()))
        for child in (meta.get("dependencies") or {}) | (meta.get("optionalDependencies") or {}):
            edges.append((name.lower(), str(child).lower()))
    found = data.get("workspaces")
    workspaces: dict[str, Any] = found if isinstance(found, dict) else {}
    root = workspaces.get("", {}) if isinstance(workspaces.get("", {}), dict) else {}
    root_name = str(root.get("name", "")).lower() or "<root>"
    for workspace in workspaces.values():  # a member's dependencies are the project's direct ones
        if isinstance(workspace, dict):
            edges += [(root_name, child.lower()) for child in _root_names(workspace)]
    return ParsedFile(
        path=rel,
        kind="bun.lock",
        dependencies=tuple(deps),
        edges=tuple(edges),
        is_lock=True,
        root=root_name,
    )
