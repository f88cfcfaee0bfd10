"""``stackaudit dast`` end to end, and the DAST inside ``stackaudit audit`` (only when configured)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from stackaudit.cli import build_app
from stackaudit.config.schema import Config
from stackaudit.engine.pipeline import AuditOptions, run_audit
from stackaudit.model import AnalyzerState
from tests.dast import flask_apps, servers
from tests.dast.test_apps import FLASK_PLANTED
from tests.dast.test_guard import Counting

RUNNER = CliRunner()


def _project(tmp_path: Path, config: str = "") -> Path:
    repo = tmp_path / "repo"
    repo.mkdir(parents=True)
    (repo / "app.py").write_text("VALUE = 1\n")
    (repo / "openapi.json").write_text(json.dumps(flask_apps.OPENAPI))
    (repo / "stackaudit.toml").write_text(config)
    return repo


def _rule_ids(report: dict[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("rule_id"), str):
                found.add(node["rule_id"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(report["findings"])
    return found


def test_the_command_reports_every_planted_problem(tmp_path: Path) -> None:
    repo = _project(tmp_path)
    out = tmp_path / "dast.json"
    db = f"sqlite:///{tmp_path / 'store.db'}"
    with servers.wsgi(flask_apps.vulnerable()) as url:
        args = ["dast", "--target", url, "--openapi", str(repo / "openapi.json"), "--path", str(repo)]
        result = RUNNER.invoke(build_app(), [*args, "-f", "json", "-o", str(out), "--db", db])
    assert result.exit_code == 1, result.output  # HIGH findings fail the default gate
    report = json.loads(out.read_text())
    assert _rule_ids(report) == FLASK_PLANTED
    dast = [a for a in report["run"]["analyzers"] if a["name"] == "dast"]
    assert dast and dast[0]["state"] == "ok"


def test_the_command_exits_2_on_a_down_target(tmp_path: Path) -> None:
    repo = _project(tmp_path)
    url = f"http://127.0.0.1:{servers.free_port()}"
    result = RUNNER.invoke(
        build_app(), ["dast", "--target", url, "--path", str(repo), "--db", f"sqlite:///{tmp_path / 's.db'}"]
    )
    assert result.exit_code == 2
    assert "not reachable" in result.output


def test_the_command_refuses_a_target_that_is_not_a_web_url(tmp_path: Path) -> None:
    repo = _project(tmp_path)
    result = RUNNER.invoke(build_app(), ["dast", "--target", "file:///etc/passwd", "--path", str(repo)])
    assert result.exit_code == 2
    assert "http:// or https://" in result.output


def test_explain_knows_the_dast_rules() -> None:
    result = RUNNER.invoke(build_app(), ["explain", "dast.cors-reflected-origin"])
    assert result.exit_code == 0
    assert "Access-Control-Allow-Credentials" in result.output


def test_the_audit_runs_the_dast_only_when_a_target_is_configured(tmp_path: Path) -> None:
    logging.getLogger("werkzeug").disabled = True
    app = Counting(flask_apps.vulnerable())
    with servers.wsgi(app) as url:
        quiet = _project(tmp_path / "a")
        done = run_audit(
            AuditOptions(root=quiet, config=Config(), only_analyzers=frozenset({"dast"}), record=False)
        )
        assert app.count == 0
        assert [r.state for r in done.run.analyzers if r.name == "dast"] == [AnalyzerState.SKIPPED]

        toml = f'[dast]\ntarget = "{url}"\nopenapi = "openapi.json"\nmax_requests = 100\n'
        repo = _project(tmp_path / "b", toml)
        from stackaudit.config.loader import load

        config = load(repo, None).config
        chosen = frozenset({"dast", "python-rules"})
        done = run_audit(AuditOptions(root=repo, config=config, only_analyzers=chosen, record=False))
    assert 0 < app.count <= 100
    assert {
        a.finding.rule_id for a in done.findings if a.finding.rule_id.startswith("dast.")
    } == FLASK_PLANTED
    assert all(
        a.finding.location.path == "stackaudit.toml"
        for a in done.findings
        if a.finding.tool == "stackaudit-dast"
    )
