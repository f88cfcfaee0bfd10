"""A generated result of any size (50,000 findings by default) for the scale tests and benchmarks.

Built from the sample's findings (every kind: taint traces, CVEs, evidence, a hostile
path), each copied onto many files with its own score, so rules, paths and scores are
spread as on a large real service. Deterministic.
"""

from __future__ import annotations

from dataclasses import replace

from stackaudit.model import AuditResult, Factor

from .sample import sample_result

SIZE = 50_000


def big_result(size: int = SIZE) -> AuditResult:
    base = sample_result()
    kinds = base.findings
    items = []
    for i in range(size):
        item = kinds[i % len(kinds)]
        f = item.finding
        loc = replace(f.location, path=f"pkg{i % 97}/module{i // len(kinds)}/{f.location.path}")
        impact = Factor(max(1.0, item.score.impact.value - (i % 50) / 10), item.score.impact.reasons)
        items.append(
            replace(
                item, finding=replace(f, location=loc, occurrence=i), score=replace(item.score, impact=impact)
            )
        )
    items.sort(key=lambda a: -a.score.value)
    return replace(base, findings=tuple(items))
