"""A proof of safety: an analyzer's statement that a sink site is safe.

The taint engine evaluates every sink call it meets. Where it proves the value that
reaches the sink safe (a constant, a sanitiser, an allow-list, a parameterised
query), it records a ``SafetyProof`` for that site. A pattern finding (ruff, Bandit-like
rules) on the same lines with a shared CWE is then dropped by the engine's merge, and
only then: a site with no source and no proof stays reported as *unconfirmed*
(DESIGN.md, "Signal": only a proof of safety removes a finding).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SafetyProof:
    """``path`` is repo-relative POSIX; lines are 1-based and inclusive."""

    path: str
    line: int
    end_line: int
    cwe: tuple[int, ...]  # the vulnerability classes proven absent at this site
    reason: str  # one line: "the command is a constant", "the path passes safe_join"
