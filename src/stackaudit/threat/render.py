"""The threat model as terminal text, Markdown (with a Mermaid data-flow diagram per journey),
JSON and a self-contained HTML page.

Every string read from the audited repository (paths, route paths, names, messages) is escaped
for its format: control characters neutralised in the terminal, ``report.markdown``'s escapers
in Markdown, ``html.escape`` in HTML (no script: the page's CSP is ``default-src 'none'``).
Markdown and HTML start with the review record (``review.header``) the quarterly diff reads.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable

from stackaudit.report._common import num, one_line
from stackaudit.report.markdown import code, md
from stackaudit.scope.model import AuthLevel, ResourceKind, ServiceMap
from stackaudit.scope.render import SHAPES, mermaid_text
from stackaudit.threat.build import review_of
from stackaudit.threat.model import JourneyModel, Threat, ThreatModel, ThreatStatus
from stackaudit.threat.review import header
from stackaudit.threat.review import to_dict as review_dict

SCHEMA = "stackaudit.threat-model/v1"
THREAT_CAP = 200  # threats per journey in the text formats; the JSON keeps every one
LINK_CAP = 5  # findings shown per threat
CSP = "default-src 'none'; style-src 'unsafe-inline'"
NO_CHECK = "no check covers this: review by hand"


def _verdict(t: Threat) -> str:
    if t.status is ThreatStatus.EVIDENCED:
        return f"evidenced by {len(t.findings)} finding(s)"
    if t.status is ThreatStatus.MITIGATED:
        return f"mitigated: {t.mitigation}"
    if not t.checks:
        return NO_CHECK
    shown = ", ".join(t.checks[:3]) + (", …" if len(t.checks) > 3 else "")
    return f"no finding from its checks ({shown}): review by hand what they do not see"


def counts(j: JourneyModel) -> dict[str, int]:
    out = {s.label: 0 for s in ThreatStatus}
    for t in j.threats:
        out[t.status.label] += 1
    return out


def _summary(j: JourneyModel) -> str:
    c = counts(j)
    return f"{len(j.elements)} elements, {len(j.threats)} threats: " + ", ".join(
        f"{v} {k}" for k, v in c.items()
    )


# --- JSON -------------------------------------------------------------------------------


def _threat_dict(t: Threat) -> dict[str, object]:
    links = [
        {
            "fingerprint": f.fingerprint,
            "rule": f.rule_id,
            "path": f.path,
            "line": f.line,
            "score": f.score,
            "message": f.message,
        }
        for f in t.findings
    ]
    return {
        "element": t.element,
        "stride": t.stride.label,
        "title": t.title,
        "status": t.status.label,
        "verdict": _verdict(t),
        "question": t.question,
        "mitigation": t.mitigation,
        "checks": list(t.checks),
        "findings": links,
    }


def _journey_dict(j: JourneyModel) -> dict[str, object]:
    return {
        "name": j.name,
        "critical": j.critical,
        "declared": j.declared,
        "unmatched": list(j.unmatched),
        "code_hash": j.code_hash,
        "summary": counts(j),
        "elements": [
            {"kind": e.kind, "key": e.key, "name": e.name, "boundary": e.boundary} for e in j.elements
        ],
        "threats": [_threat_dict(t) for t in j.threats],
    }


def to_dict(model: ThreatModel) -> dict[str, object]:
    """The versioned JSON: every journey and every threat (the text formats cap theirs)."""
    return {
        "schema": SCHEMA,
        "review": review_dict(review_of(model)),
        "findings_from": model.findings_from,
        "journeys": [_journey_dict(j) for j in model.journeys],
        "notes": list(model.notes),
    }


def to_json(model: ThreatModel) -> str:
    return json.dumps(to_dict(model), indent=2, ensure_ascii=False) + "\n"


# --- terminal ---------------------------------------------------------------------------


def to_terminal(model: ThreatModel) -> str:
    p = one_line
    lines = [f"Threat model ({model.reviewed_on}); findings from {p(model.findings_from)}", ""]
    for j in model.journeys:
        crit = " (critical)" if j.critical else ""
        lines += [f"== {p(j.name)}{crit}: {_summary(j)}"]
        lines += [f"   declared but not in the map: {p(u)}" for u in j.unmatched]
        for t in j.threats[:THREAT_CAP]:
            lines.append(
                f"  [{t.stride.letter}] {t.status.label:<9} {p(t.element)}: {t.title}; {p(_verdict(t))}"
            )
            for f in t.findings[:LINK_CAP]:
                lines.append(f"        {num(f.score)} {p(f.rule_id)} at {p(f.path)}:{f.line}")
            if t.status is ThreatStatus.OPEN:
                lines.append(f"        ask: {p(t.question)}")
        if len(j.threats) > THREAT_CAP:
            lines.append(f"  … and {len(j.threats) - THREAT_CAP} more (the JSON output lists every one)")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --- Markdown ---------------------------------------------------------------------------


def _journey_map(j: JourneyModel, smap: ServiceMap | None) -> ServiceMap | None:
    if smap is None:
        return None
    keys = {e.key for e in j.elements}
    endpoints = tuple(e for e in smap.endpoints if e.label in keys)
    handlers = {e.handler.ref for e in endpoints}
    edges = tuple(g for g in smap.edges if g.handler in handlers)
    reached = {g.resource for g in edges}
    return ServiceMap(endpoints, tuple(r for r in smap.resources if r.key in reached), edges)


_GROUPS = (
    (ResourceKind.DATASTORE, "stores", "data stores"),
    (ResourceKind.OUTBOUND, "third", "third parties"),
    (ResourceKind.QUEUE, "queues", "queues"),
)


def journey_mermaid(sub: ServiceMap) -> str:
    """The journey's data-flow diagram with its trust boundaries: the internet outside, the
    service's handlers inside, data stores, third parties and queues each behind their own."""
    lines = ["flowchart LR", '  internet(("internet"))', '  subgraph service["service"]']
    handlers: dict[str, list[str]] = {}
    levels: dict[str, AuthLevel] = {}  # the most exposed endpoint a handler answers
    for e in sub.endpoints:
        handlers.setdefault(e.handler.ref, []).append(e.label)
        levels[e.handler.ref] = min(levels.get(e.handler.ref, e.auth.level), e.auth.level)
    ids = {ref: f"h{n}" for n, ref in enumerate(handlers)}
    for ref, labels in handlers.items():
        routes = "<br/>".join(mermaid_text(x) for x in labels[:4])
        lines.append(f'    {ids[ref]}["{routes}<br/><i>{mermaid_text(ref)}</i>"]')
    lines.append("  end")
    rids = {r.key: f"r{n}" for n, r in enumerate(sub.resources)}
    for kind, gid, title in _GROUPS:
        members = [r for r in sub.resources if r.kind is kind]
        if members:
            lines.append(f'  subgraph {gid}["{title}"]')
            left, right = SHAPES[kind]
            lines += [f"    {rids[r.key]}{left}{mermaid_text(r.name)}{right}" for r in members]
            lines.append("  end")
    lines += [f"  internet -->|{levels[ref].label}| {ids[ref]}" for ref in handlers]
    lines += [
        f"  {ids[g.handler]} -->|{g.action}| {rids[g.resource]}"
        for g in sub.edges
        if g.handler in ids and g.resource in rids
    ]
    return "\n".join(lines) + "\n"


