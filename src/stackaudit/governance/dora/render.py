"""DORA results as a terminal table, versioned JSON, or Markdown; definitions beside every metric."""

from __future__ import annotations

import json
from datetime import timedelta

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from stackaudit.governance.dora.model import DoraResult, Metrics
from stackaudit.report.markdown import md

JSON_SCHEMA_VERSION = "1.0"
# Bumped when a definition below changes meaning; stored with every result (see storage/dora.py).
DEFINITIONS_VERSION = "1"
DEFINITIONS = {
    "deployment_frequency": "successful deployments in the period ÷ its days",
    "lead_time": (
        "author time of a change's first commit → the deployment that ships it (median, p90 nearest rank)"
    ),
    "change_failure_rate": "deployments linked to ≥1 incident ÷ deployments",
    "recovery_time": "failed deployment → recovered (first incident opened → last resolved); median",
}
GIT_DEFINITIONS = {
    "change_failure_rate": "deployments later reverted or hotfixed ÷ deployments",
    "recovery_time": "failed deployment → the deployment that ships its revert or hotfix; median",
}


def definitions(result: DoraResult) -> dict[str, str]:
    """The definitions that apply to this result (git signals change two of them)."""
    if result.failure_source.startswith("git:"):
        return {**DEFINITIONS, **GIT_DEFINITIONS}
    return dict(DEFINITIONS)


def duration(value: timedelta | None) -> str:
    """A short human duration: 3d 4h, 5h 12m, 40m, 12s; '—' when unknown."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m" if minutes else f"{secs}s"


def _last_day(result: DoraResult) -> str:
    """The window's last day (``until`` is exclusive)."""
    return f"{result.until - timedelta(microseconds=1):%Y-%m-%d}"


def _band(metrics: Metrics, key: str, year: int) -> str:
    band = dict(metrics.bands).get(key)
    return "—" if band is None else f"{band.label} ({year})"


def _cells(m: Metrics, year: int) -> dict[str, str]:
    cfr = "—" if m.change_failure_rate is None else f"{m.change_failure_rate:.1%}"
    return {
        "deployment_frequency": f"{m.deployments} in {m.days:g} days = {m.deploys_per_day:.3g}/day",
        "lead_time": (
            f"median {duration(m.lead_time_median)}, p90 {duration(m.lead_time_p90)} ({m.changes} changes)"
        ),
        "change_failure_rate": f"{cfr} ({m.failed_deployments}/{m.deployments})",
        "recovery_time": f"median {duration(m.recovery_median)}"
        + (f", {m.unrecovered} not recovered" if m.unrecovered else ""),
    }


def print_terminal(result: DoraResult, console: Console) -> None:
    defs = definitions(result)
    console.print(
        f"[bold]DORA[/] {result.since:%Y-%m-%d} → {_last_day(result)} · deployments: "
        f"{escape(result.source)} · failures: {escape(result.failure_source)} · "
        f"bands: DORA {result.band_year} report",
        soft_wrap=True,
    )
    table = Table("metric", "window", "band", "definition")
    cells = _cells(result.window, result.band_year)
    for key, text in defs.items():
        table.add_row(key.replace("_", " "), cells[key], _band(result.window, key, result.band_year), text)
    console.print(table)
    months = Table("month", "deploys", "lead time (median / p90)", "change failure rate", "recovery (median)")
    for m in result.months:
        c = _cells(m, result.band_year)
        months.add_row(
            m.label, c["deployment_frequency"], c["lead_time"], c["change_failure_rate"], c["recovery_time"]
        )
    console.print(months)
    for note in result.notes:
        console.print(f"note: {escape(note)}", soft_wrap=True)


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _metrics_json(m: Metrics, year: int) -> dict[str, object]:
    bands = {k: (None if b is None else b.label) for k, b in m.bands}
    return {
        "period": m.label,
        "days": m.days,
        "deployments": m.deployments,
        "deployments_per_day": m.deploys_per_day,
        "changes": m.changes,
        "lead_time_median_s": _seconds(m.lead_time_median),
        "lead_time_p90_s": _seconds(m.lead_time_p90),
        "failed_deployments": m.failed_deployments,
        "change_failure_rate": m.change_failure_rate,
        "recovery_time_median_s": _seconds(m.recovery_median),
        "unrecovered_failures": m.unrecovered,
        "bands": bands,
        "band_year": year,
    }


def document(result: DoraResult) -> dict[str, object]:
    """The result as a JSON object: ``stackaudit dora --format json`` and the audit report's ``dora``."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "kind": "dora",
        "source": result.source,
        "failure_source": result.failure_source,
        "band_year": result.band_year,
        "definitions_version": DEFINITIONS_VERSION,
        "since": result.since.isoformat(),
        "until": result.until.isoformat(),
        "definitions": definitions(result),
        "window": _metrics_json(result.window, result.band_year),
        "months": [_metrics_json(m, result.band_year) for m in result.months],
        "failures": [
            {
                "deployment": f.deployment_id,
                "deployed": f.deployed.isoformat(),
                "failed_at": f.failed_at.isoformat(),
                "recovered": None if f.recovered is None else f.recovered.isoformat(),
                "reasons": list(f.reasons),
            }
            for f in result.failures
        ],
        "notes": list(result.notes),
    }


def to_json(result: DoraResult) -> str:
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"


def to_markdown(result: DoraResult) -> str:
    defs = definitions(result)
    cells = _cells(result.window, result.band_year)
    lines = [
        f"## DORA metrics, {result.since:%Y-%m-%d} → {_last_day(result)}",
        "",
        f"Deployments: {md(result.source)}. Failures: {md(result.failure_source)}. "
        f"Bands: DORA {result.band_year} report.",
        "",
        "| Metric | Window | Band | Definition |",
        "|---|---|---|---|",
    ]
    for key, text in defs.items():
        band = _band(result.window, key, result.band_year)
        lines.append(f"| {key.replace('_', ' ')} | {cells[key]} | {band} | {text} |")
    lines += ["", "| Month | Deploys | Lead time | Change failure rate | Recovery |", "|---|---|---|---|---|"]
    for m in result.months:
        c = _cells(m, result.band_year)
        lines.append(
            f"| {m.label} | {c['deployment_frequency']} | {c['lead_time']} | "
            f"{c['change_failure_rate']} | {c['recovery_time']} |"
        )
    if result.notes:
        lines += ["", *(f"- {md(n)}" for n in result.notes)]
    return "\n".join(lines) + "\n"
