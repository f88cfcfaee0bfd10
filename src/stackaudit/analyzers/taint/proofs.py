"""Sink sites proven safe: every time the engine evaluated the site, the value was safe.

A site is evaluated more than once (each pass of the fixpoint, each call of a closure,
each pass over a call cycle); one unsafe evaluation (a traced flow, a parameter, a value
of unknown origin) vetoes the proof for good. Only the proofs left at the end are
emitted, as ``SafetyProof`` records that let the engine's merge drop a pattern finding
on the same lines (DESIGN.md, "Signal": only a proof removes a finding).
"""

from __future__ import annotations

from stackaudit.model import Location, SafetyProof

SiteKey = tuple[int, str, int, int]  # cwe, path, line, column


class Sites:
    """What the engine saw at each sink site it evaluated."""

    def __init__(self) -> None:
        self._seen: dict[SiteKey, tuple[Location, str] | None] = {}

    def veto(self, key: SiteKey) -> None:
        self._seen[key] = None

    def prove(self, key: SiteKey, location: Location, reason: str) -> None:
        if key not in self._seen:
            self._seen[key] = (location, reason)

    def proofs(self) -> tuple[SafetyProof, ...]:
        out = []
        for (cwe, path, line, _), seen in sorted(self._seen.items(), key=_by_place):
            if seen is not None:
                location, reason = seen
                out.append(SafetyProof(path, line, location.end_line or line, (cwe,), reason))
        return tuple(out)


def _by_place(item: tuple[SiteKey, object]) -> tuple[str, int, int, int]:
    cwe, path, line, column = item[0]
    return (path, line, column, cwe)
