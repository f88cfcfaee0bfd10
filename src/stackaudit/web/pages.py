"""The dashboard's pages: one handler per bookmarkable URL, each a few queries and a template.

Handlers are synchronous (Starlette runs them in its thread pool) because the store's
drivers are; every one takes a connection for its own queries only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from stackaudit.storage.tables import runs
from stackaudit.web import detail, exports, mappage, queries, stats
from stackaudit.web.app import Dashboard
from stackaudit.web.security import SESSION_COOKIE


def routes(dash: Dashboard) -> list[Route]:
    def sync(handler: Callable[[Dashboard, Request], Response]) -> Any:
        async def endpoint(request: Request) -> Response:
            if dash.problem is not None and request.url.path != "/login":
                return dash.render(request, "problem.html", status=503)
            return await run_in_threadpool(handler, dash, request)

        return endpoint

    async def triage_post(request: Request) -> Response:
        form = await _form(request)
        if dash.problem is not None:
            return dash.render(request, "problem.html", status=503)
        return await run_in_threadpool(triage, dash, request, form)

    async def login_post(request: Request) -> Response:
        return login_submit(dash, request, await _form(request))

    return [
        Route("/", sync(overview)),
        Route("/findings", sync(findings)),
        Route("/findings.csv", sync(lambda d, r: export(d, r, "csv"))),
        Route("/findings.json", sync(lambda d, r: export(d, r, "json"))),
        Route("/finding/{fingerprint}", sync(finding)),
        Route("/finding/{fingerprint}/triage", triage_post, methods=["POST"]),
        Route("/runs", sync(run_list)),
        Route("/runs/diff", sync(run_diff)),
        Route("/runs/{run_id}", sync(run_page)),
        Route("/owners", sync(owners)),
        Route("/projects", sync(projects)),
        Route("/dora", sync(dora_page)),
        Route("/playbooks", sync(playbook_list)),
        Route("/playbooks/{name}", sync(playbook_page)),
        Route("/map", sync(mappage.map_page)),
        Route("/login", sync(login_form)),
        Route("/login", login_post, methods=["POST"]),
    ]


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form body (the only kind our forms send), first value per field, capped."""
    body = (await request.body())[:65536]
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[0][:2000] for k, v in parsed.items() if v}


def _now() -> datetime:
    return datetime.now(UTC)


def _project(conn: sa.Connection, request: Request) -> tuple[str, list[str]]:
    """The ``project`` parameter when the store has it, else the project of the newest run."""
    names = stats.project_names(conn)
    wanted = request.query_params.get("project", "")
    if wanted in names:
        return wanted, names
    newest = conn.execute(sa.select(runs.c.project).order_by(runs.c.seq.desc()).limit(1)).scalar()
    return (str(newest) if newest is not None else ""), names


def overview(dash: Dashboard, request: Request) -> Response:
    now = _now()
    with dash.conn() as conn:
        project, names = _project(conn, request)
        if not project:
            return dash.render(request, "empty.html")
        key = ("overview", *dash.version(conn, project), now.date())
        data = dash.cached(key, lambda: _overview_data(conn, project, now))
    return dash.render(request, "overview.html", project=project, projects=names, now=now, **data)


def prewarm(dash: Dashboard) -> None:
    """Fill the cache with the newest project's overview, so the first visitor does not wait."""
    from stackaudit.storage.base import StoreError

    now = _now()
    try:
        with dash.conn() as conn:
            newest = conn.execute(sa.select(runs.c.project).order_by(runs.c.seq.desc()).limit(1)).scalar()
            if newest is None:
                return
            project = str(newest)
            key = ("overview", *dash.version(conn, project), now.date())
            dash.cached(key, lambda: _overview_data(conn, project, now))
    except (sa.exc.SQLAlchemyError, StoreError):
        return  # only a head start: the page computes it again and reports any problem


