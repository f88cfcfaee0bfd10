"""The dashboard's DORA page: the newest stored result, and finding debt over the same months.

Figures are read as stored (``storage/dora.py``), never recomputed: the page shows what
``stackaudit dora`` printed, with the band year and definitions it was classified with.
"Finding debt" in a month is the open risk (summed score of active findings, ``run_risk``)
of the project's newest run started before the month ended: the debt the team carried
while it shipped that month's deployments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup, escape

from stackaudit.governance.dora.model import Metrics
from stackaudit.governance.dora.render import duration
from stackaudit.storage import dora as stored_dora
from stackaudit.storage.tables import dora_results, run_risk, runs

CFR_COLOUR, DEBT_COLOUR = "#c0392b", "#2471a3"
METRICS = (  # key of Metrics.bands, heading
    ("deployment_frequency", "Deployment frequency"),
    ("lead_time", "Lead time for changes"),
    ("change_failure_rate", "Change failure rate"),
    ("recovery_time", "Failed-deployment recovery time"),
)


@dataclass(frozen=True, slots=True)
class MonthDebt:
    """One month: its change failure rate and the finding debt carried through it."""

    month: str
    change_failure_rate: float | None
    run_id: str | None  # the run whose open risk is the month's debt (None: no run yet)
    open_risk: float | None
    findings: int | None


def projects(conn: sa.Connection) -> list[str]:
    """Projects with a stored DORA result (a store may hold DORA for a project never audited)."""
    query = sa.select(dora_results.c.project).distinct().order_by(dora_results.c.project)
    return [str(p) for p in conn.execute(query).scalars()]


def month_end(label: str, until: datetime) -> datetime:
    year, month = (int(part) for part in label.split("-"))
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return min(following, until)


def debt(conn: sa.Connection, project: str, months: tuple[Metrics, ...], until: datetime) -> list[MonthDebt]:
    """Each month's change failure rate beside the open risk of the newest run before its end."""
    r = runs.c
    listing = conn.execute(
        sa.select(r.id, r.started_at).where(r.project == project).order_by(r.started_at, r.seq)
    ).all()
    chosen: list[str | None] = []
    for m in months:
        end = month_end(m.label, until)
        before = [run_id for run_id, started in listing if started < end]
        chosen.append(before[-1] if before else None)
    wanted = sorted({c for c in chosen if c is not None})
    totals: dict[str, tuple[float, int]] = {}
    if wanted:
        query = (
            sa.select(run_risk.c.run_id, sa.func.sum(run_risk.c.risk), sa.func.sum(run_risk.c.findings))
            .where(run_risk.c.run_id.in_(wanted))
            .group_by(run_risk.c.run_id)
        )
        totals = {rid: (float(risk or 0.0), int(n or 0)) for rid, risk, n in conn.execute(query)}
    out = []
    for m, run_id in zip(months, chosen, strict=True):
        risk, n = totals.get(run_id, (0.0, 0)) if run_id is not None else (None, None)
        out.append(MonthDebt(m.label, m.change_failure_rate, run_id, risk, n))
    return out


def view(conn: sa.Connection, project: str) -> dict[str, Any] | None:
    """What the page shows for ``project``, or None when no DORA result is stored for it."""
    found = stored_dora.latest(conn, project)
    if found is None:
        return None
    result = found.result
    return {
        "dora": found,
        "result": result,
        "metrics": METRICS,
        "debt": debt(conn, project, result.months, result.until),
    }


def figure(m: Metrics, key: str) -> str:
    """The metric's value as the page prints it."""
    if key == "deployment_frequency":
        return f"{m.deployments} ({m.deploys_per_day:.3g}/day)"
    if key == "lead_time":
        return f"median {duration(m.lead_time_median)}, p90 {duration(m.lead_time_p90)}"
    if key == "change_failure_rate":
        rate = "—" if m.change_failure_rate is None else f"{m.change_failure_rate:.1%}"
        return f"{rate} ({m.failed_deployments}/{m.deployments})"
    text = f"median {duration(m.recovery_median)}"
    return text + (f", {m.unrecovered} not recovered" if m.unrecovered else "")


def band(m: Metrics, key: str, year: int) -> str:
    """The band with the report year that defines it ("—": no figure to classify)."""
    found = dict(m.bands).get(key)
    return "—" if found is None else f"{found.label} ({year})"


def failure_vs_debt(points: list[MonthDebt], width: int = 640, height: int = 220) -> Markup:
    """Change failure rate per month (bars, left axis 0-100 %) and finding debt (line, right axis)."""
    if not points:
        return Markup('<p class="muted">No months to draw.</p>')
    pad_l, pad_r, pad_t, pad_b = 44, 56, 10, 24
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    top_debt = max((p.open_risk or 0.0 for p in points), default=0.0) or 1.0
    slot = plot_w / len(points)
    base = pad_t + plot_h
    parts = [
        f'<svg class="chart" id="dora-chart" viewBox="0 0 {width} {height + 22}" role="img" '
        'aria-label="change failure rate vs finding debt per month" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{pad_l}" y1="{base}" x2="{width - pad_r}" y2="{base}" stroke="#999"/>',
        f'<text x="4" y="{pad_t + 10}" font-size="11">100%</text>',
        f'<text x="4" y="{base}" font-size="11">0%</text>',
        f'<text x="{width - pad_r + 4}" y="{pad_t + 10}" font-size="11">{top_debt:.0f}</text>',
        f'<text x="{width - pad_r + 4}" y="{base}" font-size="11">0</text>',
    ]
    line: list[str] = []
    for i, p in enumerate(points):
        x = pad_l + i * slot
        label = escape(p.month)
        if p.change_failure_rate is not None:
            h = p.change_failure_rate * plot_h
            parts.append(
                f'<rect class="cfr" x="{x + slot * 0.2:.1f}" y="{base - h:.1f}" width="{slot * 0.6:.1f}" '
                f'height="{h:.1f}" fill="{CFR_COLOUR}"><title>{label}: change failure rate '
                f"{p.change_failure_rate:.1%}</title></rect>"
            )
        parts.append(
            f'<text x="{x + slot * 0.5:.1f}" y="{base + 14}" font-size="10" '
            f'text-anchor="middle">{label}</text>'
        )
        if p.open_risk is not None:
            y = base - p.open_risk / top_debt * plot_h
            line.append(f"{x + slot * 0.5:.1f},{y:.1f}")
            parts.append(
                f'<circle class="debt" cx="{x + slot * 0.5:.1f}" cy="{y:.1f}" r="3" fill="{DEBT_COLOUR}">'
                f"<title>{label}: open risk {p.open_risk:.1f} ({p.findings} findings)</title></circle>"
            )
    if len(line) > 1:
        parts.append(
            f'<polyline fill="none" stroke="{DEBT_COLOUR}" stroke-width="2" points="{" ".join(line)}"/>'
        )
    legend_y = height + 12
    parts.append(
        f'<rect x="{pad_l}" y="{legend_y - 9}" width="12" height="12" fill="{CFR_COLOUR}"/>'
        f'<text x="{pad_l + 16}" y="{legend_y + 2}" font-size="12">change failure rate (left)</text>'
        f'<rect x="{pad_l + 200}" y="{legend_y - 9}" width="12" height="12" fill="{DEBT_COLOUR}"/>'
        f'<text x="{pad_l + 216}" y="{legend_y + 2}" font-size="12">open finding risk (right)</text></svg>'
    )
    return Markup("".join(parts))
