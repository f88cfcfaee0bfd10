"""A self-contained HTML report: one file, no network, fast at any size.

The page leads with the verdict and the top five risks, then two small charts
(findings by severity and by category), the findings grouped by rule with counts,
and the list of every finding, drawn a page at a time by a small inline script
from JSON embedded in the page (``html_data``). Inline CSS and the script are
allowed by hash in a strict Content-Security-Policy (``default-src 'none'``).
Every repository string in the markup goes through ``h()`` (``html.escape`` after
control characters are made visible); the script only ever sets ``textContent``.

The trend over the project's stored runs is not drawn: an ``AuditResult`` holds one
run (``stackaudit history`` lists the others), and the page says so.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from stackaudit.model import Assessment, AuditResult, Category, RuleMeta, Severity
from stackaudit.report import _common as c
from stackaudit.report import dora_section, html_data, runtime_section
from stackaudit.report.html_assets import CSS, JS

if TYPE_CHECKING:
    from stackaudit.governance.dora.model import DoraResult

LIST_ITEMS = 10  # gate reasons and notices shown before "and N more"
BAR_WIDTH = 220  # pixels of the longest bar in a chart

SEVERITY_COLOUR: Mapping[Severity, str] = {
    Severity.CRITICAL: "#8b0000",
    Severity.HIGH: "#d33",
    Severity.MEDIUM: "#d98a00",
    Severity.LOW: "#2b8ac4",
    Severity.INFO: "#8892a0",
}


def h(text: str) -> str:
    """Escape a repository string for HTML text or a quoted attribute value."""
    return html.escape(c.neutralise(text), quote=True)


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy() -> str:
    return (
        f"default-src 'none'; style-src {_csp_hash(CSS)}; script-src {_csp_hash(JS)}; "
        "base-uri 'none'; form-action 'none'"
    )


def render(result: AuditResult, rules: Mapping[str, RuleMeta], top: int = 5) -> str:
    out = io.StringIO()
    write(result, rules, out, top)
    return out.getvalue()


def write(
    result: AuditResult,
    rules: Mapping[str, RuleMeta],
    out: Any,
    top: int = 5,
    dora: DoraResult | None = None,
) -> None:
    """Write the page to a text stream; the findings' data goes out one finding at a time."""
    title = f"stackaudit report: {h(result.run.project)}"
    out.write(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy()}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
    )
    for part in (_header(result), _top(result, rules, top), _charts(result), _groups(result, rules)):
        out.write(part + "\n")
    out.write(_findings(result) + "\n")
    runtime = _runtime(result)
    if runtime:  # the runtime section is empty without runtime evidence
        out.write(runtime + "\n")
    service_map = _service_map(result)
    if service_map:  # drawn when the audit read a service map with endpoints
        out.write(service_map + "\n")
    if result.threat_model is not None:  # only with journeys declared in config
        out.write(_threat_model(result) + "\n")
    if dora is not None:  # the audit computed DORA ([dora] in the config)
        out.write(dora_section.html(dora) + "\n")
    out.write(_coverage(result) + "\n")
    out.write(_fixed(result) + "\n")
    html_data.write(result, rules, out)
    out.write(f"<script>{JS}</script>\n</body>\n</html>\n")


def _sev(severity: Severity) -> str:
    return f'<span class="sev sev-{int(severity)}">{severity.label}</span>'


def _capped(items: tuple[str, ...], each: str) -> str:
    """``each`` formatted per item (at most LIST_ITEMS of them), then "and N more"."""
    parts = [each.format(h(item)) for item in items[:LIST_ITEMS]]
    if len(items) > LIST_ITEMS:
        parts.append(each.format(f"and {len(items) - LIST_ITEMS} more"))
    return "".join(parts)


def _verdict(result: AuditResult) -> list[str]:
    gate = result.gate
    if gate is None:
        return []
    cls, word = ("pass", "passed") if gate.passed else ("fail", "failed")
    parts = [
        f'<div class="gate {cls}" id="gate">Gate {word} (threshold {h(gate.threshold)}; '
        f"{c.gate_count(gate, h)})</div>"
    ]
    if gate.reasons:
        parts.append(f'<ul class="reasons">{_capped(gate.reasons, "<li>{}</li>")}</ul>')
    return parts


def _header(result: AuditResult) -> str:
    run = result.run
    n = c.counts(result.findings)
    meta = [h(run.project)]
    if run.commit:
        meta.append("commit " + h(run.commit[:12]) + (f" ({h(run.branch)})" if run.branch else ""))
    meta += [
        f"run {h(run.id)}",
        f"{h(run.started_at.isoformat())}",
        f"stackaudit {h(run.tool_version)}",
        f"{run.files_analysed} of {run.files_total} files analysed in {c.num(run.duration_s)} s",
    ]
    parts = ["<header>", "<h1>stackaudit report</h1>", *_verdict(result)]
    sev = ", ".join(f"{k} {s.label}" for s, k in n.by_severity if k)
    parts.append(
        f'<p id="totals"><strong>{n.total}</strong> findings, <strong>{n.new}</strong> new since the last run'
        + (f" ({sev})" if sev else "")
        + "</p>"
    )
    parts.append(f'<p class="meta">{" · ".join(meta)}</p>')
    parts.append(_capped(run.notices, '<div class="notice">{}</div>'))
    parts.append("</header>")
    return "\n".join(parts)


