"""The documented JSON of a load run (docs/load.md, schema version 1) and a Rich table.

Formatting only: nothing here filters or analyses.  Strings from the config or the
target (endpoint names, problems) are escaped before Rich renders them.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from stackaudit.runtime.load.model import (
    REPORT_SCHEMA_VERSION,
    Cost,
    EndpointStep,
    LoadReport,
    Mode,
    StepResult,
    Trend,
    Verdict,
)


def _ms(value: float) -> float:
    return round(value, 3)


def _endpoint(row: EndpointStep) -> dict[str, Any]:
    return {
        "endpoint": row.endpoint,
        "offered_rps": row.offered_rps,
        "achieved_rps": row.achieved_rps,
        "p50_ms": _ms(row.p50_ms),
        "p95_ms": _ms(row.p95_ms),
        "p99_ms": _ms(row.p99_ms),
        "error_rate": round(row.error_rate, 6),
        "requests": row.requests,
        "errors": row.errors,
    }


def _step(step: StepResult) -> dict[str, Any]:
    return {
        "index": step.index,
        "seconds": step.seconds,
        "iterations_per_s": step.target_rate,
        "offered_rps": step.offered_rps,
        "achieved_rps": step.achieved_rps,
        "p50_ms": _ms(step.p50_ms),
        "p95_ms": _ms(step.p95_ms),
        "p95_ci_ms": [_ms(step.p95_low_ms), _ms(step.p95_high_ms)],
        "p99_ms": _ms(step.p99_ms),
        "error_rate": round(step.error_rate, 6),
        "dropped": step.dropped,
        "peak_vus": step.peak_vus,
        "requests": step.requests,
        "errors": step.errors,
        "cpu_seconds": step.cpu_seconds,
        "cpu_utilisation": step.cpu_utilisation,
        "nonlinear": step.nonlinear,
        "partial": step.partial,
        "problems": list(step.problems),
        "endpoints": [_endpoint(e) for e in step.endpoints],
    }


def _verdict(v: Verdict) -> dict[str, Any]:
    return {
        "slo": v.slo,
        "endpoint": v.endpoint,
        "verdict": "pass" if v.passed else "fail",
        "at_rps": v.at_rps,
        "measured": v.measured,
        "targets": v.targets,
        "summary": v.summary,
    }


def _trend(t: Trend) -> dict[str, Any]:
    return asdict(t)


def _cost(c: Cost | None) -> dict[str, Any] | None:
    return asdict(c) if c is not None else None


def to_dict(report: LoadReport) -> dict[str, Any]:
    return {
        "schema": "stackaudit.load",
        "version": REPORT_SCHEMA_VERSION,
        "mode": report.mode.value,
        "target": report.target,
        "segments": report.segments,
        "partial": report.partial,
        "stopped_early": report.stopped_early,
        "incomplete": report.incomplete,
        "problems": list(report.problems),
        "knee_rps": report.knee_rps,
        "knee": asdict(report.knee) if report.knee is not None else None,
        "verdicts": [_verdict(v) for v in report.verdicts],
        "steps": [_step(s) for s in report.steps],
        "trends": [_trend(t) for t in report.trends],
        "cost": _cost(report.cost),
        "repeats_p95_ms": {k: list(v) for k, v in report.repeats_p95_ms.items()},
        "repeats_started_at": list(report.repeats_started_at),
    }


def to_json(report: LoadReport) -> str:
    return json.dumps(to_dict(report), indent=2, sort_keys=False) + "\n"


_COLUMNS = ("#", "endpoint", "offer/s", "got/s", "p50", "p95", "p99", "errors", "drop", "cpu")


def _steps_table(report: LoadReport) -> Table:
    """Numeric columns never wrap nor vanish: only the endpoint column folds, so an
    80-column CI log keeps every column, ``cpu`` included."""
    table = Table(
        title=f"load {report.mode.value} on {escape(report.target)}",
        caption="latency in ms; offer/s: offered req/s, got/s: achieved",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name in _COLUMNS:
        if name == "endpoint":
            table.add_column(name, justify="left", overflow="fold", min_width=6, ratio=1)
        else:
            table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    for s in report.steps:
        cpu = f"{s.cpu_utilisation:.0%}" if s.cpu_utilisation is not None else "-"
        mark = " [red]non-linear[/red]" if s.nonlinear else ""
        mark += " [yellow]incomplete[/yellow]" if s.partial else ""
        table.add_row(
            str(s.index),
            "[b]all[/b]" + mark,
            f"{s.offered_rps:.1f}",
            f"{s.achieved_rps:.1f}",
            f"{s.p50_ms:.1f}",
            f"{s.p95_ms:.1f}",
            f"{s.p99_ms:.1f}",
            f"{s.error_rate:.2%}",
            str(s.dropped),
            cpu,
        )
        if len(s.endpoints) > 1:
            for e in s.endpoints:
                table.add_row(
                    "",
                    escape(e.endpoint),
                    f"{e.offered_rps:.1f}",
                    f"{e.achieved_rps:.1f}",
                    f"{e.p50_ms:.1f}",
                    f"{e.p95_ms:.1f}",
                    f"{e.p99_ms:.1f}",
                    f"{e.error_rate:.2%}",
                    "",
                    "",
                )
    return table


def _knee_line(report: LoadReport) -> str:
    k = report.knee
    if k is None:
        return "knee of p95 against offered load: not judged"
    if k.knee_rps is not None:
        return f"knee of p95 against offered load: {k.knee_rps:g} req/s ({escape(k.reason)})"
    extra = f"; {escape(k.headroom)}" if k.headroom else ""
    return f"knee of p95 against offered load: none - {escape(k.reason)}{extra}"


def _cost_line(c: Cost) -> str:
    line = f"cost: {c.cpu_seconds_per_request * 1000:.3f} CPU-ms per request"
    if c.cost_per_million is None:
        return line + " (set load.cpu_second_price for a money figure)"
    return line + f", {c.cost_per_million:.4g} {escape(c.currency)} per million requests"


def render(report: LoadReport, console: Console) -> None:
    console.print(_steps_table(report))
    if report.incomplete is not None:
        console.print(f"[red]INCOMPLETE run[/red]: {escape(report.incomplete)} - no verdict, knee or cost")
    elif report.mode is Mode.STEP:
        console.print(_knee_line(report))
    for v in report.verdicts:
        tag = "[green]PASS[/green]" if v.passed else "[red]FAIL[/red]"
        console.print(f"{tag} {escape(v.slo)} ({escape(v.endpoint)}): {escape(v.summary)}")
    for t in report.trends:
        state = "[red]drifting[/red]" if t.drifting else "stable"
        console.print(
            f"trend {t.metric}: {state}, slope {t.slope:.4g}/s "
            f"(95 % CI {t.low:.4g}..{t.high:.4g}, p={t.p_value:.3g})"
        )
    if report.cost is not None:
        console.print(_cost_line(report.cost))
    if report.stopped_early:
        console.print(f"stopped early: {escape(report.stopped_early)}")
    for p in report.problems:
        console.print(f"[yellow]problem[/yellow]: {escape(p)}")
    if report.partial:
        console.print("[yellow]partial results[/yellow]")
