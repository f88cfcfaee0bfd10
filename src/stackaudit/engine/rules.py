"""Rules that belong to the engine itself (not to any analyzer)."""

from __future__ import annotations

from stackaudit.model import Category, Confidence, RuleMeta, Severity

SUPPRESSION_WITHOUT_REASON = RuleMeta(
    id="process.suppression-without-reason",
    title="Suppression without a reason",
    category=Category.PROCESS,
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    impact=1,
    likelihood=2,
    effort=0.25,
    fix="Add the reason after the bracket: # stackaudit: ignore[RULE] why this is safe",
    doc="""
    An inline ``# stackaudit: ignore[RULE]`` comment without a reason.

    Why it matters: a suppression is a decision somebody made; without its reason the
    next reader cannot tell a considered exception from a silenced alarm, and nobody can
    review it. A suppression without a reason does not suppress anything.

    Example::

        requests.get(url)  # stackaudit: ignore[scale.no-timeout]

    Fix: say why it is safe, e.g.
    ``# stackaudit: ignore[scale.no-timeout] local metadata endpoint, answers in <1 ms``.
    """,
)

ENGINE_RULES: tuple[RuleMeta, ...] = (SUPPRESSION_WITHOUT_REASON,)
