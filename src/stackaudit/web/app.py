"""The dashboard's application factory: the store, templates, cache and middleware.

The store is opened once; every request takes a connection for its own queries and gives it
back, so no lock is held across requests and audits keep saving beside the server (WAL on
SQLite). A store that cannot be opened (missing, corrupt, from a newer stackaudit) is not
an exit: every page says what is wrong, and nothing is written to it.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from stackaudit.storage.base import StoreError
from stackaudit.storage.tables import history, runs
from stackaudit.web import charts
from stackaudit.web.security import Guard, guard_requests, is_loopback

HERE = Path(__file__).resolve().parent
CACHE_SIZE = 64


@dataclass(frozen=True, slots=True)
class Settings:
    url: str
    host: str = "127.0.0.1"
    token: str | None = None
    allowed_hosts: tuple[str, ...] = ()  # extra Host header values (tests: "testserver")
    prewarm: bool = False  # compute the newest project's overview in the background at start


class Dashboard:
    """What the routes share: the open store (or why there is none), templates and a small cache."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.guard = Guard(settings.token)
        self.engine: sa.Engine | None = None
        self.store: Any = None
        self.problem: str | None = None
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals.update(url=_url, charts=charts)
        self.open()

    def open(self) -> None:
        """Open the store without creating one: a missing SQLite file is a problem to show."""
        from stackaudit.storage.connect import missing_sqlite_file
        from stackaudit.storage.store import Store

        try:
            missing = missing_sqlite_file(self.settings.url)
            if missing is not None:
                self.problem = f"no store at {missing}: run `stackaudit audit` first, or pass --db"
                return
            self.store = Store.open(self.settings.url)
            self.engine = self.store.engine
            self.problem = None
        except StoreError as exc:
            self.problem = str(exc)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    @contextmanager
    def conn(self) -> Iterator[sa.Connection]:
        assert self.engine is not None
        with self.engine.connect() as conn:
            yield conn

    def version(self, conn: sa.Connection, project: str) -> tuple[Any, ...]:
        """Changes when a run is saved or pruned, or a finding is triaged: the cache key's tail."""
        r, h = runs.c, history.c
        seq_count = conn.execute(
            sa.select(sa.func.max(r.seq), sa.func.count()).where(r.project == project)
        ).one()
        updated = conn.execute(sa.select(sa.func.max(h.updated_at)).where(h.project == project)).scalar()
        return (project, *seq_count, str(updated))

    def cached(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """Aggregates over immutable runs are computed once per store version, not per request."""
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = make()
        with self._lock:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = value
        return value

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("problem", self.problem)
        context.setdefault("project", "")
        context.setdefault("projects", [])
        context.setdefault("messages", [])
        html = self.templates.get_template(name).render(request=request, csrf=request.state.csrf, **context)
        return HTMLResponse(html, status_code=status)


def _url(target: str, /, **params: Any) -> str:
    """A link with its query string; empty parameters are left out."""
    query = {k: str(v) for k, v in params.items() if v not in (None, "")}
    return target + ("?" + urlencode(query) if query else "")


def _lifespan(dash: Dashboard) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        dash.close()

    return lifespan


def create_app(settings: Settings) -> Starlette:
    """The ASGI app. Raises ValueError for a bind beyond loopback without a token."""
    from stackaudit.web import pages

    if not is_loopback(settings.host) and not settings.token:
        raise ValueError(
            f"binding to {settings.host} exposes the store beyond this machine: "
            "give --token or STACKAUDIT_SERVE_TOKEN"
        )
    dash = Dashboard(settings)
    hosts = ["127.0.0.1", "localhost", "[::1]", "::1", *settings.allowed_hosts]
    if not is_loopback(settings.host):
        hosts = ["*"]  # a LAN or public name; the token protects it
    elif settings.host not in hosts:
        hosts.append(settings.host)

    async def guarded(request: Request, call_next: Any) -> Any:
        return await guard_requests(dash.guard, request, call_next)

    app = Starlette(
        routes=[*pages.routes(dash), Mount("/static", StaticFiles(directory=HERE / "static"), name="static")],
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=hosts),
            Middleware(BaseHTTPMiddleware, dispatch=guarded),
        ],
        lifespan=_lifespan(dash),
    )
    app.state.dashboard = dash
    if settings.prewarm and dash.problem is None:
        threading.Thread(target=pages.prewarm, args=(dash,), name="stackaudit-prewarm", daemon=True).start()
    return app


__all__ = ["Dashboard", "Settings", "create_app"]
