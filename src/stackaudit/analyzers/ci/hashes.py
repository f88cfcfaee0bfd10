"""``ci.lockfile-without-hashes`` and ``ci.install-without-require-hashes``."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from stackaudit.analyzers.base import NotAnalysable
from stackaudit.analyzers.ci.common import logical_lines
from stackaudit.analyzers.ci.rules import INSTALL_WITHOUT_REQUIRE_HASHES, LOCKFILE_WITHOUT_HASHES
from stackaudit.model import CodeContext, Finding, Location, NotAnalysedReason, Severity

_OPTION_LINE = re.compile(r"^\s*(-|#|$)")
_PIP_INSTALL = re.compile(r"\b(?:pip3?(?:\.\d+)?|python3?(?:\.\d+)?\s+-m\s+pip|uv\s+pip)\s+install\b")
_REQ_FILE = re.compile(r"(?:\s-r\s*|\s--requirement(?:=|\s+))(?P<file>[^\s;&|)]+)")
_REQUIREMENT = re.compile(
    r"^(?:(?P<url>(?:https?|file|git\+\w+)://\S+)"  # a direct URL
    r"|[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?\s*"  # a name with extras
    r"(?:(?P<pin>===?)\s*[^\s;,]+|(?P<ref>@\s*\S+)|[<>!~]=?\s*[^\s;]+(?:\s*,\s*[<>!=~]=?\s*[^\s;,]+)*)?"
    r"\s*(?:;.*?)?(?:\s--hash[=\s]\S+)*\s*(?:#.*)?)$"
)
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^/\s:@]+)(?::[^/\s@]*)?@", re.I)
_LOCK_NAMES = frozenset({"pipfile.lock", "poetry.lock", "uv.lock", "pdm.lock"})


@dataclass(frozen=True, slots=True)
class HashCoverage:
    """How many entries of a lock file carry hashes; ``first_line`` of one that doesn't."""

    total: int
    unhashed: tuple[str, ...]
    first_line: int = 0


def _name_and_parent(path: str) -> tuple[str, str]:
    parts = path.lower().rsplit("/", 2)
    return parts[-1], parts[-2] if len(parts) > 1 else ""


def is_requirements(path: str) -> bool:
    name, parent = _name_and_parent(path)
    return name.endswith(".txt") and (
        name.startswith(("requirements", "constraints"))
        or name.endswith("requirements.txt")
        or parent == "requirements"
    )


def is_lockfile(path: str) -> bool:
    return is_requirements(path) or _name_and_parent(path)[0] in _LOCK_NAMES


def requirements_coverage(text: str) -> HashCoverage:
    """Hash coverage of the PINNED entries (``==``/``===``/direct URLs) of a requirements file.

    Unpinned specifiers (``flask>=3``) are an input file, not a lock: not counted, and a file
    with more ranges than pins is such an input list (an application's ``requirements.txt``
    with a few exact pins), not a lock to hash: total 0. So is a file whose entries mostly do
    not look like requirements at all (a document that happens to be called ``constraints.txt``).
    """
    total, unhashed, first, foreign, entries, ranged = 0, [], 0, 0, 0, 0
    for number, line in logical_lines(text):
        if _OPTION_LINE.match(line):
            continue  # -r, -c, -e, --index-url, comments, blank lines
        entries += 1
        match = _REQUIREMENT.match(line)
        if not match:
            foreign += 1
            continue
        if not (match.group("pin") or match.group("url") or match.group("ref")):
            ranged += 1
            continue
        total += 1
        if "--hash=" not in line and "--hash " not in line:
            unhashed.append(line.split()[0])
            first = first or number
    if foreign * 2 > entries or ranged > total:
        return HashCoverage(0, ())
    return HashCoverage(total, tuple(unhashed), first)


