"""STRIDE derivations on a small Flask app: each threat with a positive fixture (it applies, open
or evidenced) and a negative one (a control mitigates it, or it does not apply)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.model import Assessment
from stackaudit.scope.build import Scope
from stackaudit.threat.build import WHOLE_SERVICE, build
from stackaudit.threat.journeys import Journey
from stackaudit.threat.model import JourneyModel, Stride, Threat, ThreatStatus
from tests.scope.helpers import write_app
from tests.threat.helpers import assessment

APP = """
import requests
from celery import shared_task
from flask import Flask, request
from flask_limiter import Limiter
from flask_login import login_required
from .db import Session
from .perms import admin_required

app = Flask(__name__)
limiter = Limiter(app)


@shared_task
def send_receipt(order_id):
    return order_id


@app.get("/public")
def public():
    return Session().query("x").all()


@app.get("/mine")
@login_required
def mine():
    return "mine"


@app.post("/admin/purge")
@admin_required
def purge():
    audit_log.info("purged by %s", request.remote_addr)
    return "ok"


@app.post("/login")
@limiter.limit("5/minute")
def login():
    return "ok"


@app.post("/orders")
def create_order():
    send_receipt.delay(1)
    return "created"


@app.get("/rates")
def rates():
    return requests.get("https://api.rates.example.com/today", timeout=5).json()


@app.get("/fetch")
def fetch():
    return requests.get(request.args["url"], timeout=5).text
"""
DB = """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("sqlite://")
Session = sessionmaker(bind=engine)
"""
PERMS = """
def admin_required(f):
    return f
