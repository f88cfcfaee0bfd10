"""An audit marks findings behind a declared journey, and a critical journey raises their Impact
with its reason; the map goes with the result and a copy is kept for the dashboard."""

from __future__ import annotations

from pathlib import Path

from stackaudit.config.loader import load_config
from stackaudit.engine.pipeline import AuditOptions, run_audit
from stackaudit.model import AuditResult
from stackaudit.scope.stored import decode_map, map_key
from stackaudit.storage.store import Store
from stackaudit.threat.stored import decode_threats, threat_key
from tests.scope.helpers import write_app

APP = """
import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/preview")
def preview(link: str):
    return requests.get(link, timeout=5).text


@app.get("/fetch")
def fetch(link: str):
    return requests.get(link, timeout=5).text
"""


def _audit(tmp_path: Path, config: str) -> tuple[AuditResult, str]:
    root = tmp_path / "svc"
    write_app(root, {"svc/__init__.py": "", "svc/main.py": APP})
    (root / "stackaudit.toml").write_text(config, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    options = AuditOptions(
        root=root,
        config=load_config(root),
        db_url=db,
        jobs=1,
        use_cache=False,
        only_analyzers=frozenset({"taint"}),
    )
    return run_audit(options), db


def _by_endpoint(result: AuditResult) -> dict[str, list[object]]:
    out: dict[str, list[object]] = {}
    for a in result.findings:
        out.setdefault(a.finding.endpoint or "", []).append(a)
    return out


def test_critical_journey_marks_and_raises_impact(tmp_path: Path) -> None:
    cfg = '[journeys.share]\nendpoints = ["GET /preview"]\ncritical = true\n'
    marked, db = _audit(tmp_path / "a", cfg)
    plain, _ = _audit(tmp_path / "b", "")
    on = [a for a in marked.findings if a.finding.endpoint == "GET /preview"]
    off = [a for a in marked.findings if a.finding.endpoint == "GET /fetch"]
    assert on and off, [a.finding.endpoint for a in marked.findings]
    assert all(a.finding.prop("journey") == "share" for a in on)
    assert all(a.finding.prop("journey_critical") == "share" for a in on)
    assert all(a.finding.prop("journey") is None for a in off)
    assert all("on critical journey share" in a.score.impact.reasons for a in on)
    before = {a.finding.fingerprint: a.score.impact.value for a in plain.findings}
    for a in on:
        assert a.score.impact.value == min(10.0, before[a.finding.fingerprint] + 1)
    for a in off:
        assert a.score.impact.value == before[a.finding.fingerprint]
    # the map: on the result, and stored under the run id for the dashboard
    assert marked.service_map is not None
    assert {e.label for e in marked.service_map.endpoints} == {"GET /preview", "GET /fetch"}
    with Store.open(db) as store:
        payload = store.cache_get_many([map_key(marked.run.id)])[map_key(marked.run.id)]
        threats = store.cache_get_many([threat_key(marked.run.id)])[threat_key(marked.run.id)]
    assert decode_map(payload) == marked.service_map
    # the threat model of the declared journey, with this audit's findings as evidence
    model = marked.threat_model
    assert model is not None and decode_threats(threats) == model
    (journey,) = model.journeys
    assert journey.name == "share" and journey.critical
    ssrf = [t for t in journey.threats if t.element == "outbound:http" and t.stride.letter == "E"]
    assert ssrf and ssrf[0].status.label == "evidenced"
    assert {f.rule_id for f in ssrf[0].findings} == {"sec.ssrf"}
    assert plain.threat_model is None  # no journey declared: no model in the audit


def test_report_of_a_stored_run_draws_its_map_and_threats(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from stackaudit.cli import build_app

    cfg = '[journeys.share]\nendpoints = ["GET /preview"]\n'
    _audit(tmp_path, cfg)
    out = tmp_path / "r.html"
    args = [
        "report",
        "latest",
        "--root",
        str(tmp_path / "svc"),
        "--db",
        f"sqlite:///{tmp_path / 'db.sqlite'}",
    ]
    result = CliRunner().invoke(build_app(), [*args, "-f", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert '<section id="map">' in page and '<section id="threats">' in page
    assert "Journey share" in page