def _ask(t: Threat) -> str:
    return md(t.question) if t.status is ThreatStatus.OPEN else ""


def _md_threat(t: Threat) -> list[str]:
    out = [
        f"| {t.stride.letter} {md(t.stride.label)} | {code(t.element)} | {md(t.title)} | "
        f"**{t.status.label}**: {md(_verdict(t))} | {_ask(t)} |"
    ]
    return out


def to_markdown(model: ThreatModel, smap: ServiceMap | None = None) -> str:
    lines = [header(review_of(model)), "", "# Threat model", ""]
    lines += [f"Reviewed on {model.reviewed_on}. Findings from {md(model.findings_from)}.", ""]
    lines += [
        "STRIDE per element. **evidenced**: existing findings show the threat; **open**: "
        "no finding and no control seen, answer the question by hand; **mitigated**: the code "
        "shows a control.",
        "",
    ]
    for j in model.journeys:
        crit = " (critical)" if j.critical else ""
        lines += [f"## Journey {md(j.name)}{crit}", "", _summary(j) + ".", ""]
        if j.unmatched:
            lines += ["Declared but not in the service map: " + ", ".join(code(u) for u in j.unmatched), ""]
        sub = _journey_map(j, smap)
        if sub is not None and sub.endpoints:
            lines += ["```mermaid", journey_mermaid(sub).rstrip(), "```", ""]
        lines += ["Trust boundaries: " + ", ".join(sorted({md(e.boundary) for e in j.elements})), ""]
        lines += ["| STRIDE | element | threat | status | ask |", "|---|---|---|---|---|"]
        for t in j.threats[:THREAT_CAP]:
            lines += _md_threat(t)
        if len(j.threats) > THREAT_CAP:
            lines.append(f"\n… and {len(j.threats) - THREAT_CAP} more (the JSON output lists every one)")
        linked = [t for t in j.threats if t.findings]
        if linked:
            lines += ["", "### Findings that evidence these threats", ""]
            for t in linked[:THREAT_CAP]:
                for f in t.findings[:LINK_CAP]:
                    lines.append(
                        f"- {t.stride.letter} on {code(t.element)}: {num(f.score)} {code(f.rule_id)} "
                        f"at {code(f'{f.path}:{f.line}')}: {md(f.message)[:200]}"
                    )
        lines.append("")
    if model.notes:
        lines += ["## Not read", "", *(f"- {md(n)}" for n in model.notes), ""]
    return "\n".join(lines).rstrip() + "\n"


