"""The fence: only the named origin, a request bound, a time bound; a down or slow target.

The servers count what reaches them, so "refused" means "never sent", not "not reported".
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import requests

from stackaudit.dast.fuzz import GuardedSession
from stackaudit.dast.guard import BudgetSpent, Fence, OutOfScope, Target
from stackaudit.dast.run import DastOptions, run_dast
from stackaudit.model import Location, NotAnalysedReason
from tests.dast import flask_apps, servers

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Counting:
    """A WSGI wrapper that counts the requests that reached the app."""

    def __init__(self, app: WsgiApp, delay: float = 0.0) -> None:
        self.app, self.delay, self.count = app, delay, 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        with self._lock:
            self.count += 1
        time.sleep(self.delay)
        return self.app(environ, start)


def _redirect_to(url: str) -> WsgiApp:
    def app(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        start("302 Found", [("Location", url), ("Content-Length", "0")])
        return [b""]

    return app


def _ok(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
    start("200 OK", [("Content-Type", "text/plain"), ("X-Content-Type-Options", "nosniff")])
    return [b"ok"]


def test_scope_is_scheme_host_and_port() -> None:
    target = Target.parse("http://127.0.0.1:8000/app")
    assert target.contains("http://127.0.0.1:8000/other")
    for other in (
        "http://127.0.0.1:8001/",
        "https://127.0.0.1:8000/",
        "http://localhost:8000/",
        "http://evil/",
    ):
        assert not target.contains(other)
    assert Target.parse("https://Example.COM").contains("https://example.com:443/x")


def test_a_redirect_to_another_port_is_refused_and_never_sent() -> None:
    other = Counting(_ok)
    with servers.wsgi(other) as elsewhere, servers.wsgi(_redirect_to(elsewhere + "/steal")) as url:
        out = run_dast(DastOptions(url, max_requests=50, timeout=20), Location("."))
    assert other.count == 0
    assert elsewhere + "/steal" in out.refused
    assert out.reachable


def test_schemathesis_requests_are_fenced_too() -> None:
    other = Counting(_ok)
    with servers.wsgi(other) as elsewhere:
        fence = Fence.start(Target.parse("http://127.0.0.1:9"), 10, 10, 5)
        session = GuardedSession(fence, [])
        with pytest.raises(OutOfScope):
            session.get(elsewhere + "/")
    assert other.count == 0 and fence.sent == 0


def test_the_request_bound_holds(tmp_path: Path) -> None:
    doc = tmp_path / "openapi.json"
    doc.write_text(json.dumps(flask_apps.OPENAPI))
    app = Counting(flask_apps.vulnerable())
    with servers.wsgi(app) as url:
        out = run_dast(DastOptions(url, openapi=doc, max_requests=7, timeout=30), Location("."))
    assert out.requests == 7
    assert app.count == 7
    assert [e.reason for e in out.not_analysed] == [NotAnalysedReason.PARTIAL]
    assert "7 requests" in out.not_analysed[0].detail or "request bound" in out.not_analysed[0].detail


def test_the_time_bound_holds(tmp_path: Path) -> None:
    doc = tmp_path / "openapi.json"
    doc.write_text(json.dumps(flask_apps.OPENAPI))
    app = Counting(flask_apps.vulnerable(), delay=0.2)
    with servers.wsgi(app) as url:
        out = run_dast(DastOptions(url, openapi=doc, max_requests=1000, timeout=1.5), Location("."))
    # Unbounded, 1000 requests of 0.2 s would take minutes; loose margins for a loaded machine.
    assert out.seconds < 5
    assert out.requests < 25
    assert [e.reason for e in out.not_analysed] == [NotAnalysedReason.PARTIAL]


def test_a_down_target_is_not_analysed() -> None:
    url = f"http://127.0.0.1:{servers.free_port()}"
    out = run_dast(DastOptions(url), Location("."))
    assert not out.reachable and out.findings == ()
    assert [e.reason for e in out.not_analysed] == [NotAnalysedReason.ERROR]
    assert "not reachable" in out.not_analysed[0].detail


def test_a_slow_target_is_not_analysed_and_the_run_ends() -> None:
    app = Counting(_ok, delay=5.0)
    with servers.wsgi(app) as url:
        started = time.monotonic()
        out = run_dast(DastOptions(url, request_timeout=0.3, timeout=5), Location("."))
        took = time.monotonic() - started
    assert not out.reachable and took < 3  # never waited the 5 s the server takes
    assert [e.reason for e in out.not_analysed] == [NotAnalysedReason.TIMEOUT]
    assert "no answer within 0.3s" in out.not_analysed[0].detail


def test_a_bad_openapi_file_is_recorded_and_the_probes_go_on(tmp_path: Path) -> None:
    doc = tmp_path / "openapi.yaml"
    doc.write_text("paths: [unclosed\n")
    with servers.wsgi(flask_apps.vulnerable()) as url:
        out = run_dast(DastOptions(url, openapi=doc), Location("."))
    assert [(e.path, e.reason) for e in out.not_analysed] == [(str(doc), NotAnalysedReason.MALFORMED)]
    rules = {f.rule_id for f in out.findings}
    assert {"dast.cors-reflected-origin", "dast.trace-enabled", "dast.missing-csp"} <= rules
    assert "dast.server-error" not in rules  # no document, no Schemathesis


def test_a_budget_of_one_stops_before_the_second_request() -> None:
    fence = Fence.start(Target.parse("http://127.0.0.1:9"), 1, 10, 5)
    fence.admit("http://127.0.0.1:9/")
    with pytest.raises(BudgetSpent):
        fence.admit("http://127.0.0.1:9/")
    with pytest.raises(requests.RequestException):
        GuardedSession(Fence.start(Target.parse("http://127.0.0.1:9"), 1, 10, 0.2), []).get(
            "http://127.0.0.1:9/"
        )


class Methods(Counting):
    """Counts requests by method."""

    def __init__(self, app: WsgiApp) -> None:
        super().__init__(app)
        self.methods: list[str] = []

    def __call__(self, environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        self.methods.append(environ["REQUEST_METHOD"])
        return super().__call__(environ, start)


def test_operations_that_change_state_are_sent_only_when_allowed(tmp_path: Path) -> None:
    doc = dict(flask_apps.OPENAPI)
    doc["paths"] = {**doc["paths"], "/api/items": {"post": {"responses": {"201": {"description": "made"}}}}}
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(doc))
    for allowed in (False, True):
        app = Methods(_ok)
        with servers.wsgi(app) as url:
            out = run_dast(DastOptions(url, openapi=path, examples=2, unsafe_methods=allowed), Location("."))
        assert ("POST" in app.methods) is allowed
        assert any("change state" in n for n in out.notes) is not allowed


def test_a_target_that_speaks_no_http_is_not_analysed() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)

    def garbage() -> None:
        for _ in range(4):
            try:
                conn, _addr = sock.accept()
            except OSError:
                return
            conn.sendall(b"\x00\xffTHIS IS NOT HTTP\r\n\r\n" * 4)
            conn.close()

    threading.Thread(target=garbage, daemon=True).start()
    try:
        out = run_dast(
            DastOptions(f"http://127.0.0.1:{sock.getsockname()[1]}", request_timeout=2), Location(".")
        )
    finally:
        sock.close()
    assert not out.reachable and out.findings == ()
    assert [e.reason for e in out.not_analysed] == [NotAnalysedReason.ERROR]