def _overview_data(conn: sa.Connection, project: str, now: datetime) -> dict[str, Any]:
    points = stats.run_points(conn, project)
    risks = queries.top(conn, project, now)
    trend: dict[str, str] = {}
    if points:
        before = queries.previous_seq(conn, project, points[-1].seq)
        old = (
            {}
            if before is None
            else queries.scores_in_run(conn, project, before, [r.fingerprint for r in risks])
        )
        for r in risks:
            was = old.get(r.fingerprint)
            trend[r.fingerprint] = (
                "new" if was is None else "up" if r.score > was else "down" if r.score < was else "same"
            )
    return {
        "points": points,
        "risks": risks,
        "trend": trend,
        "reasons": queries.reasons(conn, project, [r.fingerprint for r in risks]),
        "pairs": [(p.id[:12], p.new, p.fixed) for p in points],
        "by_category": stats.risk_by_category(conn, project, points),
        "aging": stats.aging(conn, project, now),
        "buckets": stats.AGE_BUCKETS,
    }


def findings(dash: Dashboard, request: Request) -> Response:
    now = _now()
    f, problems = queries.Filters.parse(request.query_params)
    with dash.conn() as conn:
        project, names = _project(conn, request)
        if not project:
            return dash.render(request, "empty.html")
        version = dash.version(conn, project)
        rows, cursor = queries.page(conn, project, f, now)
        total = dash.cached(
            ("count", *version, *sorted(f.query(after="").items())),
            lambda: queries.count(conn, project, f, now),
        )
        choices = dash.cached(("options", *version), lambda: queries.options(conn, project))
        run_ids = [p.id for p in stats.run_points(conn, project)][::-1]
    return dash.render(
        request,
        "findings.html",
        project=project,
        projects=names,
        f=f,
        rows=rows,
        cursor=cursor,
        total=total,
        cap=queries.COUNT_CAP,
        choices=choices,
        run_ids=run_ids,
        now=now,
        messages=problems,
    )


def export(dash: Dashboard, request: Request, kind: str) -> Response:
    f, _ = queries.Filters.parse(request.query_params)
    with dash.conn() as conn:
        project, _names = _project(conn, request)
        rows = list(queries.every(conn, project, f, _now())) if project else []
    return exports.csv_response(rows, project) if kind == "csv" else exports.json_response(rows, project)


def finding(dash: Dashboard, request: Request) -> Response:
    from stackaudit.governance.playbooks import playbook_for

    fingerprint = request.path_params["fingerprint"]
    with dash.conn() as conn:
        project, names = _project(conn, request)
        try:
            view = detail.finding(conn, project, fingerprint) if project else None
        except detail.Unreadable as exc:
            return dash.render(
                request, "refused.html", status=500, project=project, projects=names, why=str(exc)
            )
    if view is None:
        return dash.render(
            request, "missing.html", status=404, project=project, projects=names, what="finding"
        )
    f = view.assessment.finding
    return dash.render(
        request,
        "finding.html",
        project=project,
        projects=names,
        view=view,
        playbook=playbook_for(f.rule_id, f.category),
        now=_now(),
        today=date.today().isoformat(),
        messages=[TRIAGE_DONE[m] for m in [request.query_params.get("done", "")] if m in TRIAGE_DONE],
    )


TRIAGE_DONE = {
    "accepted": "Risk accepted; the decision is recorded with who, when and why.",
    "reopened": "Reopened; the decision is recorded.",
    "reassigned": "Owner changed; the decision is recorded.",
}


def triage(dash: Dashboard, request: Request, form: dict[str, str]) -> Response:
    from stackaudit.model import Status
    from stackaudit.storage.base import StoreError

    fingerprint = request.path_params["fingerprint"]
    if not dash.guard.csrf_ok(request, form.get("csrf", "")):
        return dash.render(
            request, "refused.html", status=403, why="the form's CSRF token is missing or wrong"
        )
    project = form.get("project", "")
    action, by, reason = form.get("action", ""), form.get("by", "").strip(), form.get("reason", "").strip()
    try:
        if action == "accept":
            until = date.fromisoformat(form.get("until", ""))
            if not (by and reason):
                raise ValueError("accepting a risk needs who decides and why")
            dash.store.set_triage(
                project, fingerprint, status=Status.ACCEPTED, until=until, by=by, reason=reason
            )
            done = "accepted"
        elif action == "reopen":
            dash.store.set_triage(
                project, fingerprint, status=Status.OPEN, by=by or None, reason=reason or None
            )
            done = "reopened"
        elif action == "owner" and form.get("owner", "").strip():
            owner = form["owner"].strip()
            dash.store.set_triage(project, fingerprint, owner=owner, by=by or None, reason=reason or None)
            done = "reassigned"
        else:
            raise ValueError("choose accept (with a date), reopen, or a new owner")
    except (ValueError, StoreError) as exc:
        return dash.render(request, "refused.html", status=400, why=str(exc))
    target = f"/finding/{fingerprint}?" + "&".join(
        f"{k}={v}" for k, v in (("project", _quote(project)), ("done", done))
    )
    return RedirectResponse(target, status_code=303)


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def run_list(dash: Dashboard, request: Request) -> Response:
    with dash.conn() as conn:
        project, names = _project(conn, request)
        rows = stats.run_list(conn, project) if project else []
    return dash.render(request, "runs.html", project=project, projects=names, rows=rows)


