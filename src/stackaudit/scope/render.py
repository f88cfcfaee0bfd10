"""Draw the service map: JSON (versioned, for tools), Mermaid (for docs and PRs) and a
self-contained HTML page with an SVG drawn here, server-side (no script, no network).

Every string read from the audited repository is escaped for the format it lands in.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable

from stackaudit.scope.model import Endpoint, ResourceKind, ServiceMap

SCHEMA = "stackaudit.service-map/v1"
MAX_NODES = 400  # beyond this a drawing helps nobody; the JSON keeps everything
AUTH_COLOUR = {"anonymous": "#c0392b", "authenticated": "#d68910", "admin": "#1e8449"}
SHAPES = {
    ResourceKind.DATASTORE: ('[("', '")]'),
    ResourceKind.OUTBOUND: ('{{"', '"}}'),
    ResourceKind.QUEUE: ('>"', '"]'),
}


def to_dict(smap: ServiceMap) -> dict[str, object]:
    return {
        "schema": SCHEMA,
        "endpoints": [
            {
                "framework": e.framework,
                "methods": list(e.methods),
                "path": e.path,
                "handler": e.handler.ref,
                "file": e.handler.path,
                "line": e.handler.line,
                "auth": e.auth.level.label,
                "auth_seen": list(e.auth.seen),
                "collection": e.collection,
            }
            for e in smap.endpoints
        ],
        "resources": [
            {"kind": r.kind.value, "name": r.name, "file": r.path, "line": r.line} for r in smap.resources
        ],
        "edges": [
            {"handler": g.handler, "resource": g.resource, "action": g.action, "via": list(g.via)}
            for g in smap.edges
        ],
        "notes": list(smap.notes),
        "summary": summary(smap),
    }


def summary(smap: ServiceMap) -> dict[str, int]:
    out = {"endpoints": len(smap.endpoints), "resources": len(smap.resources), "edges": len(smap.edges)}
    for e in smap.endpoints:
        key = f"auth_{e.auth.level.label}"
        out[key] = out.get(key, 0) + 1
    out["collections"] = sum(e.collection for e in smap.endpoints)
    return out


def to_json(smap: ServiceMap) -> str:
    return json.dumps(to_dict(smap), indent=2)


def _mermaid_text(text: str) -> str:
    """Mermaid labels: quotes and angle brackets as entities, no line breaks."""
    for old, new in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("\n", " ")):
        text = text.replace(old, new)
    return text


def _handlers(smap: ServiceMap) -> dict[str, list[Endpoint]]:
    out: dict[str, list[Endpoint]] = {}
    for e in smap.endpoints:
        out.setdefault(e.handler.ref, []).append(e)
    return out


def to_mermaid(smap: ServiceMap) -> str:
    """``internet --> handler (its endpoints, auth) --> data store / third party / queue``."""
    lines = ["flowchart LR", '  internet(("internet"))']
    handlers = _handlers(smap)
    ids: dict[str, str] = {}
    for n, (ref, eps) in enumerate(list(handlers.items())[:MAX_NODES]):
        ids[ref] = f"h{n}"
        routes = "<br/>".join(_mermaid_text(e.label) for e in eps[:4]) + ("<br/>…" if len(eps) > 4 else "")
        level = min(e.auth.level for e in eps).label
        lines.append(f'  h{n}["{routes}<br/><i>{_mermaid_text(ref)}</i><br/>{level}"]')
        lines.append(f"  internet --> h{n}")
        lines.append(f"  class h{n} {level}")
    rids: dict[str, str] = {}
    for n, res in enumerate(smap.resources):
        rids[res.key] = f"r{n}"
        left, right = SHAPES[res.kind]
        lines.append(f"  r{n}{left}{_mermaid_text(res.name)}{right}")
    for g in smap.edges:
        if g.handler in ids and g.resource in rids:
            lines.append(f"  {ids[g.handler]} -->|{g.action}| {rids[g.resource]}")
    for level, colour in AUTH_COLOUR.items():
        lines.append(f"  classDef {level} stroke:{colour},stroke-width:2px")
    if len(handlers) > MAX_NODES:
        lines.append(f"  %% {len(handlers) - MAX_NODES} more handlers in the JSON map")
    return "\n".join(lines) + "\n"


def _line(x1: int, y1: int, x2: int, y2: int, colour: str) -> str:
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" stroke-opacity="0.4"/>'


def to_svg(smap: ServiceMap) -> str:
    """Three columns: the internet, the handlers (coloured by who reaches them), what they touch."""
    esc: Callable[[str], str] = html.escape
    handlers = list(_handlers(smap).items())[:MAX_NODES]
    row = 22
    height = max(len(handlers), len(smap.resources), 1) * row + 40
    ys = {ref: 30 + i * row for i, (ref, _) in enumerate(handlers)}
    rys = {r.key: 30 + i * row for i, r in enumerate(smap.resources)}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="1100" height="{height}" font-size="11">']
    out.append(f'<text x="10" y="{height // 2}">internet</text>')
    for ref, eps in handlers:
        level = min(e.auth.level for e in eps).label
        colour = AUTH_COLOUR[level]
        out.append(_line(60, height // 2, 300, ys[ref] - 4, colour))
        more = f" +{len(eps) - 1}" if len(eps) > 1 else ""
        text = esc(f"{eps[0].label}{more}  ({level})")
        out.append(f'<text x="305" y="{ys[ref]}" fill="{colour}"><title>{esc(ref)}</title>{text}</text>')
    for res in smap.resources:
        out.append(f'<text x="820" y="{rys[res.key]}">{esc(res.kind.value)}: {esc(res.name)}</text>')
    for g in smap.edges:
        if g.handler in ys and g.resource in rys:
            out.append(_line(640, ys[g.handler] - 4, 815, rys[g.resource] - 4, "#555"))
    out.append("</svg>")
    return "\n".join(out)


def to_html(smap: ServiceMap) -> str:
    esc = html.escape
    rows = "\n".join(
        f"<tr><td>{esc(' '.join(e.methods))}</td><td>{esc(e.path)}</td><td>{esc(e.handler.ref)}</td>"
        f"<td>{esc(e.handler.path)}:{e.handler.line}</td><td>{esc(e.auth.level.label)}</td>"
        f"<td>{esc(', '.join(e.auth.seen))}</td><td>{'yes' if e.collection else ''}</td></tr>"
        for e in smap.endpoints
    )
    counts = ", ".join(f"{esc(k)} {v}" for k, v in summary(smap).items())
    notes = "".join(f"<li>{esc(n)}</li>" for n in smap.notes)
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>stackaudit service map</title>'
        "<style>body{font-family:sans-serif;margin:1em}td,th{border-bottom:1px solid #ddd;padding:2px 6px;"
        "font-size:12px;text-align:left}</style></head><body>"
        f"<h1>Service map</h1><p>{counts}</p>{to_svg(smap)}"
        "<h2>Endpoints</h2><table><tr><th>methods</th><th>path</th><th>handler</th><th>file</th>"
        f"<th>auth</th><th>seen</th><th>collection</th></tr>{rows}</table>"
        f"<h2>Not read</h2><ul>{notes}</ul></body></html>\n"
    )


FORMATS: dict[str, Callable[[ServiceMap], str]] = {"json": to_json, "mermaid": to_mermaid, "html": to_html}
