"""The audit gives findings their endpoint and auth, and ranks admin-only security reach lower."""

from __future__ import annotations

from pathlib import Path

from stackaudit.config.loader import load_config
from stackaudit.engine.pipeline import AuditOptions, run_audit
from stackaudit.model import Assessment
from tests.scope.helpers import write_app

APP = """
import requests
from fastapi import Depends, FastAPI
from .deps import get_admin_user

app = FastAPI()


@app.post("/admin/connections/verify")
def verify(url: str, user=Depends(get_admin_user)):
    return requests.get(url, timeout=5).status_code


@app.get("/preview")
def preview(link: str):
    return requests.get(link, timeout=5).text


@app.get("/weather")
def weather(city: str, user=Depends(get_admin_user)):
    return requests.get("https://weather.example.com/today").json()
"""


def _audit(tmp_path: Path, analyzers: set[str]) -> list[Assessment]:
    root = tmp_path / "svc"
    write_app(root, {"svc/__init__.py": "", "svc/main.py": APP, "svc/deps.py": "def get_admin_user(): ...\n"})
    options = AuditOptions(
        root=root,
        config=load_config(root),
        db_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        jobs=1,
        use_cache=False,
        only_analyzers=frozenset(analyzers),
        record=False,
    )
    return list(run_audit(options).findings)


def test_admin_only_security_findings_rank_lower_with_the_reason(tmp_path: Path) -> None:
    ssrf = {a.finding.endpoint: a for a in _audit(tmp_path, {"taint"}) if a.finding.rule_id == "sec.ssrf"}
    admin, public = ssrf["POST /admin/connections/verify"], ssrf["GET /preview"]
    assert admin.finding.prop("auth") == "admin" and public.finding.prop("auth") == "anonymous"
    assert admin.score.likelihood.value == round(public.score.likelihood.value * 0.27 / 0.85, 1)
    assert any("only administrators reach this endpoint" in r for r in admin.score.likelihood.reasons)


def test_performance_findings_get_the_endpoint_but_keep_their_likelihood(tmp_path: Path) -> None:
    (item,) = [a for a in _audit(tmp_path, {"python-rules"}) if a.finding.rule_id == "scale.no-timeout"]
    assert item.finding.endpoint == "GET /weather" and item.finding.prop("auth") == "admin"
    assert not any("reach this endpoint" in r for r in item.score.likelihood.reasons)
