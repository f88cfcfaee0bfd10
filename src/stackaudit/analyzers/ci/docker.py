"""``ci.docker-base-unpinned``: ``FROM`` lines without an ``@sha256:`` digest."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from stackaudit.analyzers.ci.common import logical_lines
from stackaudit.analyzers.ci.rules import DOCKER_BASE_UNPINNED
from stackaudit.model import CodeContext, Confidence, Finding, Location

_FROM = re.compile(r"^\s*FROM\s+(?P<rest>.+)$", re.IGNORECASE)
_ARG = re.compile(r"^\s*ARG\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:=(?P<value>\S*))?", re.IGNORECASE)
_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}?")
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class FromLine:
    line: int
    text: str  # the FROM instruction as written
    image: str  # after ARG substitution
    alias: str | None
    unresolved: bool  # a variable without a default was left in the image


def _strip_quotes(value: str) -> str:
    return value.strip().strip("\"'")


def _parse_from(rest: str) -> tuple[str, str | None]:
    words = [w for w in rest.split() if not w.startswith("--")]  # drop --platform=...
    image = words[0] if words else ""
    alias = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
    return image, alias


def from_lines(text: str) -> Iterator[FromLine]:
    """Every FROM, with ARG defaults declared before the first FROM substituted."""
    args: dict[str, str] = {}
    seen_from = False
    for number, line in logical_lines(text):
        if line.lstrip().startswith("#"):
            continue
        arg = _ARG.match(line)
        if arg and not seen_from and arg.group("value") is not None:
            args[arg.group("name")] = _strip_quotes(arg.group("value"))
            continue
        match = _FROM.match(line)
        if not match:
            continue
        seen_from = True
        image, alias = _parse_from(match.group("rest"))
        unresolved = False

        def substitute(var: re.Match[str]) -> str:
            nonlocal unresolved
            if var.group(1) in args:
                return args[var.group(1)]
            if var.group(2) is not None:
                return var.group(2)
            unresolved = True
            return var.group(0)

        yield FromLine(number, line.strip(), _VAR.sub(substitute, image), alias, unresolved)


def check_dockerfile(path: str, text: str) -> list[Finding]:
    findings: list[Finding] = []
    stages: set[str] = set()
    for entry in from_lines(text):
        name = entry.image.lower()
        pinned = bool(_DIGEST.search(name))
        if not (name == "scratch" or name in stages or pinned):
            message = f"base image {entry.image!r} is not pinned by digest (@sha256:…)"
            if entry.unresolved:
                message += "; it depends on a build argument without a default"
            findings.append(
                DOCKER_BASE_UNPINNED.finding(
                    Location(path, entry.line, 1),
                    message,
                    entry.text,
                    confidence=Confidence.LOW if entry.unresolved else None,
                    context=CodeContext.CONFIG,
                    properties=(("image", entry.image),),
                )
            )
        if entry.alias:
            stages.add(entry.alias)
    return findings
