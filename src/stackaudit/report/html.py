"""A self-contained HTML report: one file, no network.

Inline CSS and a tiny inline script (filter and sort), both allowed by hash in
a strict Content-Security-Policy (``default-src 'none'``). Every string from
the audited repository goes through ``h()`` (``html.escape`` after control
characters are made visible), in text and in attribute values alike.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Mapping

from stackaudit.model import Assessment, AuditResult, Category, RuleMeta, Severity
from stackaudit.report import _common as c
from stackaudit.report import runtime_section
from stackaudit.report.html_assets import CSS, JS


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
    title = f"stackaudit report: {h(result.run.project)}"
    body = "\n".join(
        part
        for part in [
            _header(result),
            _top(result, rules, top),
            _findings(result, rules),
            _runtime(result),
            _coverage(result),
            _history(result, rules),
        ]
        if part  # the runtime section is empty without runtime evidence
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy()}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n"
        f"<script>{JS}</script>\n</body>\n</html>\n"
    )


def _sev(severity: Severity) -> str:
    return f'<span class="sev sev-{int(severity)}">{severity.label}</span>'


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
    parts = ["<header>", "<h1>stackaudit report</h1>", f'<p class="meta">{" · ".join(meta)}</p>']
    sev = ", ".join(f"{k} {s.label}" for s, k in n.by_severity if k)
    parts.append(
        f'<p id="totals"><strong>{n.total}</strong> findings, <strong>{n.new}</strong> new'
        + (f" ({sev})" if sev else "")
        + "</p>"
    )
    gate = result.gate
    if gate is not None:
        cls, word = ("pass", "passed") if gate.passed else ("fail", "failed")
        reasons = "".join(f"<li>{h(r)}</li>" for r in gate.reasons)
        base = f", baseline {h(gate.baseline)}" if gate.baseline else ""
        parts.append(
            f'<div class="gate {cls}" id="gate">Gate {word} (threshold {h(gate.threshold)}{base};'
            f" {gate.new_findings} new findings over it)</div>"
        )
        if reasons:
            parts.append(f"<ul>{reasons}</ul>")
    parts.extend(f'<div class="notice">{h(notice)}</div>' for notice in run.notices)
    parts.append("</header>")
    return "\n".join(parts)


def _top(result: AuditResult, rules: Mapping[str, RuleMeta], top: int) -> str:
    cards = []
    for rank, item in enumerate(result.findings[:top], 1):
        f = item.finding
        owner = h(item.owner) if item.owner else "unowned"
        cards.append(
            f'<li class="card"><div><span class="score">{c.num(item.score.value)}</span> '
            f"#{rank} {_sev(f.severity)}</div><div><strong>{h(f.rule_id)}</strong> "
            f'{h(c.rule_title(rules, f))}</div><div class="loc">{h(c.location_text(f))}</div>'
            f'<div class="small">{owner} · {item.age_days} days · {item.status.value}</div></li>'
        )
    inner = f'<ol class="cards">{"".join(cards)}</ol>' if cards else "<p>No findings.</p>"
    return f'<section id="top-risks"><h2>{c.top_heading(top)}</h2>\n{inner}\n</section>'


def _details(item: Assessment, rules: Mapping[str, RuleMeta]) -> str:
    f = item.finding
    out = [f"<details><summary>{h(f.message or f.rule_id)}</summary>"]
    if f.snippet:
        out.append(f"<pre>{h(f.snippet)}</pre>")
    out.append(f"<p>{h(c.score_formula(item.score))}</p><dl>")
    for name, value, reasons in c.score_factors(item.score):
        why = "; ".join(h(r) for r in reasons) or "rule default"
        out.append(f"<dt>{name} {c.num(value)}</dt><dd>{why}</dd>")
    out.append("</dl>")
    out.extend(_facts(item))
    if f.trace:
        steps = "".join(
            f'<li><span class="kind">{h(s.kind)}</span> {h(str(s.location))} {h(s.note)}</li>'
            for s in f.trace
        )
        out.append(f'<p>Taint trace:</p><ol class="trace">{steps}</ol>')
    if item.evidence:
        evs = "".join(
            f"<li>{h(e.kind.value)}{' on ' + h(e.endpoint) if e.endpoint else ''} "
            f"({e.recorded_at.date().isoformat()}): {h(e.summary)}</li>"
            for e in item.evidence
        )
        out.append(f'<p>Runtime evidence:</p><ul class="evidence">{evs}</ul>')
    meta = rules.get(f.rule_id)
    if meta is not None and meta.doc:
        out.append(f"<details><summary>Playbook</summary><pre>{h(meta.doc)}</pre></details>")
    out.append("</details>")
    return "".join(out)


def _facts(item: Assessment) -> list[str]:
    f = item.finding
    facts: list[tuple[str, str]] = [
        ("fingerprint", h(f.fingerprint)),
        ("tool", h(f.tool)),
        ("confidence", f.confidence.label),
        ("context", f.context.value),
    ]
    if f.endpoint:
        facts.append(("endpoint", h(f.endpoint)))
    if f.location.symbol:
        facts.append(("symbol", h(f.location.symbol)))
    if f.cwe:
        facts.append(("CWE", ", ".join(f"CWE-{n}" for n in f.cwe)))
    if item.owner:
        facts.append(("owner", h(item.owner) + (f" ({h(item.owner_source)})" if item.owner_source else "")))
    facts.append(("first seen", f"{h(item.first_seen.date().isoformat())} ({item.age_days} days)"))
    if f.related:
        facts.append(("related", ", ".join(h(str(r)) for r in f.related)))
    v = f.vulnerability
    if v is not None:
        vuln = [f"{h(v.package)} {h(v.version)}", h(v.id), *(h(a) for a in v.aliases)]
        vuln += [f"CVSS {c.num(v.cvss_score)}"] if v.cvss_score is not None else []
        vuln += [f"EPSS {v.epss:.1%}"] if v.epss is not None else []
        vuln += ['<span class="kev">CISA KEV: exploited in the wild</span>'] if v.kev else []
        vuln += [f"fixed in {h(', '.join(v.fixed_versions))}"] if v.fixed_versions else []
        facts.append(("vulnerability", " · ".join(vuln)))
    if f.fix:
        facts.append(("fix", h(f.fix)))
    if item.suppression:
        facts.append(("suppression", h(item.suppression)))
    return ["<dl>", *(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts), "</dl>"]


def _formula(item: Assessment) -> str:
    s = item.score
    return f"{c.num(s.impact.value)} {c.TIMES} {c.num(s.likelihood.value)} {c.DIVIDE} {c.num(s.effort.value)}"


_COLUMNS = (
    ("rank", "num", "#"),
    ("score", "num", "Score"),
    ("severity", "num", "Severity"),
    ("rule", "text", "Rule"),
    ("location", "text", "Location"),
    ("owner", "text", "Owner"),
    ("age", "num", "Age (days)"),
    ("status", "text", "Status"),
    ("finding", "", "Finding"),
)


def _row(rank: int, item: Assessment, rules: Mapping[str, RuleMeta]) -> str:
    f = item.finding
    owner = item.owner or ""
    cells = [
        f'<td class="num" data-v="{rank}">{rank}</td>',
        f'<td class="num" data-v="{item.score.value}"><strong>{c.num(item.score.value)}</strong><br>'
        f'<span class="small">{_formula(item)}</span></td>',
        f'<td data-v="{int(f.severity)}">{_sev(f.severity)}</td>',
        f'<td data-v="{h(f.rule_id)}"><strong>{h(f.rule_id)}</strong><br>'
        f'<span class="small">{h(c.rule_title(rules, f))}</span></td>',
        f'<td class="loc" data-v="{h(c.location_text(f))}">{h(c.location_text(f))}</td>',
        f'<td data-v="{h(owner)}">{h(owner) if owner else "unowned"}</td>',
        f'<td class="num" data-v="{item.age_days}">{item.age_days}</td>',
        f'<td data-v="{item.status.value}">{item.status.value}</td>',
        f"<td>{_details(item, rules)}</td>",
    ]
    return (
        f'<tr class="finding" data-sev="{int(f.severity)}" data-cat="{f.category.value}">'
        + "".join(cells)
        + "</tr>"
    )


def _table(table_id: str, items: tuple[Assessment, ...], rules: Mapping[str, RuleMeta]) -> str:
    heads = "".join(
        f'<th data-key="{key}" data-type="{kind}">{label}</th>' if kind else f"<th>{label}</th>"
        for key, kind, label in _COLUMNS
    )
    rows = "\n".join(_row(i, a, rules) for i, a in enumerate(items, 1))
    return f'<table id="{table_id}"><thead><tr>{heads}</tr></thead><tbody>\n{rows}\n</tbody></table>'


def _findings(result: AuditResult, rules: Mapping[str, RuleMeta]) -> str:
    sev = "".join(f'<option value="{int(s)}">{s.label} and above</option>' for s in Severity)
    cat = "".join(f'<option value="{k.value}">{k.value}</option>' for k in Category)
    controls = (
        '<div class="controls"><input id="q" type="search" placeholder="Filter findings" '
        'aria-label="Filter findings">'
        f'<select id="sev" aria-label="Minimum severity">{sev}</select>'
        f'<select id="cat" aria-label="Category"><option value="">all categories</option>{cat}</select>'
        '<span id="shown" class="small"></span></div>'
    )
    return (
        f'<section id="findings"><h2>All findings ({len(result.findings)})</h2>\n{controls}\n'
        f"{_table('findings-table', result.findings, rules)}\n</section>"
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


def _history(result: AuditResult, rules: Mapping[str, RuleMeta]) -> str:
    out = []
    if result.suppressed:
        out.append(
            f'<section id="suppressed"><details><summary>Suppressed or accepted '
            f"({len(result.suppressed)})</summary>"
            f"{_table('suppressed-table', result.suppressed, rules)}</details></section>"
        )
    if result.fixed:
        rows = "".join(
            f"<li>{h(x.rule_id)} in {h(x.path)} (first seen {x.first_seen.date().isoformat()})</li>"
            for x in result.fixed
        )
        out.append(
            f'<section id="fixed"><h2>Fixed since the last run ({len(result.fixed)})</h2>'
            f"<ul>{rows}</ul></section>"
        )
    return "\n".join(out)