def run_page(dash: Dashboard, request: Request) -> Response:
    with dash.conn() as conn:
        project, names = _project(conn, request)
        row = stats.run_row(conn, project, request.path_params["run_id"])
        if row is None:
            return dash.render(
                request, "missing.html", status=404, project=project, projects=names, what="run"
            )
        analyzers = stats.analyzers(conn, row.id)
    return dash.render(request, "run.html", project=project, projects=names, run=row, analyzers=analyzers)


def run_diff(dash: Dashboard, request: Request) -> Response:
    params = request.query_params
    with dash.conn() as conn:
        project, names = _project(conn, request)
        a = stats.run_row(conn, project, params.get("a", ""))
        b = stats.run_row(conn, project, params.get("b", ""))
        if a is None or b is None:
            return dash.render(
                request, "missing.html", status=404, project=project, projects=names, what="run"
            )
        result = detail.diff(conn, project, a, b)
    return dash.render(request, "diff.html", project=project, projects=names, a=a, b=b, diff=result)


def owners(dash: Dashboard, request: Request) -> Response:
    now = _now()
    with dash.conn() as conn:
        project, names = _project(conn, request)
        if not project:
            return dash.render(request, "empty.html")
        key = ("owners", *dash.version(conn, project), now.date())
        rows = dash.cached(key, lambda: stats.owners(conn, project, now))
    return dash.render(
        request, "owners.html", project=project, projects=names, rows=rows, buckets=stats.AGE_BUCKETS
    )


def projects(dash: Dashboard, request: Request) -> Response:
    with dash.conn() as conn:
        project, names = _project(conn, request)
        rows = stats.projects(conn)
    return dash.render(request, "projects.html", project=project, projects=names, rows=rows)


def dora_page(dash: Dashboard, request: Request) -> Response:
    """DORA of the chosen project (also one with DORA results and no audit run), or how to get it."""
    from stackaudit.web import dora

    with dash.conn() as conn:
        project, names = _project(conn, request)
        with_dora = dora.projects(conn)
        wanted = request.query_params.get("project", "")
        if wanted in with_dora or (not project and with_dora):
            project = wanted if wanted in with_dora else with_dora[0]
        data = dora.view(conn, project) if project else None
    names = sorted({*names, *with_dora})
    return dash.render(request, "dora.html", project=project, projects=names, data=data, d=dora)


def playbook_list(dash: Dashboard, request: Request) -> Response:
    from stackaudit.governance.playbooks import PLAYBOOKS

    with dash.conn() as conn:
        project, names = _project(conn, request)
    return dash.render(request, "playbooks.html", project=project, projects=names, playbooks=PLAYBOOKS)


def playbook_page(dash: Dashboard, request: Request) -> Response:
    from stackaudit.governance.playbooks import BY_NAME

    with dash.conn() as conn:
        project, names = _project(conn, request)
    found = BY_NAME.get(request.path_params["name"])
    if found is None:
        return dash.render(
            request, "missing.html", status=404, project=project, projects=names, what="playbook"
        )
    return dash.render(request, "playbook.html", project=project, projects=names, pb=found)


def login_form(dash: Dashboard, request: Request) -> Response:
    return dash.render(request, "login.html", problem=None)


def login_submit(dash: Dashboard, request: Request, form: dict[str, str]) -> Response:
    if not dash.guard.csrf_ok(request, form.get("csrf", "")):
        return dash.render(
            request, "refused.html", status=403, why="the form's CSRF token is missing or wrong", problem=None
        )
    if dash.guard.token is None or not dash.guard.token_ok(form.get("token", "")):
        return dash.render(request, "login.html", status=403, problem=None, messages=["wrong token"])
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE, dash.guard.session_value(), httponly=True, samesite="strict", path="/"
    )
    return response
