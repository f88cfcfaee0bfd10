"""report / history / triage over the store, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from stackaudit.cli import build_app

RUNNER = CliRunner()


def _invoke(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(build_app(), list(args))
    return result.exit_code, result.output


def _audit(repo: Path, db: str, out: Path) -> tuple[int, dict]:
    code, output = _invoke(
        "audit",
        str(repo),
        "--only",
        "python-rules",
        "--db",
        db,
        "--fail-on",
        "medium",
        "-f",
        "json",
        "-o",
        str(out),
    )
    assert code in (0, 1), output
    return code, json.loads(out.read_text())


def test_accept_then_expire_then_report(tmp_path: Path) -> None:
    repo = tmp_path / "svc"
    repo.mkdir()
    (repo / "client.py").write_text("import requests\n\n\ndef ping(url):\n    return requests.get(url)\n")
    db = f"sqlite:///{tmp_path / 'h.db'}"
    code, first = _audit(repo, db, tmp_path / "1.json")
    finding = next(f for f in first["findings"] if f["rule_id"] == "scale.no-timeout")
    assert code == 1

    code, out = _invoke(
        "triage", finding["fingerprint"], "--accept-until", "2099-01-01", "--root", str(repo), "--db", db
    )
    assert code == 2 and "--by and --reason" in out
    code, out = _invoke(
        "triage",
        finding["fingerprint"],
        "--accept-until",
        "2099-01-01",
        "--by",
        "ana",
        "--reason",
        "internal health check",
        "--root",
        str(repo),
        "--db",
        db,
    )
    assert code == 0, out
    code, second = _audit(repo, db, tmp_path / "2.json")
    assert code == 0
    accepted = [f for f in second["suppressed"] if f["fingerprint"] == finding["fingerprint"]]
    assert accepted and accepted[0]["status"] == "accepted" and "ana" in accepted[0]["suppression"]

    code, out = _invoke(
        "triage",
        finding["fingerprint"],
        "--accept-until",
        "2020-01-01",
        "--by",
        "ana",
        "--reason",
        "expired",
        "--root",
        str(repo),
        "--db",
        db,
    )
    code, third = _audit(repo, db, tmp_path / "3.json")
    assert code == 1 and finding["fingerprint"] in {f["fingerprint"] for f in third["findings"]}

    code, out = _invoke("report", "latest", "-f", "json", "--root", str(repo), "--db", db)
    assert code == 0 and json.loads(out)["run"]["id"] == third["run"]["id"]
    code, out = _invoke("history", "--root", str(repo), "--db", db)
    assert code == 0 and out.count(third["run"]["id"][:12]) == 1 and first["run"]["id"][:12] in out


def test_report_of_unknown_run(tmp_path: Path) -> None:
    code, out = _invoke(
        "report", "deadbeef", "--root", str(tmp_path), "--db", f"sqlite:///{tmp_path / 'x.db'}"
    )
    assert code == 2 and "no history store at" in out and "x.db" in out
    assert not (tmp_path / "x.db").exists()  # a read-only command never creates a store
