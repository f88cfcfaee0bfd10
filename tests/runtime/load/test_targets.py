"""--target URLs reach the server byte for byte (query strings, escapes, fragments, IPv6),
and HTTP errors are named by their status: real k6 against a loopback server that keeps
every request target it received."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from stackaudit.config.sections.runtime import LoadConfig, SLOConfig
from stackaudit.runtime.load import slo
from stackaudit.runtime.load.model import Mode, PlanError, StepSpec

from ..servers import Server
from .conftest import run_load

ONE_SECOND = (StepSpec(0, 5, 1.0),)


@pytest.mark.parametrize(
    ("host", "suffix", "sent"),
    [
        # the report's case: a long query string once cut by the path's length
        ("127.0.0.1", "/shop/orders.json?_size=max&_nocount=1", "/shop/orders.json?_size=max&_nocount=1"),
        ("127.0.0.1", "/a%2Fb/c%20d?q=%E2%9C%93&x=1%262", "/a%2Fb/c%20d?q=%E2%9C%93&x=1%262"),
        ("127.0.0.1", "/page?x=1#section-2", "/page?x=1"),  # a fragment is never sent over HTTP
        ("127.0.0.1", "/search?next=/a/b/&q=", "/search?next=/a/b/&q="),
        ("127.0.0.1", "", "/"),
        ("::1", "/v6/items?id=7&_nocount=1", "/v6/items?id=7&_nocount=1"),
    ],
)
def test_target_reaches_the_server_untouched(
    tmp_path: Path, serve: Callable[..., Server], host: str, suffix: str, sent: str
) -> None:
    server = serve(host=host, kind="fixed", service_ms=1)
    report, _ = run_load(tmp_path, server.url + suffix, Mode.CONSTANT, ONE_SECOND)
    assert report.incomplete is None, report.problems
    assert server.targets and {t.decode() for t in server.targets} == {sent}
    assert report.steps[0].error_rate == 0.0
    assert report.steps[0].endpoints[0].endpoint == f"GET {sent.partition('?')[0]}"


def test_split_target_keeps_the_origin_and_request_as_typed() -> None:
    assert slo.split_target("http://[::1]:8080/x?a=1#f") == ("http://[::1]:8080", "/x?a=1")
    assert slo.split_target("https://user@h.example/p%2F") == ("https://user@h.example", "/p%2F")
    assert slo.check_target("http://h/api/?next=/x/") == "http://h/api?next=/x/"


def test_query_string_with_slos_is_refused_with_a_clear_message() -> None:
    slos = {"a": SLOConfig(endpoint="GET /orders")}
    with pytest.raises(PlanError, match="query string in the SLO's endpoint"):
        slo.build_plan("http://h/?x=1", slos, LoadConfig())


def test_http_errors_are_named_by_status_and_reason(tmp_path: Path, serve: Callable[..., Server]) -> None:
    server = serve(kind="status", status=404, service_ms=1)
    report, _ = run_load(tmp_path, server.url + "/missing", Mode.CONSTANT, ONE_SECOND)
    assert report.steps[0].error_rate == 1.0
    assert any(p.endswith("failed: 404 Not Found") for p in report.problems), report.problems
    assert not any("k6 error code" in p or "HTTP/1" in p for p in report.problems)
    # no SLO configured, yet 100 % errors fail the run on the default error budget
    assert report.verdicts and not report.verdicts[0].passed


def test_bad_request_reads_400_bad_request(tmp_path: Path, serve: Callable[..., Server]) -> None:
    server = serve(kind="status", status=400, service_ms=1)
    report, _ = run_load(tmp_path, server.url, Mode.CONSTANT, ONE_SECOND)
    assert any(p.endswith("failed: 400 Bad Request") for p in report.problems), report.problems
