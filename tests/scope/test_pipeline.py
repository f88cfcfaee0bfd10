"""The audit gives findings their endpoint and auth, and ranks admin-only reach lower."""

from __future__ import annotations

from pathlib import Path

from stackaudit.config.loader import load_config
from stackaudit.engine.pipeline import AuditOptions, run_audit
from tests.scope.helpers import write_app

APP = """
import requests
from fastapi import Depends, FastAPI
from .deps import get_admin_user

app = FastAPI()


@app.post("/admin/connections/verify")
def verify(url: str, user=Depends(get_admin_user)):
    return requests.get("https://status.example.com/check").status_code


@app.get("/weather")
def weather(city: str):
    return requests.get("https://weather.example.com/today").json()
"""


def test_audit_attaches_endpoint_and_auth_and_ranks_admin_lower(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    write_app(root, {"svc/__init__.py": "", "svc/main.py": APP, "svc/deps.py": "def get_admin_user(): ...\n"})
    options = AuditOptions(
        root=root,
        config=load_config(root),
        db_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        jobs=1,
        use_cache=False,
        only_analyzers=frozenset({"python-rules"}),
        record=False,
    )
    found = [a for a in run_audit(options).findings if a.finding.rule_id == "scale.no-timeout"]
    assert len(found) == 1  # one root cause (requests.get with no timeout) at two places
    group = found[0].finding
    assert group.endpoint in ("POST /admin/connections/verify", "GET /weather")
    assert group.prop("auth") == "anonymous"  # the most exposed of its places decides
    assert group.prop("endpoints") == "2"


def test_a_group_only_admins_reach_ranks_lower(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    admin_only = APP.replace(
        '@app.get("/weather")\ndef weather(city: str):',
        '@app.get("/weather")\ndef weather(city: str, user=Depends(get_admin_user)):',
    )
    write_app(
        root, {"svc/__init__.py": "", "svc/main.py": admin_only, "svc/deps.py": "def get_admin_user(): ...\n"}
    )
    options = AuditOptions(
        root=root,
        config=load_config(root),
        db_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        jobs=1,
        use_cache=False,
        only_analyzers=frozenset({"python-rules"}),
        record=False,
    )
    (item,) = [a for a in run_audit(options).findings if a.finding.rule_id == "scale.no-timeout"]
    assert item.finding.prop("auth") == "admin"
    assert any("only administrators reach this endpoint" in r for r in item.score.likelihood.reasons)
