"""Findings take their endpoint and auth from the map; scoring lowers admin-only reach."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from stackaudit.engine.score import ScoreInputs, score
from stackaudit.model import Category, Finding, Location, RuleMeta, Severity, TraceStep
from stackaudit.scope.attach import attach_endpoints
from tests.scope.helpers import write_app

APP = """
import requests
from fastapi import Depends, FastAPI
from .deps import get_admin_user, get_verified_user

app = FastAPI()

def probe(url):
    return requests.get(url, timeout=5)      # line 9: only the admin handler calls it

def shared(url):
    return requests.get(url, timeout=5)      # line 12: also called by a script

@app.post("/admin/test-connection")
def test_connection(url: str, user=Depends(get_admin_user)):
    return probe(url)

@app.post("/fetch")
def fetch(url: str, user=Depends(get_verified_user)):
    return shared(url)

@app.get("/open")
def open_page(url: str):
    return requests.get(url, timeout=5)      # line 24
"""
SCRIPT = """
from svc.main import shared

def main():
    shared("https://example.com")
"""
DEPS = "def get_admin_user(): ...\ndef get_verified_user(): ...\n"
RULE = RuleMeta(id="sec.ssrf", title="SSRF", category=Category.SECURITY, severity=Severity.HIGH, doc="d")


def _finding(line: int) -> Finding:
    return RULE.finding(Location("svc/main.py", line), "request to a URL from input", snippet=f"line {line}")


def _attached(tmp_path: Path) -> list[Finding]:
    scope = write_app(
        tmp_path, {"svc/__init__.py": "", "svc/main.py": APP, "svc/deps.py": DEPS, "tools/run.py": SCRIPT}
    )
    return attach_endpoints([_finding(9), _finding(12), _finding(24), _finding(2)], scope)


def test_findings_get_endpoint_and_auth(tmp_path: Path) -> None:
    helper, shared, open_page, module_level = _attached(tmp_path)
    assert (helper.endpoint, helper.prop("auth")) == ("POST /admin/test-connection", "admin")
    assert (shared.endpoint, shared.prop("auth")) == (None, None)  # a script calls it too
    assert (open_page.endpoint, open_page.prop("auth")) == ("GET /open", "anonymous")
    assert module_level.endpoint is None


def test_a_flow_takes_the_reach_of_the_handler_its_source_is_in(tmp_path: Path) -> None:
    scope = write_app(
        tmp_path, {"svc/__init__.py": "", "svc/main.py": APP, "svc/deps.py": DEPS, "tools/run.py": SCRIPT}
    )
    source = TraceStep(Location("svc/main.py", 16), "request parameter url", "source")
    sink = TraceStep(Location("svc/main.py", 12), "requests.get", "sink")
    flow = dataclasses.replace(_finding(12), trace=(source, sink))
    (attached,) = attach_endpoints([flow], scope)
    assert attached.prop("auth") == "admin"  # the sink's helper is shared; the source is admin-only


SHARED_HELPER = """
import requests
from fastapi import Depends, FastAPI
from .deps import get_admin_user

app = FastAPI()

def common(url):
    return requests.get(url, timeout=5)

@app.post("/admin/check")
def admin_check(url: str, user=Depends(get_admin_user)):
    return common(url)

@app.get("/public")
def public():
    return common("https://example.com")
"""


def test_a_flow_from_an_admin_handler_into_a_shared_helper_is_admin_only(tmp_path: Path) -> None:
    scope = write_app(tmp_path, {"svc/__init__.py": "", "svc/main.py": SHARED_HELPER, "svc/deps.py": DEPS})
    lines = SHARED_HELPER.splitlines()
    sink_line = next(i for i, t in enumerate(lines, 1) if "requests.get(url" in t)
    source_line = next(i for i, t in enumerate(lines, 1) if "def admin_check" in t)
    (plain,) = attach_endpoints([_finding(sink_line)], scope)
    assert plain.prop("auth") == "anonymous"  # without a flow: the most exposed caller decides
    source = TraceStep(Location("svc/main.py", source_line), "request parameter url", "source")
    sink = TraceStep(Location("svc/main.py", sink_line), "requests.get", "sink")
    (flow,) = attach_endpoints([dataclasses.replace(_finding(sink_line), trace=(source, sink))], scope)
    assert (flow.endpoint, flow.prop("auth")) == ("POST /admin/check", "admin")


def test_admin_only_reach_lowers_likelihood_with_its_reason(tmp_path: Path) -> None:
    helper, _, open_page, _ = _attached(tmp_path)
    admin, public = score(ScoreInputs(helper, RULE)), score(ScoreInputs(open_page, RULE))
    assert admin.likelihood.value == pytest.approx(round(public.likelihood.value * 0.27 / 0.85, 1), abs=0.11)
    assert any("only administrators reach this endpoint" in r for r in admin.likelihood.reasons)
    assert not any("reach this endpoint" in r for r in public.likelihood.reasons)


def test_signed_in_reach_lowers_likelihood_by_cvss_low_privileges() -> None:
    plain = _finding(9)
    signed = dataclasses.replace(plain, properties=(("auth", "authenticated"),), endpoint="POST /fetch")
    assert score(ScoreInputs(signed, RULE)).likelihood.value == pytest.approx(
        score(ScoreInputs(plain, RULE)).likelihood.value * 0.62 / 0.85, abs=0.11
    )
    assert signed.fingerprint == plain.fingerprint  # the endpoint is context, not identity


def test_the_map_label_with_every_prefix_replaces_a_partial_one(tmp_path: Path) -> None:
    scope = write_app(
        tmp_path, {"svc/__init__.py": "", "svc/main.py": APP, "svc/deps.py": DEPS, "tools/run.py": SCRIPT}
    )
    partial = dataclasses.replace(_finding(24), endpoint="GET open")  # what a one-module analyzer saw
    (attached,) = attach_endpoints([partial], scope)
    assert attached.endpoint == "GET /open"


def test_a_missing_audit_trail_on_an_admin_page_is_not_discounted() -> None:
    audit = RuleMeta(
        id="audit.missing-audit-event", title="t", category=Category.SECURITY, severity=Severity.LOW, doc="d"
    )
    plain = audit.finding(Location("svc/main.py", 9), "admin action with no audit event")
    admin = dataclasses.replace(plain, properties=(("auth", "admin"),))
    assert score(ScoreInputs(admin, audit)).likelihood == score(ScoreInputs(plain, audit)).likelihood


def test_reach_does_not_discount_attacks_on_the_pages_users() -> None:
    plain = dataclasses.replace(_finding(9), cwe=(79,))
    admin = dataclasses.replace(plain, properties=(("auth", "admin"),), endpoint="GET /staff/ticket")
    assert (
        score(ScoreInputs(admin, RULE)).likelihood.value == score(ScoreInputs(plain, RULE)).likelihood.value
    )