def _esc(text: str) -> str:
    """HTML text: control characters made visible, then escaped (as the audit report does)."""
    return html.escape(one_line(text))


# --- HTML -------------------------------------------------------------------------------


SECTION_CAP = 40  # threats per journey in a report section: evidenced first, then open


def html_tables(model: ThreatModel, cap: int = THREAT_CAP) -> str:
    """Per journey: a heading, its counts and a table of its threats (escaped; no script).
    Shared by the standalone page, the audit's HTML report and the dashboard's Map page."""
    esc: Callable[[str], str] = _esc
    parts: list[str] = []
    for j in model.journeys:
        crit = " (critical)" if j.critical else ""
        parts.append(f'<h3 class="journey">Journey {esc(j.name)}{crit}</h3><p>{esc(_summary(j))}</p>')
        if j.unmatched:
            names = ", ".join(f"<code>{esc(u)}</code>" for u in j.unmatched)
            parts.append(f"<p>Declared but not in the map: {names}</p>")
        parts.append(
            '<table class="threats"><tr><th>STRIDE</th><th>element</th><th>threat</th><th>status</th>'
            "<th>findings</th><th>ask</th></tr>"
        )
        for t in j.threats[:cap]:
            links = "<br>".join(
                f"{num(f.score)} <code>{esc(f.rule_id)}</code> {esc(f.path)}:{f.line}"
                for f in t.findings[:LINK_CAP]
            )
            ask = esc(t.question) if t.status is ThreatStatus.OPEN else ""
            parts.append(
                f"<tr><td>{t.stride.letter} {esc(t.stride.label)}</td><td><code>{esc(t.element)}</code></td>"
                f'<td>{esc(t.title)}</td><td class="{t.status.label}">{esc(_verdict(t))}</td>'
                f"<td>{links}</td><td>{ask}</td></tr>"
            )
        parts.append("</table>")
        if len(j.threats) > cap:
            parts.append(
                f"<p>… and {len(j.threats) - cap} more "
                "(<code>stackaudit threat-model</code> lists every one)</p>"
            )
    return "\n".join(parts)


def to_html(model: ThreatModel, smap: ServiceMap | None = None) -> str:
    esc: Callable[[str], str] = _esc
    parts = [
        header(review_of(model)),
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        "<title>stackaudit threat model</title><style>body{font:14px/1.45 system-ui,sans-serif;margin:2em}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em .5em;"
        "text-align:left;vertical-align:top}.evidenced{color:#b03a2e}.open{color:#9a7d0a}"
        ".mitigated{color:#1e8449}</style></head><body>",
        f"<h1>Threat model</h1><p>Reviewed on {esc(model.reviewed_on)}. Findings from "
        f"{esc(model.findings_from)}.</p>",
    ]
    parts.append(html_tables(model))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
