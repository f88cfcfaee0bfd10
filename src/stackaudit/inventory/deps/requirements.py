"""pip requirements files: -r/-c includes, hashes, markers, extras, editable / URL / VCS.

Only parsed as text, never handed to pip: nothing in the file is executed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from stackaudit.inventory.deps.model import Dependency, Ecosystem, ParsedFile, Problem, normalise_name

_HASH = re.compile(r"--hash[=\s]+(\S+)")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_VCS = ("git+", "hg+", "svn+", "bzr+")
_OPTION_WITH_VALUE = re.compile(r"^(--?[a-z-]+)(?:[=\s]+(\S+))?")
_LEGACY_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*===?\s*([^\s;,]+)\s*(?:;.*)?$")
_IGNORED_OPTIONS = frozenset(
    {
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "--no-binary",
        "--only-binary",
        "--pre",
        "--prefer-binary",
        "--trusted-host",
        "--no-index",
        "--require-hashes",
        "--use-feature",
    }
)


@dataclass
class _State:
    root: Path
    deps: list[Dependency] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    constraints: dict[str, str] = field(default_factory=dict)
    seen: set[Path] = field(default_factory=set)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash continuations and strip comments; keep the first line number."""
    out: list[tuple[int, str]] = []
    buf, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw
        if not buf:
            start = number
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        stripped = re.sub(r"(^|\s)#.*$", "", buf).strip()
        if stripped:
            out.append((start, stripped))
        buf = ""
    if buf.strip():
        out.append((start, buf.strip()))
    return out


def _pinned_version(req: Requirement) -> str | None:
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def _url_requirement(line: str, rel: str, number: int, editable: bool) -> Dependency | None:
    egg = _EGG.search(line)
    name = egg.group(1) if egg else None
    if name is None:
        return None
    kind = "editable" if editable else ("vcs" if line.startswith(_VCS) else "url")
    return Dependency(name=name, ecosystem=Ecosystem.PYPI, source=rel, spec=line, line=number, kind=kind)


@dataclass(frozen=True, slots=True)
class _Line:
    """One logical requirement line: where it is and whether it is a constraint."""

    text: str
    rel: str
    number: int
    constraint: bool


def _url_line(body: str, editable: bool, where: _Line, state: _State) -> None:
    dep = _url_requirement(body, where.rel, where.number, editable)
    if dep is not None:
        state.deps.append(dep)
    elif not editable:  # local paths and nameless URLs: nothing to match on
        state.problems.append(
            Problem(where.rel, "unsupported", f"line {where.number}: requirement without a name")
        )


def _invalid_line(
    body: str, exc: InvalidRequirement, hashes: tuple[str, ...], where: _Line, state: _State
) -> None:
    legacy = _LEGACY_PIN.match(body)
    if legacy is None:
        state.problems.append(
            Problem(where.rel, "malformed", f"line {where.number}: {str(exc).splitlines()[0]}")
        )
    elif not where.constraint:  # a pin to a non-PEP 440 version (1.0-legacy): kept, matching says more
        state.deps.append(
            Dependency(
                name=legacy.group(1),
                ecosystem=Ecosystem.PYPI,
                source=where.rel,
                version=legacy.group(2),
                spec=body,
                line=where.number,
                hashes=hashes,
            )
        )


def _requirement(where: _Line, state: _State) -> None:
    hashes = tuple(_HASH.findall(where.text))
    body = _HASH.sub("", where.text).strip()
    editable = body.startswith(("-e ", "--editable ", "--editable="))
    if editable:
        body = re.sub(r"^(-e|--editable)[=\s]+", "", body)
    if editable or body.startswith((*_VCS, "http://", "https://", "file:", ".", "/")):
        _url_line(body, editable, where, state)
        return
    try:
        req = Requirement(body)
    except InvalidRequirement as exc:
        _invalid_line(body, exc, hashes, where, state)
        return
    version = _pinned_version(req)
    if where.constraint:
        if version:
            state.constraints[normalise_name(Ecosystem.PYPI, req.name)] = version
        return
    kind = "vcs" if req.url and req.url.startswith(_VCS) else "url" if req.url else "registry"
    state.deps.append(
        Dependency(
            name=req.name,
            ecosystem=Ecosystem.PYPI,
            source=where.rel,
            version=version,
            spec=str(req.specifier) or (req.url or ""),
            line=where.number,
            hashes=hashes,
            extras=tuple(sorted(req.extras)),
            marker=str(req.marker or ""),
            kind=kind,
        )
    )


def _read(path: Path, state: _State, constraint: bool) -> None:
    resolved = path.resolve()
    rel = _rel(path, state.root)
    if resolved in state.seen:
        return
    state.seen.add(resolved)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        state.problems.append(Problem(rel, "malformed", f"cannot read requirements file: {exc}"))
        return
    for number, line in logical_lines(text):
        option = _OPTION_WITH_VALUE.match(line)
        if line.startswith("-") and option and not line.startswith(("-e", "--editable")):
            flag, value = option.group(1), option.group(2)
            if flag in ("-r", "--requirement", "-c", "--constraint") and value:
                _include(
                    path.parent / value, state, constraint or flag in ("-c", "--constraint"), rel, number
                )
            elif flag not in _IGNORED_OPTIONS:
                state.problems.append(Problem(rel, "unsupported", f"line {number}: unknown option {flag}"))
            continue
        _requirement(_Line(line, rel, number, constraint), state)


def _include(target: Path, state: _State, constraint: bool, rel: str, number: int) -> None:
    try:
        target.resolve().relative_to(state.root.resolve())
    except ValueError:
        state.problems.append(Problem(rel, "unsupported", f"line {number}: include outside the tree"))
        return
    if not target.is_file():
        state.problems.append(
            Problem(rel, "malformed", f"line {number}: included file {target.name} missing")
        )
        return
    _read(target, state, constraint)


def parse_requirements(path: Path, root: Path) -> ParsedFile:
    """Parse one requirements file and everything it includes (each include once)."""
    state = _State(root=root)
    _read(path, state, constraint=False)
    deps = [
        d if d.version or d.key not in state.constraints else replace(d, version=state.constraints[d.key])
        for d in state.deps
    ]
    return ParsedFile(
        path=_rel(path, root),
        kind="requirements",
        dependencies=tuple(deps),
        problems=tuple(state.problems),
        is_lock=False,
    )
