"""The quarterly mini-audit as Markdown, HTML and JSON.

Every string that came from the audited repository (paths, messages, owners, reasons, endpoint
names) is escaped for its context: ``report.markdown``'s escapers in Markdown, Jinja2's autoescape
in HTML (which carries a ``default-src 'none'`` Content-Security-Policy and no script at all).
Lists are capped so the Markdown stays a valid PR comment (< 65,536 characters).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import jinja2

from stackaudit.governance.quarterly import QuarterlyDiff, RiskRow
from stackaudit.report._common import num
from stackaudit.report.markdown import code, md

LIST_CAP = 25  # rows per section; the counts always cover every row


def _risk_line(r: RiskRow) -> str:
    where = f"{r.path}:{r.line}" if r.line else r.path
    owner = f" · owner {md(r.owner)}" if r.owner else ""
    head = f"- {num(r.score)} {code(r.rule_id)} at {code(where)} ({md(r.severity)})"
    return f"{head}{owner}: {md(r.message)[:200]}"


def _section(title: str, rows: list[str], total: int, empty: str) -> list[str]:
    out = [f"## {title} ({total})", ""]
    if not rows:
        return [*out, empty, ""]
    out.extend(rows[:LIST_CAP])
    if total > LIST_CAP:
        out.append(f"- … and {total - LIST_CAP} more (the JSON output lists every one)")
    return [*out, ""]


def _heading(diff: QuarterlyDiff) -> list[str]:
    cur = diff.current
    base = diff.baseline
    against = (
        f"run {base.id[:12]} of {base.started_at:%Y-%m-%d}"
        + (f" (commit {base.commit[:10]})" if base.commit else "")
        if base
        else "nothing stored"
    )
    return [
        f"# Quarterly audit of {md(cur.project)}",
        "",
        f"Run {cur.id[:12]} of {cur.started_at:%Y-%m-%d}"
        + (f" (commit {code(cur.commit[:10])})" if cur.commit else "")
        + f" compared with {md(diff.baseline_label)}: {against}.",
        "",
        f"**{len(diff.new)} new**, **{len(diff.retired)} retired**, {len(diff.changed)} re-scored, "
        f"{len(diff.aged)} older, {len(diff.expiring)} acceptances ending, "
        f"{len(diff.reprofile)} endpoints to re-profile, {len(diff.stale)} scale assumptions to re-test.",
        "",
    ]


def to_markdown(diff: QuarterlyDiff) -> str:
    lines = _heading(diff)
    lines += _section("New risks", [_risk_line(r) for r in diff.new], len(diff.new), "None.")
    lines += _section(
        "Retired risks (fixed or gone)", [_risk_line(r) for r in diff.retired], len(diff.retired), "None."
    )
    changed = [f"{_risk_line(c.risk)} (was {num(c.before)})" for c in diff.changed]
    lines += _section("Scores that moved", changed, len(diff.changed), "None.")
    aged = [f"{_risk_line(g.risk)}: {md(g.bucket_before)} → {md(g.bucket_now)}" for g in diff.aged]
    lines += _section("Open risks that got older", aged, len(diff.aged), "None crossed an aging bucket.")
    exp = [
        f"- {'**ended**' if e.expired else 'ends'} {e.until}: {code(e.rule_id)} at {code(e.path)}"
        f" (accepted by {md(e.by) or '?'}: {md(e.reason)})"
        for e in diff.expiring
    ]
    lines += _section("Accepted risks whose acceptance ends", exp, len(diff.expiring), "None.")
    rep = [
        f"- {md(c.kind)} {code(c.where)}: {md(c.before or 'no earlier evidence')} → {md(c.after or '')}"
        for c in diff.reprofile
    ]
    lines += _section(
        "Endpoints whose runtime evidence changed (re-profile)", rep, len(diff.reprofile), "None."
    )
    stale = [
        f"- {md(c.kind)} {code(c.where)}: last {c.last_recorded:%Y-%m-%d}, {md(c.before or '')}"
        for c in diff.stale
    ]
    lines += _section(
        "Scale assumptions older than the window (re-test)",
        stale,
        len(diff.stale),
        "None: every load test, SLO verdict and profile was recorded in the window, or none was stored.",
    )
    lines += _journeys(diff)
    if diff.dora_markdown:
        lines += ["## DORA over the window", "", diff.dora_markdown.strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def _journeys(diff: QuarterlyDiff) -> list[str]:
    rows = [
        f"- {md(j.name)}: {'last reviewed ' + j.reviewed if j.reviewed else 'never reviewed'}; "
        + "code changed in "
        + (", ".join(code(p) for p in j.changed_files[:10]) or "no file (its endpoints are gone)")
        + (f" and {len(j.changed_files) - 10} more" if len(j.changed_files) > 10 else "")
        for j in diff.journeys
    ]
    out = _section(
        "Journeys whose code changed since their last threat review",
        rows,
        len(diff.journeys),
        "None: every declared journey's code is as reviewed, or no journey is declared.",
    )
    return out + ([f"> {md(diff.journeys_note)}", ""] if diff.journeys_note else [])


_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Quarterly audit of {{ d.current.project }}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2em;max-width:70em}
table{border-collapse:collapse;width:100%;margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:.3em .5em;
text-align:left;vertical-align:top}code{font-size:12px}.n{text-align:right}</style></head><body>
<h1>Quarterly audit of {{ d.current.project }}</h1>
<p>Run <code>{{ d.current.id[:12] }}</code> of {{ d.current.started_at.strftime('%Y-%m-%d') }} compared with
{{ d.baseline_label }}{% if d.baseline %} (run <code>{{ d.baseline.id[:12] }}</code> of
{{ d.baseline.started_at.strftime('%Y-%m-%d') }}){% endif %}.</p>
<p><strong>{{ d.new|length }} new</strong>, <strong>{{ d.retired|length }} retired</strong>,
{{ d.changed|length }} re-scored, {{ d.aged|length }} older, {{ d.expiring|length }} acceptances ending,
{{ d.reprofile|length }} endpoints to re-profile, {{ d.stale|length }} scale assumptions to re-test.</p>
{% macro risks(title, rows, extra=None) %}<h2>{{ title }} ({{ rows|length }})</h2>
{% if rows %}<table><tr><th>score</th><th>rule</th><th>where</th><th>severity</th><th>owner</th>
<th>message</th>
{% if extra %}<th>{{ extra }}</th>{% endif %}</tr>
{% for row in rows[:cap] %}{% set r = row.risk if row.risk is defined else row %}
<tr><td class="n">{{ fmt(r.score) }}</td>
<td><code>{{ r.rule_id }}</code></td><td><code>{{ r.path }}{% if r.line %}:{{ r.line }}{% endif %}</code></td>
<td>{{ r.severity }}</td><td>{{ r.owner or '' }}</td><td>{{ r.message[:300] }}</td>
{% if extra %}<td>{{ row.note }}</td>{% endif %}</tr>{% endfor %}</table>
{% if rows|length > cap %}
<p>… and {{ rows|length - cap }} more (the JSON output lists every one)</p>{% endif %}
{% else %}<p>None.</p>{% endif %}{% endmacro %}
{{ risks("New risks", d.new) }}
{{ risks("Retired risks (fixed or gone)", d.retired) }}
{{ risks("Scores that moved", changed, "was") }}
{{ risks("Open risks that got older", aged, "aging") }}
<h2>Accepted risks whose acceptance ends ({{ d.expiring|length }})</h2>
{% if d.expiring %}<table><tr><th>until</th><th>rule</th><th>path</th><th>by</th><th>reason</th></tr>
{% for e in d.expiring[:cap] %}<tr><td>{{ e.until }}{% if e.expired %} (ended){% endif %}</td>
<td><code>{{ e.rule_id }}</code></td><td><code>{{ e.path }}</code></td><td>{{ e.by }}</td>
<td>{{ e.reason }}</td></tr>
{% endfor %}</table>{% else %}<p>None.</p>{% endif %}
<h2>Endpoints whose runtime evidence changed: re-profile ({{ d.reprofile|length }})</h2>
{% if d.reprofile %}<table><tr><th>kind</th><th>where</th><th>before</th><th>now</th></tr>
{% for c in d.reprofile[:cap] %}<tr><td>{{ c.kind }}</td><td><code>{{ c.where }}</code></td>
<td>{{ c.before or 'no earlier evidence' }}</td><td>{{ c.after }}</td></tr>{% endfor %}</table>
{% else %}<p>None.</p>{% endif %}
<h2>Scale assumptions older than the window: re-test ({{ d.stale|length }})</h2>
{% if d.stale %}<table><tr><th>kind</th><th>where</th><th>last recorded</th><th>what it said</th></tr>
{% for c in d.stale[:cap] %}<tr><td>{{ c.kind }}</td><td><code>{{ c.where }}</code></td>
<td>{{ c.last_recorded.strftime('%Y-%m-%d') }}</td><td>{{ c.before }}</td></tr>{% endfor %}</table>
{% else %}<p>None.</p>{% endif %}
<h2>Journeys whose code changed since their last threat review ({{ d.journeys|length }})</h2>
{% if d.journeys %}<table><tr><th>journey</th><th>last reviewed</th><th>files changed</th></tr>
{% for j in d.journeys[:cap] %}<tr><td>{{ j.name }}</td><td>{{ j.reviewed or 'never' }}</td>
<td>{% for p in j.changed_files[:10] %}<code>{{ p }}</code> {% endfor %}
{% if j.changed_files|length > 10 %}and {{ j.changed_files|length - 10 }} more{% endif %}</td></tr>
{% endfor %}</table>
{% else %}<p>None.</p>{% endif %}{% if d.journeys_note %}<p>{{ d.journeys_note }}</p>{% endif %}
{% if d.dora_markdown %}<h2>DORA over the window</h2><pre>{{ d.dora_markdown }}</pre>{% endif %}
</body></html>
"""


class _Noted:
    """A row with a note column (the previous score, or the aging move) for the HTML table."""

    def __init__(self, risk: RiskRow, note: str) -> None:
        self.risk = risk
        self.note = note


def to_html(diff: QuarterlyDiff) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(_HTML)
    changed = [_Noted(c.risk, num(c.before)) for c in diff.changed]
    aged = [_Noted(g.risk, f"{g.bucket_before} → {g.bucket_now}") for g in diff.aged]
    return template.render(d=diff, changed=changed, aged=aged, cap=LIST_CAP, fmt=num)


def to_json(diff: QuarterlyDiff) -> str:
    def default(value: Any) -> Any:
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return str(value)

    data = asdict(diff)
    for key in ("current", "baseline"):
        run = data.get(key)
        if run:
            data[key] = {k: run[k] for k in ("id", "project", "started_at", "commit", "branch")}
    return json.dumps({"schema": "stackaudit.quarterly/1", **data}, default=default, indent=2)
