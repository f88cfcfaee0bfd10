"""Hits become ordinary ``Finding``s, so reports, the store and the gate treat them as any other.

The location is where the DAST is configured (the project's config file, or ``.`` for a
command-line scan): a finding about a running service has no line of code, and the
endpoint field carries the request. The identity (snippet) is the target's origin, the rule
and the hit's key, never a status code or a count, so the same problem found again is the
same finding.
"""

from __future__ import annotations

from collections.abc import Iterable

from stackaudit.dast.guard import Target
from stackaudit.dast.hits import Hit
from stackaudit.model import CodeContext, Finding, Location

DAST_TOOL = "stackaudit-dast"


def to_finding(hit: Hit, target: Target, location: Location) -> Finding:
    endpoint = hit.endpoint or (hit.seen.label if hit.seen is not None else None)
    props = [("dast_target", target.origin), ("origin", "confirmed")]
    props.append(("origin_reason", "observed in a response of the running target"))
    if hit.seen is not None:
        props.append(("dast_response", f"{hit.seen.label} -> {hit.seen.status}"))
    return hit.rule.finding(
        location,
        f"{hit.message} [{target.origin}]",
        snippet=f"dast {target.origin} {hit.rule.id} {hit.key}".strip(),
        context=CodeContext.HANDLER,
        endpoint=endpoint,
        tool=DAST_TOOL,
        properties=tuple(props),
    )


def to_findings(hits: Iterable[Hit], target: Target, location: Location) -> list[Finding]:
    """One finding per (rule, key): the first hit of each stands for the others."""
    chosen: dict[tuple[str, str], Hit] = {}
    for hit in hits:
        chosen.setdefault((hit.rule.id, hit.key), hit)
    return [to_finding(h, target, location) for h in chosen.values()]
