"""Capture SQL statements per unit of work (one request, one test).

Sources: SQLAlchemy engine events, Django's ``execute_wrapper``, and DB-API
cursor wrapping for sqlite3 and psycopg. The unit of work is a context variable,
so concurrent requests (threads or asyncio tasks) never mix their queries. Each
statement carries the call site: the first frame outside libraries and the
standard library, i.e. the application line that issued the query.
"""

from __future__ import annotations

import contextvars
import sqlite3
import sys
import sysconfig
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackaudit.runtime.nplusone.fingerprint import normalise_sql, sql_fingerprint


@dataclass(frozen=True, slots=True)
class CallSite:
    path: str  # absolute file name
    line: int
    function: str  # qualified name (co_qualname)


@dataclass(frozen=True, slots=True)
class QueryEvent:
    shape: str
    fingerprint: str
    duration_ms: float
    site: CallSite | None
    # where the unit of work was entered from: the outermost non-library frame (in a test,
    # the test's own line that led to the query)
    entry: CallSite | None = None
    in_setup: bool = False  # issued under setUp / setUpTestData / tearDown (test data, not the code)
    same_call: bool = False  # the site is the same live frame as the previous statement's: one loop


@dataclass
class Recorder:
    unit: str
    events: list[QueryEvent] = field(default_factory=list)
    last_frame: Any = None  # the previous statement's site frame (held, so identity is exact)


# frames of test scaffolding: statements under them build or tear down test data
SETUP_FUNCTIONS = frozenset(
    {
        "setUp",
        "setUpClass",
        "setUpTestData",
        "tearDown",
        "tearDownClass",
        "asyncSetUp",
        "asyncTearDown",
        "_fixture_setup",
        "_fixture_teardown",
        "_pre_setup",
        "_post_teardown",
        "setup_method",
        "teardown_method",
        "setup_class",
        "teardown_class",
    }
)


@dataclass(frozen=True, slots=True)
class StackFacts:
    site: CallSite | None
    site_frame: Any
    entry: CallSite | None
    in_setup: bool


def stack_facts(prefixes: tuple[str, ...], skip: int = 2) -> StackFacts:
    """One walk up the stack: the application site, the entry site and the setup flag."""
    frame = sys._getframe(skip)
    site: CallSite | None = None
    site_frame: Any = None
    entry: CallSite | None = None
    in_setup = False
    while frame is not None:
        code = frame.f_code
        in_setup = in_setup or code.co_name in SETUP_FUNCTIONS
        if not code.co_filename.startswith(prefixes) and not code.co_filename.startswith("<"):
            here = CallSite(code.co_filename, frame.f_lineno, code.co_qualname)
            if site is None:
                site, site_frame = here, frame
            entry = here
        frame = frame.f_back  # type: ignore[assignment]
    return StackFacts(site, site_frame, entry, in_setup)


_current: contextvars.ContextVar[Recorder | None] = contextvars.ContextVar(
    "stackaudit_recorder", default=None
)
_in_orm: contextvars.ContextVar[bool] = contextvars.ContextVar("stackaudit_in_orm", default=False)


def _library_prefixes() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths.get(k, "") for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots.add(str(Path(__file__).resolve().parents[2]))  # stackaudit itself
    return tuple(sorted(r for r in roots if r))


def call_site(prefixes: tuple[str, ...], skip: int = 2) -> CallSite | None:
    frame = sys._getframe(skip)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(prefixes) and not filename.startswith("<"):
            return CallSite(filename, frame.f_lineno, frame.f_code.co_qualname)
        frame = frame.f_back  # type: ignore[assignment]
    return None


