"""Draw the service map: JSON (versioned, for tools), Mermaid (for docs and PRs) and a
self-contained HTML page with an SVG drawn here, server-side (no script, no network).

Every string read from the audited repository is escaped for the format it lands in.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from stackaudit.report._common import neutralise
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


def mermaid_text(text: str) -> str:
    """Mermaid labels: quotes and angle brackets as entities, no line breaks or control characters."""
    text = neutralise(text)
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
        routes = "<br/>".join(mermaid_text(e.label) for e in eps[:4]) + ("<br/>…" if len(eps) > 4 else "")
        level = min(e.auth.level for e in eps).label
        lines.append(f'  h{n}["{routes}<br/><i>{mermaid_text(ref)}</i><br/>{level}"]')
        lines.append(f"  internet --> h{n}")
        lines.append(f"  class h{n} {level}")
    rids: dict[str, str] = {}
    for n, res in enumerate(smap.resources):
        rids[res.key] = f"r{n}"
        left, right = SHAPES[res.kind]
        lines.append(f"  r{n}{left}{mermaid_text(res.name)}{right}")
    for g in smap.edges:
        if g.handler in ids and g.resource in rids:
            lines.append(f"  {ids[g.handler]} -->|{g.action}| {rids[g.resource]}")
    for level, colour in AUTH_COLOUR.items():
        lines.append(f"  classDef {level} stroke:{colour},stroke-width:2px")
    if len(handlers) > MAX_NODES:
        lines.append(f"  %% {len(handlers) - MAX_NODES} more handlers in the JSON map")
    return "\n".join(lines) + "\n"


GROUP_CAP = 40  # path-prefix groups drawn; the rest are counted
ENDPOINTS_PER_GROUP = 6
HANDLER_CAP = 120
RESOURCE_CAP = 120
ROW = 16
KIND_TITLE = {
    ResourceKind.DATASTORE: "data stores",
    ResourceKind.OUTBOUND: "third parties",
    ResourceKind.QUEUE: "queues",
}


def _line(x1: int, y1: int, x2: int, y2: int, colour: str) -> str:
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" stroke-opacity="0.45"/>'


def _text(x: int, y: int, text: str, colour: str = "#222", title: str = "", weight: str = "") -> str:
    """One label; ``text`` and ``title`` are escaped here, the only place labels are written."""
    tip = f"<title>{html.escape(neutralise(title))}</title>" if title else ""
    bold = ' font-weight="bold"' if weight else ""
    return f'<text x="{x}" y="{y}" fill="{colour}"{bold}>{tip}{html.escape(neutralise(text))}</text>'


def prefix_of(path: str, depth: int = 1) -> str:
    """The group an endpoint is drawn in: its first ``depth`` literal path segments (``/orders``
    for ``/orders/<id>/pay``); parameters stop the prefix, and the root is ``/``."""
    literal: list[str] = []
    for part in (p for p in path.split("/") if p):
        if part[0] in "<{:(^" or len(literal) == depth:
            break
        literal.append(part)
    return "/" + "/".join(literal)


SPLIT_OVER = 4 * ENDPOINTS_PER_GROUP  # a group larger than this is split one segment deeper


MAX_DEPTH = 3  # /api/v1/chats: deeper prefixes name too little to be worth a box


def _split(eps: list[Endpoint], depth: int) -> dict[str, list[Endpoint]]:
    groups: dict[str, list[Endpoint]] = {}
    for e in eps:
        groups.setdefault(prefix_of(e.path, depth), []).append(e)
    if depth >= MAX_DEPTH:
        return groups
    out: dict[str, list[Endpoint]] = {}
    for prefix, members in groups.items():
        deeper = _split(members, depth + 1) if len(members) > SPLIT_OVER else {prefix: members}
        out.update(deeper if len(deeper) > 1 else {prefix: members})
    return out


def _groups(smap: ServiceMap) -> list[tuple[str, list[Endpoint]]]:
    """Groups by first path segment; a big one (``/api/v1`` of a whole API) one segment deeper,
    up to three, while that splits it."""
    groups = _split(list(smap.endpoints), 1)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def _short_ref(ref: str) -> str:
    """``pkg.routers.ollama:generate`` → ``ollama:generate``: the module's last part is enough
    beside the others; the tooltip has the whole reference."""
    module, _, name = ref.partition(":")
    return f"{module.rsplit('.', 1)[-1]}:{name}"[:52]


@dataclass
class _Layout:
    """Rows of the three columns, filled top to bottom; ``out`` is the SVG body."""

    out: list[str] = field(default_factory=list)
    handler_y: dict[str, int] = field(default_factory=dict)
    resource_y: dict[str, int] = field(default_factory=dict)
    bottom: int = 40


def _draw_groups(smap: ServiceMap, lay: _Layout) -> None:
    y = 40
    groups = _groups(smap)
    for prefix, eps in groups[:GROUP_CAP]:
        level = min(e.auth.level for e in eps).label
        top = y - 12
        lay.out.append(_text(14, y, f"{prefix}  ({len(eps)})", AUTH_COLOUR[level], weight="b"))
        y += ROW
        for e in eps[:ENDPOINTS_PER_GROUP]:
            colour = AUTH_COLOUR[e.auth.level.label]
            lay.out.append(
                _text(24, y, e.label[:52], colour, f"{e.label} -> {e.handler.ref} ({e.auth.level.label})")
            )
            ref = e.handler.ref
            if ref not in lay.handler_y and len(lay.handler_y) < HANDLER_CAP:
                lay.handler_y[ref] = 40 + len(lay.handler_y) * ROW
            if ref in lay.handler_y:
                lay.out.append(_line(340, y - 4, 380, lay.handler_y[ref] - 4, colour))
            y += ROW
        if len(eps) > ENDPOINTS_PER_GROUP:
            lay.out.append(_text(24, y, f"{len(eps) - ENDPOINTS_PER_GROUP} more", "#666"))
            y += ROW
        lay.out.append(
            f'<rect x="8" y="{top}" width="332" height="{y - top - 10}" fill="none" stroke="#bbb"/>'
        )
        y += 6
    hidden = sum(len(eps) for _, eps in groups[GROUP_CAP:])
    if hidden:
        lay.out.append(
            _text(14, y, f"{hidden} more endpoints in {len(groups) - GROUP_CAP} more groups", "#666")
        )
        y += ROW
    lay.bottom = max(lay.bottom, y)


def _draw_handlers(smap: ServiceMap, lay: _Layout) -> None:
    for ref, y in lay.handler_y.items():
        lay.out.append(_text(384, y, _short_ref(ref), "#222", ref))
    total = len({e.handler.ref for e in smap.endpoints})
    if total > len(lay.handler_y):
        y = 40 + len(lay.handler_y) * ROW
        lay.out.append(_text(384, y, f"{total - len(lay.handler_y)} more handlers", "#666"))
        lay.bottom = max(lay.bottom, y + ROW)
    lay.bottom = max(lay.bottom, 40 + len(lay.handler_y) * ROW)


def _draw_resources(smap: ServiceMap, lay: _Layout) -> None:
    y = 40
    kinds = sorted({r.kind for r in smap.resources}, key=list(ResourceKind).index)
    for kind in kinds:
        lay.out.append(_text(744, y, KIND_TITLE[kind], "#222", weight="b"))
        y += ROW
        for res in [r for r in smap.resources if r.kind is kind]:
            if len(lay.resource_y) >= RESOURCE_CAP:
                break
            lay.resource_y[res.key] = y
            lay.out.append(_text(754, y, res.name[:48], "#222", f"{res.key} ({res.path}:{res.line})"))
            y += ROW
    if len(smap.resources) > len(lay.resource_y):
        lay.out.append(_text(744, y, f"{len(smap.resources) - len(lay.resource_y)} more", "#666"))
        y += ROW
    for g in smap.edges:
        if g.handler in lay.handler_y and g.resource in lay.resource_y:
            start = 388 + len(_short_ref(g.handler)) * 6  # about where the handler's label ends
            y1, y2 = lay.handler_y[g.handler] - 4, lay.resource_y[g.resource] - 4
            lay.out.append(_line(start, y1, 740, y2, "#555"))
    lay.bottom = max(lay.bottom, y)


def to_svg(smap: ServiceMap) -> str:
    """Three layers, left to right: endpoints grouped by path prefix (coloured by who reaches
    them), the handlers that answer them, and the data stores, third parties and queues those
    reach. Capped so a 600-endpoint map stays readable: what is not drawn is counted."""
    lay = _Layout()
    _draw_groups(smap, lay)
    _draw_handlers(smap, lay)
    _draw_resources(smap, lay)
    head = [
        _text(14, 18, "endpoints (by path prefix)", "#444", weight="b"),
        _text(384, 18, "handlers", "#444", weight="b"),
        _text(744, 18, "data stores, third parties, queues", "#444", weight="b"),
    ]
    legend = [(500, "anonymous"), (572, "authenticated"), (662, "admin")]
    head += [_text(x, 18, name, AUTH_COLOUR[name]) for x, name in legend]
    height = lay.bottom + 10
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="service map" width="1060" '
        f'height="{height}" font-size="11" font-family="sans-serif">' + "".join(head + lay.out) + "</svg>"
    )


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
