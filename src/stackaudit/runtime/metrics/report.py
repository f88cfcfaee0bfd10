"""Serialise a MetricsReport (JSON, terminal) and turn bad verdicts into Evidence."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from stackaudit.model import Evidence, EvidenceKind, Severity
from stackaudit.runtime.metrics.bands import Verdict
from stackaudit.runtime.metrics.window import MetricsReport, Reading

EVIDENCE_SEVERITY: dict[Verdict, Severity | None] = {
    Verdict.WASTEFUL: Severity.HIGH,
    Verdict.HIGH: Severity.HIGH,
    Verdict.SUSPECT: Severity.MEDIUM,
    Verdict.BELOW_TARGET: Severity.LOW,
    Verdict.ABOVE_TARGET: None,
    Verdict.TARGET: None,
    Verdict.OK: None,
    Verdict.NO_DATA: None,
    Verdict.TOO_LITTLE_TRAFFIC: None,
}


def show(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "ratio":
        return f"{value:.1%}"
    if unit == "bytes":
        return f"{value / 1_048_576:.1f} MiB"
    return f"{value:g}"


def to_json(report: MetricsReport) -> str:
    data = {
        "schema_version": "1.0",
        "label": report.label,
        "label_note": report.label_note,
        "window_s": report.window_s,
        "samples": report.samples,
        "partial": bool(report.errors),
        "errors": list(report.errors),
        "readings": [
            {
                "source": r.source,
                "name": r.name,
                "value": r.value,
                "unit": r.unit,
                "verdict": r.verdict.value,
                "detail": r.detail,
            }
            for r in report.readings
        ],
    }
    return json.dumps(data, indent=2)


def print_terminal(report: MetricsReport, console: Console) -> None:
    table = Table(title=f"Runtime metrics ({escape(report.label)}, {report.window_s:g} s window)")
    for column in ("source", "metric", "value", "verdict", "detail"):
        table.add_column(column)
    for r in report.readings:
        table.add_row(
            escape(r.source), escape(r.name), show(r.value, r.unit), r.verdict.value, escape(r.detail)
        )
    console.print(table)
    if report.label_note:
        console.print(f"[yellow]label:[/] {escape(report.label_note)}")
    for error in report.errors:
        console.print(f"[yellow]not sampled:[/] {escape(error)}")


def to_evidence(report: MetricsReport, project: str) -> list[Evidence]:
    now = datetime.now(UTC)
    out = []
    for r in report.readings:
        severity = EVIDENCE_SEVERITY[r.verdict]
        if severity is None:
            continue
        out.append(_evidence(r, severity, report, project, now))
    return out


def _evidence(r: Reading, severity: Severity, report: MetricsReport, project: str, now: datetime) -> Evidence:
    summary = f"{r.source} {r.name} {show(r.value, r.unit)} ({r.verdict.value}): {r.detail} [{report.label}]"
    return Evidence(
        kind=EvidenceKind.METRICS,
        summary=summary,
        severity=severity,
        recorded_at=now,
        source=f"stackaudit metrics ({report.label}, {report.window_s:g} s)",
        data_json=json.dumps(
            {"source": r.source, "name": r.name, "value": r.value, "verdict": r.verdict.value}
        ),
        project=project,
    )