class Capture:
    """Install every available capture hook for the lifetime of a ``with`` block."""

    def __init__(self) -> None:
        self.prefixes = _library_prefixes()
        self._undo: list[Callable[[], None]] = []

    def record(self, sql: str, seconds: float) -> None:
        recorder = _current.get()
        if recorder is None:
            return
        facts = stack_facts(self.prefixes, 3)
        same = facts.site_frame is not None and facts.site_frame is recorder.last_frame
        recorder.last_frame = facts.site_frame
        recorder.events.append(
            QueryEvent(
                normalise_sql(sql),
                sql_fingerprint(sql),
                seconds * 1000.0,
                facts.site,
                facts.entry,
                facts.in_setup,
                same,
            )
        )

    def __enter__(self) -> Capture:
        self._install_sqlalchemy()
        self._install_sqlite3()
        self._install_psycopg()
        self._install_django()
        return self

    def __exit__(self, *exc: object) -> None:
        while self._undo:
            self._undo.pop()()

    # -- SQLAlchemy ------------------------------------------------------------
    def _install_sqlalchemy(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
            conn.info.setdefault("stackaudit_t0", []).append((time.perf_counter(), _in_orm.set(True)))

        def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
            stack = conn.info.get("stackaudit_t0")
            if not stack:
                return
            started, token = stack.pop()
            _in_orm.reset(token)
            self.record(statement, time.perf_counter() - started)

        event.listen(Engine, "before_cursor_execute", before)
        event.listen(Engine, "after_cursor_execute", after)
        self._undo.append(lambda: event.remove(Engine, "before_cursor_execute", before))
        self._undo.append(lambda: event.remove(Engine, "after_cursor_execute", after))

    # -- DB-API: sqlite3 ---------------------------------------------------------
    def _timed(self, run: Callable[[], Any], sql: str) -> Any:
        if _in_orm.get():
            return run()
        started = time.perf_counter()
        try:
            return run()
        finally:
            self.record(sql, time.perf_counter() - started)

    def _install_sqlite3(self) -> None:
        capture = self
        original = sqlite3.connect

        class TracingCursor(sqlite3.Cursor):
            def execute(self, sql: str, parameters: Any = (), /) -> Any:
                return capture._timed(lambda: super(TracingCursor, self).execute(sql, parameters), sql)

            def executemany(self, sql: str, seq: Any, /) -> Any:
                return capture._timed(lambda: super(TracingCursor, self).executemany(sql, seq), sql)

        class TracingConnection(sqlite3.Connection):
            def cursor(self, factory: Any = TracingCursor) -> Any:  # type: ignore[override]
                return super().cursor(factory)

            def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
                return self.cursor().execute(sql, parameters)  # type: ignore[no-any-return]

            def executemany(self, sql: str, seq: Any, /) -> sqlite3.Cursor:
                return self.cursor().executemany(sql, seq)  # type: ignore[no-any-return]

        def connect(*args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("factory", TracingConnection)
            return original(*args, **kwargs)

        sqlite3.connect = connect  # type: ignore[assignment]
        self._undo.append(lambda: setattr(sqlite3, "connect", original))

    # -- DB-API: psycopg 3 -------------------------------------------------------
    def _install_psycopg(self) -> None:
        try:
            import psycopg
        except ImportError:
            return
        capture = self
        original = psycopg.connect

        class TracingCursor(psycopg.Cursor):  # type: ignore[type-arg]
            def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
                sql = (
                    query
                    if isinstance(query, str)
                    else str(getattr(query, "as_string", lambda c: query)(self))
                )
                return capture._timed(
                    lambda: super(TracingCursor, self).execute(query, params, **kwargs), sql
                )

        def connect(*args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("cursor_factory", TracingCursor)
            return original(*args, **kwargs)

        psycopg.connect = connect  # type: ignore[assignment]
        self._undo.append(lambda: setattr(psycopg, "connect", original))

    # -- Django ------------------------------------------------------------------
    def _install_django(self) -> None:
        if "django" not in sys.modules:
            return
        try:
            from django.conf import settings
            from django.db import connections

            if not settings.configured:
                return
            all_connections = list(connections.all())
        except Exception:
            return
        capture = self

        def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            token = _in_orm.set(True)
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                _in_orm.reset(token)
                capture.record(sql, time.perf_counter() - started)

        def unhook(conn: Any) -> Callable[[], None]:
            return lambda: conn.execute_wrappers.remove(wrapper)

        for conn in all_connections:
            conn.execute_wrappers.append(wrapper)
            self._undo.append(unhook(conn))


@contextmanager
def recording(unit: str) -> Iterator[Recorder]:
    """Collect the statements issued in this context (a request, a test) into a Recorder."""
    recorder = Recorder(unit)
    token = _current.set(recorder)
    try:
        yield recorder
    finally:
        _current.reset(token)
        recorder.last_frame = None
