"""Journeys from config: matching declared endpoints against the map's syntax, marking findings,
and the Impact reason a critical journey adds."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.config.loader import load_config
from stackaudit.engine.score import ScoreInputs, score
from stackaudit.model import Category, Finding, Location, Severity
from stackaudit.threat.journeys import Journey, Spec, declared, mark, normalise


@pytest.mark.parametrize(
    ("spec", "methods", "path"),
    [
        ("GET /orders/{id}", ("GET",), "/orders/<int:order_id>"),
        ("POST /orders/:id/pay", ("POST",), "/orders/<int:order_id>/pay"),
        ("/orders", ("GET", "POST"), "/orders/"),
        ("get /orders/<pk>", ("GET",), "orders/{pk}"),
        ("/admin/*", ("GET",), "/admin/users/<int:id>"),
        ("GET /anything", ("*",), "/anything"),
    ],
)
def test_spec_matches_framework_syntax(spec: str, methods: tuple[str, ...], path: str) -> None:
    assert Spec.parse(spec).matches(methods, path)


@pytest.mark.parametrize(
    ("spec", "methods", "path"),
    [
        ("GET /orders/{id}", ("POST",), "/orders/<int:order_id>"),
        ("GET /orders", ("GET",), "/orders/<int:order_id>"),
        ("GET /orders/{id}", ("GET",), "/orders"),
        ("/admin/*", ("GET",), "/administrator"),
        ("GET /orders/list", ("GET",), "/orders/<id>"),
    ],
)
def test_spec_does_not_match(spec: str, methods: tuple[str, ...], path: str) -> None:
    assert not Spec.parse(spec).matches(methods, path)


def test_normalise() -> None:
    assert normalise("/a/<int:x>/b/{y}/:z/") == "/a/{}/b/{}/{}"
    assert normalise("") == "/"


def test_declared_reads_journeys_and_slo_steps(tmp_path: Path) -> None:
    (tmp_path / "stackaudit.toml").write_text(
        '[journeys.checkout]\nendpoints = ["POST /pay"]\ncritical = true\n'
        '[slo.browse]\nsteps = ["GET /products"]\n'
        '[slo.checkout]\nsteps = ["GET /ignored"]\n'
        '[slo.one]\nendpoint = "GET /x"\n',
        encoding="utf-8",
    )
    got = declared(load_config(tmp_path))
    assert got == [
        Journey("browse", ("GET /products",), False, "slo"),
        Journey("checkout", ("POST /pay",), True, "journeys"),
    ]


def test_empty_journey_is_a_config_error(tmp_path: Path) -> None:
    from stackaudit.config.loader import ConfigError

    (tmp_path / "stackaudit.toml").write_text("[journeys.x]\nendpoints = []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="journeys"):
        load_config(tmp_path)


def _finding(endpoint: str | None) -> Finding:
    return Finding(
        "sec.sql-injection", "m", Location("a.py", 3), Category.SECURITY, Severity.HIGH, endpoint=endpoint
    )


def test_mark_sets_journey_properties() -> None:
    journeys = [
        Journey("checkout", ("POST /orders/{id}/pay",), critical=True),
        Journey("browse", ("GET /products", "POST /orders/*"), critical=False),
    ]
    on, off, none = mark(
        [_finding("POST /orders/<int:order_id>/pay"), _finding("GET /orders"), _finding(None)], journeys
    )
    assert on.prop("journey") == "checkout,browse"
    assert on.prop("journey_critical") == "checkout"
    assert off.prop("journey") is None and off.prop("journey_critical") is None
    assert none.properties == ()
    non_critical = mark([_finding("GET /products")], journeys)[0]
    assert non_critical.prop("journey") == "browse" and non_critical.prop("journey_critical") is None


def test_critical_journey_raises_impact_with_its_reason() -> None:
    journeys = [Journey("checkout", ("POST /pay",), critical=True)]
    plain = _finding("POST /pay")
    marked = mark([plain], journeys)[0]
    before = score(ScoreInputs(finding=plain, rule=None))
    after = score(ScoreInputs(finding=marked, rule=None))
    assert after.impact.value == before.impact.value + 1
    assert "on critical journey checkout" in after.impact.reasons
    assert not any("journey" in r for r in before.impact.reasons)
    not_critical = mark([plain], [Journey("checkout", ("POST /pay",), critical=False)])[0]
    assert score(ScoreInputs(finding=not_critical, rule=None)).impact == before.impact
