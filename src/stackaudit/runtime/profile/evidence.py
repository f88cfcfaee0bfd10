"""Hot functions as Evidence, joined to static findings in the same function."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from statistics import median

from stackaudit.model import Evidence, EvidenceKind, Location, Severity
from stackaudit.runtime.profile.hot import HotFunction


def hot_evidence(
    endpoint: str | None, profiles: list[list[HotFunction]], project: str, source: str
) -> list[Evidence]:
    """One evidence per hot function, with the median share over the sampled profiles."""
    by_function: dict[tuple[str, str], list[HotFunction]] = {}
    for hot in profiles:
        for h in hot:
            by_function.setdefault((h.path, h.function), []).append(h)
    now = datetime.now(UTC)
    out = []
    for (path, function), items in by_function.items():
        share = median(h.fraction for h in items)
        line = items[0].line
        where = f" on {endpoint}" if endpoint else ""
        summary = (
            f"{function} takes {share:.0%} of CPU{where} "
            f"(hot in {len(items)} of {len(profiles)} sampled profile(s))"
        )
        out.append(
            Evidence(
                kind=EvidenceKind.PROFILE,
                summary=summary,
                severity=Severity.HIGH if share >= 0.3 else Severity.MEDIUM,
                recorded_at=now,
                endpoint=endpoint,
                location=Location(path, line, symbol=function),
                source=source,
                data_json=json.dumps({"function": function, "path": path, "line": line, "share": share}),
                project=project,
            )
        )
    return out
