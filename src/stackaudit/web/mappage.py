"""The dashboard's Map page: the service map of a stored run, drawn server-side as SVG, and the
threat model of its declared journeys.

The map was stored beside the run (``scope/stored.py``, the store's cache table); a run
audited before maps were kept, or a store whose cache was pruned, has none and the page says
so. Every label is escaped by ``scope.render`` (the page carries no script, as every page).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from stackaudit.scope.model import ServiceMap
from stackaudit.scope.render import summary, to_svg
from stackaudit.scope.stored import decode_map, map_key
from stackaudit.storage.tables import cache_entries, runs
from stackaudit.threat.model import ThreatModel
from stackaudit.threat.render import SECTION_CAP, html_tables
from stackaudit.threat.stored import decode_threats, threat_key
from stackaudit.web.app import Dashboard

ENDPOINT_ROWS = 300  # the table under the drawing; the JSON of `stackaudit map` has every one


def _run_id(conn: sa.Connection, project: str, wanted: str) -> str | None:
    r = runs.c
    query = sa.select(r.id).where(r.project == project)
    if wanted:
        query = query.where(r.id.startswith(wanted, autoescape=True))
    found = conn.execute(query.order_by(r.seq.desc()).limit(1)).scalar()
    return str(found) if found is not None else None


def _payload(conn: sa.Connection, key: str) -> bytes | None:
    found = conn.execute(sa.select(cache_entries.c.value).where(cache_entries.c.key == key)).scalar()
    return bytes(found) if found is not None else None


def stored_map(conn: sa.Connection, run_id: str) -> tuple[ServiceMap | None, ThreatModel | None]:
    """The run's map and the threat model of its declared journeys, as far as they are stored."""
    smap, threats = _payload(conn, map_key(run_id)), _payload(conn, threat_key(run_id))
    return (
        decode_map(smap) if smap is not None else None,
        decode_threats(threats) if threats is not None else None,
    )


def _context(smap: ServiceMap | None, threats: ThreatModel | None) -> dict[str, Any]:
    if smap is None:
        return {"smap": None, "threats": None}
    return {
        # escaped in threat/render.py, like the drawing
        "threats": Markup(html_tables(threats, SECTION_CAP)) if threats is not None else None,
        "smap": smap,
        "svg": Markup(to_svg(smap)),  # every label escaped in scope/render.py
        "counts": summary(smap),
        "endpoints": smap.endpoints[:ENDPOINT_ROWS],
        "more": max(0, len(smap.endpoints) - ENDPOINT_ROWS),
    }


def map_page(dash: Dashboard, request: Request) -> Response:
    from stackaudit.web.pages import _project  # pages lists this route: imported when called

    with dash.conn() as conn:
        project, names = _project(conn, request)
        if not project:
            return dash.render(request, "empty.html")
        run_id = _run_id(conn, project, request.query_params.get("run", ""))
        if run_id is None:
            return dash.render(
                request, "missing.html", status=404, project=project, projects=names, what="run"
            )
        key = ("map", run_id)
        smap, threats = dash.cached(key, lambda: stored_map(conn, run_id))
    context = _context(smap, threats)
    return dash.render(request, "map.html", project=project, projects=names, run_id=run_id, **context)