def _toml_packages(text: str, hashed: Any) -> HashCoverage:
    data = tomllib.loads(text)
    packages = data.get("package", [])
    meta_files = (data.get("metadata") or {}).get("files") or {}  # poetry < 1.5 layout
    total, unhashed = 0, []
    for pkg in packages if isinstance(packages, list) else []:
        source = pkg.get("source") or {}
        if isinstance(source, dict) and ({"editable", "virtual", "directory", "path"} & source.keys()):
            continue  # the project itself / local paths carry no artifact hash
        total += 1
        if not (hashed(pkg) or meta_files.get(pkg.get("name"))):
            unhashed.append(str(pkg.get("name", "?")))
    return HashCoverage(total, tuple(unhashed))


def _has_file_hash(pkg: dict[str, Any]) -> bool:
    files = pkg.get("files") or []
    wheels = [*(pkg.get("wheels") or []), *([pkg["sdist"]] if isinstance(pkg.get("sdist"), dict) else [])]
    return any(isinstance(f, dict) and f.get("hash") for f in [*files, *wheels])


def _pipfile_lock(text: str) -> HashCoverage:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    total, unhashed = 0, []
    for section in ("default", "develop"):
        for name, spec in (data.get(section) or {}).items():
            if isinstance(spec, dict) and ("path" in spec or "editable" in spec):
                continue
            total += 1
            if not (isinstance(spec, dict) and spec.get("hashes")):
                unhashed.append(name)
    return HashCoverage(total, tuple(unhashed))


def lock_coverage(path: str, text: str) -> HashCoverage:
    """Hash coverage of one lock file; raise ``NotAnalysable`` when it does not parse."""
    name = _name_and_parent(path)[0]
    try:
        if name == "pipfile.lock":
            return _pipfile_lock(text)
        if name in _LOCK_NAMES:
            return _toml_packages(text, _has_file_hash)
    except (ValueError, tomllib.TOMLDecodeError, AttributeError, TypeError) as exc:
        raise NotAnalysable(NotAnalysedReason.MALFORMED, f"{name}: {exc}") from None
    return requirements_coverage(text)


def check_lockfile(path: str, text: str) -> list[Finding]:
    coverage = lock_coverage(path, text)
    if not coverage.unhashed:
        return []
    names = ", ".join(coverage.unhashed[:5]) + (", …" if len(coverage.unhashed) > 5 else "")
    return [
        LOCKFILE_WITHOUT_HASHES.finding(
            Location(path, coverage.first_line),
            f"{len(coverage.unhashed)} of {coverage.total} pinned packages have no hash ({names})",
            PurePosixPath(path).name,
            context=CodeContext.CONFIG,
            properties=(("unhashed", str(len(coverage.unhashed))), ("packages", str(coverage.total))),
        )
    ]


def check_installs(path: str, text: str, hashed_files: frozenset[str]) -> list[Finding]:
    """``pip install -r`` without ``--require-hashes``; LOW when the file is fully hashed."""
    findings: list[Finding] = []
    base = PurePosixPath(path).parent
    for number, line in logical_lines(text):
        if line.lstrip().startswith("#") or not _PIP_INSTALL.search(line) or "--require-hashes" in line:
            continue
        files = [m.group("file") for m in _REQ_FILE.finditer(" " + line)]
        if not files:
            continue
        covered = all(_resolve(base, f) in hashed_files or f.lstrip("./") in hashed_files for f in files)
        note = "; the file is fully hashed, so pip already checks (the flag guards against regressions)"
        findings.append(
            INSTALL_WITHOUT_REQUIRE_HASHES.finding(
                Location(path, number),
                f"pip install -r {' '.join(files)} without --require-hashes" + (note if covered else ""),
                _URL_CREDENTIALS.sub(r"\g<scheme>***@", line.strip())[:300],
                severity=Severity.LOW if covered else None,
                context=CodeContext.CONFIG,
            )
        )
    return findings


def _resolve(base: PurePosixPath, ref: str) -> str:
    parts: list[str] = []
    for part in (base / ref).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)
