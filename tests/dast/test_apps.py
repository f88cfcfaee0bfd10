"""The DAST against real apps on 127.0.0.1: planted problems found, clean twins silent.

Each app runs in a thread (werkzeug for Flask, uvicorn for FastAPI); the rule set found on
each must equal the planted set exactly. The scorer prints precision and recall over all
apps, with the requests and seconds each scan took.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from stackaudit.dast.run import DastOptions, DastOutcome, run_dast
from stackaudit.model import Location
from tests.dast import fastapi_apps, flask_apps, servers

FLASK_PLANTED = {
    "dast.missing-nosniff",
    "dast.missing-csp",
    "dast.missing-frame-options",
    "dast.missing-referrer-policy",
    "dast.cookie-not-httponly",
    "dast.cookie-no-samesite",
    "dast.cors-reflected-origin",
    "dast.trace-enabled",
    "dast.debug-page",
    "dast.version-banner",
    "dast.unauthenticated-access",
    "dast.server-error",
}
FASTAPI_PLANTED = {
    "dast.missing-nosniff",
    "dast.cookie-not-httponly",
    "dast.cookie-no-samesite",
    "dast.cors-wildcard-credentials",
    "dast.stack-trace",
    "dast.unauthenticated-access",
    "dast.server-error",
    "dast.schema-violation",
}
HTTPS_ONLY = {"dast.missing-hsts", "dast.cookie-not-secure"}
EXAMPLES = 5  # Schemathesis examples per operation: the boundary cases come first anyway


def _scan(server: AbstractContextManager[str], **extra: object) -> DastOutcome:
    with server as url:
        options = DastOptions(url, examples=EXAMPLES, max_requests=200, timeout=60, **extra)  # type: ignore[arg-type]
        return run_dast(options, Location("."))


@pytest.fixture(scope="module")
def flask_doc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_text(json.dumps(flask_apps.OPENAPI))
    return path


@pytest.fixture(scope="module")
def outcomes(flask_doc: Path, tls_pair: tuple[str, str]) -> Iterator[dict[str, DastOutcome]]:
    logging.getLogger("uvicorn.error").disabled = True  # the planted 500s log tracebacks
    yield {
        "flask": _scan(servers.wsgi(flask_apps.vulnerable()), openapi=flask_doc),
        "flask-clean": _scan(servers.wsgi(flask_apps.clean(), banner=False), openapi=flask_doc),
        "flask-tls": _scan(
            servers.wsgi(flask_apps.vulnerable(), tls=tls_pair), openapi=flask_doc, verify_tls=False
        ),
        "flask-tls-clean": _scan(
            servers.wsgi(flask_apps.clean(), banner=False, tls=tls_pair), openapi=flask_doc, verify_tls=False
        ),
        "fastapi": _scan(servers.asgi(fastapi_apps.vulnerable()), fetch_openapi=True),
        "fastapi-clean": _scan(servers.asgi(fastapi_apps.clean()), fetch_openapi=True),
    }
    logging.getLogger("uvicorn.error").disabled = False


EXPECTED = {
    "flask": FLASK_PLANTED,
    "flask-clean": set(),
    "flask-tls": FLASK_PLANTED | HTTPS_ONLY,
    "flask-tls-clean": set(),
    "fastapi": FASTAPI_PLANTED,
    "fastapi-clean": set(),
}


def test_precision_and_recall_over_the_apps(outcomes: dict[str, DastOutcome]) -> None:
    tp = fp = fn = 0
    for name, expected in EXPECTED.items():
        out = outcomes[name]
        found = {f.rule_id for f in out.findings}
        tp, fp, fn = tp + len(found & expected), fp + len(found - expected), fn + len(expected - found)
        print(f"{name:16} findings {len(out.findings):2}  requests {out.requests:3}  {out.seconds:5.2f}s")
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(
        f"DAST rules on the test apps: precision {precision:.3f}  recall {recall:.3f}  (tp {tp} fp {fp} fn {fn})"
    )
    assert (precision, recall) == (1.0, 1.0)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_exact_rule_set_per_app(outcomes: dict[str, DastOutcome], name: str) -> None:
    out = outcomes[name]
    assert {f.rule_id for f in out.findings} == EXPECTED[name]
    assert out.reachable and not out.not_analysed and not out.refused


def test_findings_name_the_operation(outcomes: dict[str, DastOutcome]) -> None:
    by_rule = {f.rule_id: f for f in outcomes["fastapi"].findings}
    assert by_rule["dast.server-error"].endpoint == "GET /items/{item_id}"
    assert "GET /items/0" in by_rule["dast.server-error"].message
    assert by_rule["dast.schema-violation"].endpoint == "GET /stats"
    assert by_rule["dast.unauthenticated-access"].endpoint == "GET /users/me"
    assert by_rule["dast.stack-trace"].endpoint == "GET /items/{item_id}"
    flask = {f.rule_id: f for f in outcomes["flask"].findings}
    assert flask["dast.debug-page"].endpoint == "GET /api/items/{item_id}"


def test_no_cookie_value_in_any_finding(outcomes: dict[str, DastOutcome]) -> None:
    for out in outcomes.values():
        for finding in out.findings:
            text = f"{finding.message} {finding.snippet} {finding.properties}"
            assert "s3cr3t-session-value" not in text and "t0ken-value" not in text


def test_same_problem_same_fingerprint_on_a_rescan(outcomes: dict[str, DastOutcome], flask_doc: Path) -> None:
    """Identity is the target, the rule and the key, not counts or generated values."""
    with servers.wsgi(flask_apps.vulnerable()) as url:
        first = run_dast(DastOptions(url, openapi=flask_doc, examples=EXAMPLES), Location("."))
        again = run_dast(DastOptions(url, openapi=flask_doc, examples=EXAMPLES), Location("."))
    assert {f.fingerprint for f in first.findings} == {f.fingerprint for f in again.findings}
