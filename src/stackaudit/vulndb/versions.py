"""Version ordering per ecosystem: PEP 440 (``packaging``) for PyPI, SemVer 2.0 for npm and Go."""

from __future__ import annotations

import re
from functools import total_ordering
from typing import Any, Protocol

from packaging.version import InvalidVersion, Version

_SEMVER = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


class BadVersion(ValueError):
    """A version string that the ecosystem's ordering cannot place (e.g. ``1.0-legacy`` on PyPI)."""


@total_ordering
class SemVer:
    """SemVer 2.0 precedence; a leading ``v`` (Go) and missing minor/patch are accepted."""

    __slots__ = ("core", "pre")

    def __init__(self, text: str) -> None:
        match = _SEMVER.match(text.strip())
        if match is None:
            raise BadVersion(f"{text!r} is not a semantic version")
        self.core = tuple(int(g or 0) for g in match.groups()[:3])
        self.pre: tuple[tuple[int, int | str], ...] | None = None
        if match.group(4):
            self.pre = tuple((0, int(p)) if p.isdigit() else (1, p) for p in match.group(4).split("."))

    def _key(self) -> tuple[tuple[int, ...], int, tuple[tuple[int, int | str], ...]]:
        return (self.core, 0 if self.pre is not None else 1, self.pre or ())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SemVer) and self._key() == other._key()

    def __lt__(self, other: SemVer) -> bool:
        return self._key() < other._key()  # type: ignore[operator]

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"SemVer({self.core}, {self.pre})"


class Comparable(Protocol):
    """What matching needs of a parsed version: a total order within one ecosystem."""

    def __lt__(self, other: Any, /) -> bool: ...
    def __le__(self, other: Any, /) -> bool: ...
    def __gt__(self, other: Any, /) -> bool: ...
    def __ge__(self, other: Any, /) -> bool: ...
    def __hash__(self) -> int: ...


def _parse(ecosystem: str, text: str) -> Comparable | None:
    try:
        return Version(text) if ecosystem == "PyPI" else SemVer(text)
    except (InvalidVersion, BadVersion):
        return None


def parse_version(ecosystem: str, text: str) -> Comparable:
    """Parse ``text`` with the ecosystem's rules; raise BadVersion when it cannot be ordered."""
    parsed = _parse(ecosystem, text)
    if parsed is None:
        kind = "PEP 440" if ecosystem == "PyPI" else "semantic"
        raise BadVersion(f"{text!r} is not a valid {kind} version")
    return parsed


class VersionCache:
    """Parsed versions for one matching session (bounds repeat across advisories and candidates).

    Owned by the caller, never module-level: it lives as long as one audit.
    """

    __slots__ = ("_parsed",)

    def __init__(self) -> None:
        self._parsed: dict[tuple[str, str], Comparable | None] = {}

    def get(self, ecosystem: str, text: str) -> Comparable | None:
        key = (ecosystem, text)
        if key not in self._parsed:
            self._parsed[key] = _parse(ecosystem, text)
        return self._parsed[key]

    def parse(self, ecosystem: str, text: str) -> Comparable:
        parsed = self.get(ecosystem, text)
        if parsed is None:
            return parse_version(ecosystem, text)  # raises with the message
        return parsed


def same_version(ecosystem: str, a: str, b: str) -> bool:
    """Equality that tolerates spelling differences (``1.0`` == ``1.0.0`` on PyPI)."""
    if a == b:
        return True
    try:
        return parse_version(ecosystem, a) == parse_version(ecosystem, b)
    except BadVersion:
        return False
