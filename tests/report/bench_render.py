"""Render timings for every report format on a 5,005-finding result (median of 5 runs).

Not a test (pytest does not collect it). The anchor, run side by side in the same
process, is the model codec: ``json.dumps(to_primitive(result))``.

Run: .venv/bin/python tests/report/bench_render.py
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from stackaudit.model import AuditResult, RuleMeta
from stackaudit.model.codec import to_primitive
from stackaudit.report import FORMATS, render
from stackaudit.report.terminal import print_report


def _median(fn: Callable[[], str], runs: int = 5) -> tuple[float, int]:
    times = []
    size = 0
    for _ in range(runs):
        start = time.perf_counter()
        size = len(fn())
        times.append(time.perf_counter() - start)
    return statistics.median(times), size


def _terminal(result: AuditResult, rules: Mapping[str, RuleMeta]) -> str:
    buf = io.StringIO()
    print_report(result, rules, Console(file=buf, width=110, color_system=None))
    return buf.getvalue()


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from report.sample import RULES, sample_result  # the tests/report package

    base = sample_result()
    many = tuple(
        replace(a, finding=replace(a.finding, occurrence=i)) for i in range(715) for a in base.findings
    )
    result = replace(base, findings=many)
    print(f"{len(many)} findings, median of 5 runs")
    anchor, size = _median(lambda: json.dumps(to_primitive(result)))
    print(f"anchor   codec json.dumps(to_primitive) {anchor * 1000:6.0f} ms {size / 1e6:5.1f} MB")
    for fmt in FORMATS:
        took, size = _median(lambda fmt=fmt: render(result, fmt, RULES))  # type: ignore[misc]
        print(f"{fmt:8s} {took * 1000:6.0f} ms {size / 1e6:5.1f} MB  {took / anchor:4.2f}x the anchor")
    took, size = _median(lambda: _terminal(result, RULES), runs=3)
    print(f"terminal {took * 1000:6.0f} ms (top 5 and the first 50 findings in full)")


if __name__ == "__main__":
    main()