def _top(result: AuditResult, rules: Mapping[str, RuleMeta], top: int) -> str:
    cards = []
    for rank, item in enumerate(result.findings[:top], 1):
        f = item.finding
        owner = h(item.owner) if item.owner else "unowned"
        vuln = (
            f'<div class="small">{h(c.vulnerability_text(f.vulnerability))}</div>' if f.vulnerability else ""
        )
        cards.append(
            f'<li class="card"><div><span class="score">{c.num(item.score.value)}</span> '
            f"#{rank} {_sev(f.severity)}</div><div><strong>{h(f.rule_id)}</strong> "
            f'{h(c.rule_title(rules, f))}</div><div class="loc">{h(c.location_text(f))}</div>{vuln}'
            f'<div class="small">{h(c.clip(f.message, 240))}</div>'
            f'<div class="small">{owner} · {item.age_days} days · {item.status.value}</div></li>'
        )
    inner = f'<ol class="cards">{"".join(cards)}</ol>' if cards else "<p>No findings.</p>"
    return f'<section id="top-risks"><h2>{c.top_heading(top)}</h2>\n{inner}\n</section>'


def _bars(title: str, rows: list[tuple[str, int, str]]) -> str:
    """A small horizontal bar chart as inline SVG (attributes only: no style, no script)."""
    peak = max((n for _, n, _ in rows), default=0) or 1
    height = 22 * len(rows) + 8
    bars = []
    for i, (label, count, colour) in enumerate(rows):
        y = 4 + 22 * i
        width = round(BAR_WIDTH * count / peak)
        bars.append(
            f'<text x="0" y="{y + 14}" font-size="12">{h(label)}</text>'
            f'<rect x="100" y="{y + 2}" width="{width}" height="16" fill="{colour}"></rect>'
            f'<text x="{106 + width}" y="{y + 14}" font-size="12">{count}</text>'
        )
    return (
        f'<figure class="chart"><figcaption>{title}</figcaption>'
        f'<svg role="img" aria-label="{title}" width="{BAR_WIDTH + 160}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg></figure>'
    )


def _charts(result: AuditResult) -> str:
    n = c.counts(result.findings)
    severity = [(s.label, k, SEVERITY_COLOUR[s]) for s, k in n.by_severity]
    category = [(cat.value, k, "#2f5fd0") for cat, k in n.by_category]
    return (
        '<section id="charts"><h2>At a glance</h2><div class="charts">'
        f"{_bars('Findings by severity', severity)}{_bars('Findings by category', category)}</div>"
        '<p class="small">Trend over stored runs: not drawn here, this report holds one run; '
        "<code>stackaudit history</code> lists the project's runs.</p></section>"
    )


def _service_map(result: AuditResult) -> str:
    """The service map drawn server-side (scope/render.py escapes every label); no script."""
    smap = result.service_map
    if smap is None or not smap.endpoints:
        return ""
    from stackaudit.scope.render import summary, to_svg

    counts = ", ".join(f"{h(k.replace('_', ' '))} {v}" for k, v in summary(smap).items())
    return (
        '<section id="map"><h2>Service map</h2>'
        f'<p class="small">{counts}. <code>stackaudit map --format json</code> lists every '
        "endpoint, store and edge; <code>stackaudit threat-model</code> reads them per journey.</p>"
        f'<div class="map">{to_svg(smap)}</div></section>'
    )


def _threat_model(result: AuditResult) -> str:
    """STRIDE per declared journey (threat/render.py escapes every string from the repository)."""
    from stackaudit.threat.render import SECTION_CAP, html_tables

    assert result.threat_model is not None
    return (
        '<section id="threats"><h2>Threat model of the declared journeys</h2>'
        '<p class="small">STRIDE per element: <b>evidenced</b> by findings of this audit, <b>open</b> '
        "(answer the question by hand) or <b>mitigated</b> by a control seen in the code.</p>"
        f"{html_tables(result.threat_model, SECTION_CAP)}</section>"
    )


