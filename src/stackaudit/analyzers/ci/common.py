"""What every CI check returns, and small text helpers they share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from stackaudit.model import Finding, NotAnalysed


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Findings of one check; ``skipped`` says why the check did not run ("" = it ran)."""

    findings: tuple[Finding, ...] = ()
    not_analysed: tuple[NotAnalysed, ...] = ()
    skipped: str = ""


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, joined text) with backslash continuations joined; comments kept."""
    start = 0
    parts: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not parts:
            start = number
        stripped = raw.rstrip()
        if stripped.endswith("\\"):
            parts.append(stripped[:-1])
            continue
        parts.append(stripped)
        yield start, " ".join(p.strip() for p in parts)
        parts = []
    if parts:
        yield start, " ".join(p.strip() for p in parts)