"""


@pytest.fixture(scope="module")
def scope(tmp_path_factory: pytest.TempPathFactory) -> Scope:
    root = tmp_path_factory.mktemp("app")
    return write_app(
        root, {"app/__init__.py": "", "app/main.py": APP, "app/db.py": DB, "app/perms.py": PERMS}
    )


def _model(scope: Scope, findings: list[Assessment] | None = None) -> JourneyModel:
    smap = scope.service_map()
    return build(scope, smap, [], findings or [], "test", "2026-12-08").journeys[0]


def _threat(model: JourneyModel, element: str, stride: Stride) -> Threat | None:
    found = [t for t in model.threats if t.element == element and t.stride is stride]
    assert len(found) <= 1
    return found[0] if found else None


def _status(model: JourneyModel, element: str, stride: Stride) -> ThreatStatus | None:
    t = _threat(model, element, stride)
    return t.status if t else None


def test_whole_service_when_no_journey(scope: Scope) -> None:
    model = _model(scope)
    assert model.name == WHOLE_SERVICE and not model.declared
    assert {e.key for e in model.elements if e.kind == "endpoint"} == {e.label for e in scope.endpoints}


def test_spoofing_open_on_anonymous_mitigated_by_auth(scope: Scope) -> None:
    model = _model(scope)
    assert _status(model, "GET /public", Stride.SPOOFING) is ThreatStatus.OPEN
    assert _status(model, "GET /mine", Stride.SPOOFING) is ThreatStatus.MITIGATED
    mine = _threat(model, "GET /mine", Stride.SPOOFING)
    assert mine is not None and "login_required" in mine.mitigation


def test_elevation_open_unless_admin_only(scope: Scope) -> None:
    model = _model(scope)
    assert _status(model, "GET /public", Stride.ELEVATION_OF_PRIVILEGE) is ThreatStatus.OPEN
    assert _status(model, "POST /admin/purge", Stride.ELEVATION_OF_PRIVILEGE) is ThreatStatus.MITIGATED


def test_denial_of_service_mitigated_only_by_a_rate_limit(scope: Scope) -> None:
    model = _model(scope)
    assert _status(model, "POST /login", Stride.DENIAL_OF_SERVICE) is ThreatStatus.MITIGATED
    login = _threat(model, "POST /login", Stride.DENIAL_OF_SERVICE)
    assert login is not None and "limiter.limit" in login.mitigation
    assert _status(model, "GET /public", Stride.DENIAL_OF_SERVICE) is ThreatStatus.OPEN


def test_app_wide_limiter_mitigates_every_endpoint(tmp_path: Path) -> None:
    app = APP.replace("limiter = Limiter(app)", 'limiter = Limiter(app, default_limits=["100/hour"])')
    scope = write_app(
        tmp_path, {"app/__init__.py": "", "app/main.py": app, "app/db.py": DB, "app/perms.py": PERMS}
    )
    model = _model(scope)
    assert _status(model, "GET /public", Stride.DENIAL_OF_SERVICE) is ThreatStatus.MITIGATED


def test_repudiation_only_for_writes_mitigated_by_an_audit_event(scope: Scope) -> None:
    model = _model(scope)
    assert _status(model, "POST /orders", Stride.REPUDIATION) is ThreatStatus.OPEN
    assert _status(model, "POST /admin/purge", Stride.REPUDIATION) is ThreatStatus.MITIGATED
    assert _status(model, "GET /public", Stride.REPUDIATION) is None


def test_datastore_reached_gets_tampering_and_disclosure(scope: Scope) -> None:
    model = _model(scope)
    stores = [e for e in model.elements if e.kind == "datastore"]
    assert len(stores) == 1
    key = stores[0].key
    assert _status(model, key, Stride.TAMPERING) is ThreatStatus.OPEN
    assert _status(model, key, Stride.INFORMATION_DISCLOSURE) is ThreatStatus.OPEN
    assert _status(model, key, Stride.DENIAL_OF_SERVICE) is None


def test_journey_without_the_store_has_no_store_threats(scope: Scope) -> None:
    smap = scope.service_map()
    j = build(scope, smap, [Journey("login", ("POST /login",))], [], "t", "2026-12-08").journeys[0]
    assert [e.kind for e in j.elements] == ["endpoint"]
    assert not any(t.element.startswith("datastore:") for t in j.threats)


def test_outbound_fixed_https_host_mitigates_ssrf_and_disclosure(scope: Scope) -> None:
    model = _model(scope)
    fixed = "outbound:https://api.rates.example.com"
    assert _status(model, fixed, Stride.ELEVATION_OF_PRIVILEGE) is ThreatStatus.MITIGATED
    assert _status(model, fixed, Stride.INFORMATION_DISCLOSURE) is ThreatStatus.MITIGATED
    variable = [e.key for e in model.elements if e.kind == "outbound" and "://" not in e.key]
    assert variable, model.elements
    assert _status(model, variable[0], Stride.ELEVATION_OF_PRIVILEGE) is ThreatStatus.OPEN


def test_queue_gets_tampering_and_denial_of_service(scope: Scope) -> None:
    model = _model(scope)
    assert _status(model, "queue:celery:send_receipt", Stride.TAMPERING) is ThreatStatus.OPEN
    assert _status(model, "queue:celery:send_receipt", Stride.DENIAL_OF_SERVICE) is ThreatStatus.OPEN
    assert _status(model, "queue:celery:send_receipt", Stride.SPOOFING) is None


def test_findings_on_the_endpoint_evidence_the_matching_threat_only(scope: Scope) -> None:
    findings = [
        assessment("perf.unpaginated-list", "app/main.py", 21, endpoint="GET /public", score=40),
        assessment("perf.n-plus-one", "app/main.py", 21, endpoint="GET /mine", score=30),
        assessment("sec.weak-random", "app/main.py", 21, endpoint="GET /public"),  # no STRIDE check
    ]
    model = _model(scope, findings)
    dos = _threat(model, "GET /public", Stride.DENIAL_OF_SERVICE)
    assert dos is not None and dos.status is ThreatStatus.EVIDENCED
    assert [f.rule_id for f in dos.findings] == ["perf.unpaginated-list"]
    # A mitigated threat with a finding is evidenced: the finding outranks the control seen.
    assert _status(model, "GET /mine", Stride.DENIAL_OF_SERVICE) is ThreatStatus.EVIDENCED
    assert _status(model, "GET /public", Stride.SPOOFING) is ThreatStatus.OPEN


def test_finding_in_the_function_that_uses_the_store_evidences_its_threats(scope: Scope) -> None:
    model_key = next(e.key for e in _model(scope).elements if e.kind == "datastore")
    inside = assessment("sec.sql-injection", "app/main.py", 21)  # in public(), which queries
    elsewhere = assessment("sec.sql-injection", "app/main.py", 33)  # in purge(): no store use
    model = _model(scope, [inside, elsewhere])
    tampering = _threat(model, model_key, Stride.TAMPERING)
    assert tampering is not None and tampering.status is ThreatStatus.EVIDENCED
    assert [(f.path, f.line) for f in tampering.findings] == [("app/main.py", 21)]


def test_output_is_deterministic(scope: Scope) -> None:
    findings = [assessment("perf.unpaginated-list", "app/main.py", 21, endpoint="GET /public")]
    assert _model(scope, findings) == _model(scope, list(reversed(findings)))


DJANGOSHOP = Path(__file__).resolve().parents[1] / "scope" / "fixtures" / "djangoshop"


def _djangoshop(tmp_path: Path, api: str | None = None, settings: str | None = None) -> JourneyModel:
    import shutil

    from stackaudit.scope.build import load_scope

    root = tmp_path / "djangoshop"
    shutil.copytree(DJANGOSHOP, root)
    for rel, text in (("library/api.py", api), ("config/settings.py", settings)):
        if text is not None:
            (root / rel).write_text(text, encoding="utf-8")
    scope = load_scope(root, [str(p.relative_to(root)) for p in root.rglob("*.py")])
    return _model(scope)


def test_drf_throttle_classes_on_a_viewset_mitigate_its_actions(tmp_path: Path) -> None:
    api = (DJANGOSHOP / "library" / "api.py").read_text(encoding="utf-8")
    assert "    permission_classes = [IsAuthenticatedOrReadOnly]\n" in api
    throttled = api.replace(
        "    permission_classes = [IsAuthenticatedOrReadOnly]\n",
        "    permission_classes = [IsAuthenticatedOrReadOnly]\n    throttle_classes = [UserRateThrottle]\n",
    )
    model = _djangoshop(tmp_path / "a", api=throttled)
    assert _status(model, "POST /api/books/", Stride.DENIAL_OF_SERVICE) is ThreatStatus.MITIGATED
    assert _status(model, "GET /api/authors/", Stride.DENIAL_OF_SERVICE) is ThreatStatus.OPEN
    plain = _djangoshop(tmp_path / "b")
    assert _status(plain, "POST /api/books/", Stride.DENIAL_OF_SERVICE) is ThreatStatus.OPEN


def test_drf_default_throttle_in_settings_mitigates_every_endpoint(tmp_path: Path) -> None:
    settings = (DJANGOSHOP / "config" / "settings.py").read_text(encoding="utf-8")
    extra = '\nREST_FRAMEWORK_THROTTLES = {"DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"]}\n'
    model = _djangoshop(tmp_path, settings=settings + extra)
    dos = _threat(model, "GET /api/authors/", Stride.DENIAL_OF_SERVICE)
    assert dos is not None and dos.status is ThreatStatus.MITIGATED
    assert "DEFAULT_THROTTLE_CLASSES in config/settings.py" in dos.mitigation


def test_csrf_open_on_cookie_writes_mitigated_by_app_protection(tmp_path: Path) -> None:
    plain = _model(
        write_app(
            tmp_path / "a",
            {"app/__init__.py": "", "app/main.py": APP, "app/db.py": DB, "app/perms.py": PERMS},
        )
    )
    assert _status(plain, "POST /orders", Stride.TAMPERING) is ThreatStatus.OPEN
    assert _status(plain, "GET /public", Stride.TAMPERING) is None  # reads only
    protected = APP.replace(
        "limiter = Limiter(app)",
        "limiter = Limiter(app)\nfrom flask_wtf.csrf import CSRFProtect\nCSRFProtect(app)",
    )
    exempt = protected.replace('@app.post("/login")', '@app.post("/login")\n@csrf.exempt\n@csrf_exempt')
    model = _model(
        write_app(
            tmp_path / "b",
            {"app/__init__.py": "", "app/main.py": exempt, "app/db.py": DB, "app/perms.py": PERMS},
        )
    )
    orders = _threat(model, "POST /orders", Stride.TAMPERING)
    assert (
        orders is not None and orders.status is ThreatStatus.MITIGATED and "CSRFProtect" in orders.mitigation
    )
    assert _status(model, "POST /login", Stride.TAMPERING) is ThreatStatus.OPEN  # exempt from it


def test_django_csrf_middleware_mitigates_writes(tmp_path: Path) -> None:
    settings = (DJANGOSHOP / "config" / "settings.py").read_text(encoding="utf-8")
    with_mw = settings + '\nMIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]\n'
    assert _status(_djangoshop(tmp_path / "a", settings=with_mw), "POST /api/books/", Stride.TAMPERING) is (
        ThreatStatus.MITIGATED
    )
    assert _status(_djangoshop(tmp_path / "b"), "POST /api/books/", Stride.TAMPERING) is ThreatStatus.OPEN