def _groups(result: AuditResult, rules: Mapping[str, RuleMeta]) -> str:
    groups: dict[str, list[Assessment]] = {}
    for item in result.findings:
        groups.setdefault(item.finding.rule_id, []).append(item)
    rows = []
    for rid, items in sorted(groups.items(), key=lambda kv: (-kv[1][0].score.value, kv[0])):
        best = items[0]
        paths = len({i.finding.location.path for i in items})
        rows.append(
            f'<tr><td><button type="button" class="rule" data-rule="{h(rid)}">{h(rid)}</button><br>'
            f'<span class="small">{h(c.rule_title(rules, best.finding))}</span></td>'
            f'<td>{_sev(best.finding.severity)}</td><td class="num">{len(items)}</td>'
            f'<td class="num">{paths}</td><td class="num">{c.num(best.score.value)}</td>'
            f'<td class="loc">{h(c.location_text(best.finding))}</td></tr>'
        )
    if not rows:
        return '<section id="groups"><h2>Findings by rule</h2><p>No findings.</p></section>'
    head = (
        "<thead><tr><th>Rule</th><th>Severity</th><th>Findings</th><th>Files</th>"
        "<th>Highest score</th><th>Highest-scored location</th></tr></thead>"
    )
    return (
        f'<section id="groups"><h2>Findings by rule ({len(rows)} rules)</h2>'
        f'<p class="small">Choose a rule to list its findings below.</p>'
        f'<table id="groups-table">{head}<tbody>{"".join(rows)}</tbody></table></section>'
    )


_COLUMNS = (
    ("rank", "num", "#"),
    ("score", "num", "Score"),
    ("severity", "num", "Severity"),
    ("rule", "text", "Rule"),
    ("location", "text", "Location"),
    ("owner", "text", "Owner"),
    ("age", "num", "Age (days)"),
    ("status", "text", "Status"),
)


def _findings(result: AuditResult) -> str:
    sev = "".join(f'<option value="{int(s)}">{s.label} and above</option>' for s in Severity)
    cat = "".join(f'<option value="{k.value}">{k.value}</option>' for k in Category)
    controls = (
        '<div class="controls"><input id="q" type="search" placeholder="Filter findings" '
        'aria-label="Filter findings">'
        f'<select id="sev" aria-label="Minimum severity">{sev}</select>'
        f'<select id="cat" aria-label="Category"><option value="">all categories</option>{cat}</select>'
        '<label class="small"><input id="hidden" type="checkbox"> suppressed or accepted '
        f"({len(result.suppressed)})</label>"
        '<span id="shown" class="small"></span></div>'
    )
    heads = "".join(f'<th data-key="{key}" data-type="{kind}">{label}</th>' for key, kind, label in _COLUMNS)
    pager = (
        '<div class="pager"><button type="button" id="prev">previous</button>'
        '<span id="page" class="small"></span><button type="button" id="next">next</button></div>'
    )
    return (
        f'<section id="findings"><h2>All findings ({len(result.findings)})</h2>\n{controls}\n'
        f'<table id="findings-table"><thead><tr>{heads}<th>Finding</th></tr></thead><tbody></tbody></table>'
        f"\n{pager}\n</section>"
    )


def _files(count: int) -> str:
    return f"{count} file" + ("" if count == 1 else "s")


def _runtime(result: AuditResult) -> str:
    """Every runtime observation the audit read, and what it joined (runtime_section)."""
    rows = runtime_section.rows(result)
    if not rows:
        return ""
    body = "".join(
        f"<tr><td>{h(r.kind)}</td><td>{_sev(r.severity)}</td><td>{h(r.where)}</td>"
        f"<td>{h(r.summary)}</td><td>{h(r.joined)}</td><td>{h(r.recorded_at)}</td></tr>"
        for r in rows
    )
    return (
        f'<section id="runtime"><h2>{runtime_section.TITLE}</h2>'
        "<table><thead><tr><th>Kind</th><th>Severity</th><th>Where</th><th>Observation</th>"
        f"<th>Joined</th><th>Recorded</th></tr></thead><tbody>{body}</tbody></table></section>"
    )


def _coverage(result: AuditResult) -> str:
    out = ['<section id="coverage"><h2>Coverage: what was not analysed</h2>']
    problems = c.analyzer_remarks(result)
    if problems:
        rows = "".join(
            f"<tr><td>{h(a.name)}</td><td>{a.state.value}</td><td>{h(a.reason)}</td></tr>" for a in problems
        )
        out.append(
            '<table id="analyzers"><thead><tr><th>Analyzer</th><th>State</th><th>Reason</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )
    for reason, entries in c.not_analysed_groups(result):
        rows = "".join(
            f"<tr><td>{h(e.path)}</td><td>{h(e.detail)}</td><td>{h(e.analyzer or '')}</td></tr>"
            for e in entries
        )
        out.append(
            f"<details><summary>{reason.value}: {_files(len(entries))}</summary>"
            "<table><thead><tr><th>Path</th><th>Detail</th><th>Analyzer</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></details>"
        )
    if len(out) == 1:
        out.append("<p>Every file was analysed and every analyzer ran cleanly.</p>")
    out.append("</section>")
    return "\n".join(out)


def _fixed(result: AuditResult) -> str:
    if not result.fixed:
        return ""
    rows = "".join(
        f"<li>{h(x.rule_id)} in {h(x.path)} (first seen {x.first_seen.date().isoformat()})</li>"
        for x in result.fixed
    )
    return (
        f'<section id="fixed"><details><summary>Fixed since the last run ({len(result.fixed)})</summary>'
        f"<ul>{rows}</ul></details></section>"
    )
