from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in the audited repository.

    ``path`` is repo-relative, POSIX separators, never absolute. Lines and
    columns are 1-based; ``end_*`` of 0 means "unknown, same as start".
    ``symbol`` is the enclosing function or class, dotted (``views.list_orders``).
    """

    path: str
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    symbol: str | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One step of a data flow (taint source -> steps -> sink)."""

    location: Location
    note: str
    kind: str = "step"  # "source" | "step" | "sink"
