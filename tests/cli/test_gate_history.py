"""The gate on a scripted git history: line shifts, a new finding, a fixed one, a reopened one."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from stackaudit.cli import build_app

RUNNER = CliRunner()
HEADER = "import requests\n\n\ndef fetch(a, b, c):\n"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def _commit(repo: Path, body: str, message: str) -> str:
    (repo / "app.py").write_text(HEADER + body)
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message)
    return _git(repo, "rev-parse", "HEAD")


def _cli(repo: Path, *args: str) -> tuple[int, dict]:
    out = repo.parent / "report.json"
    result = RUNNER.invoke(
        build_app(),
        [
            *args,
            str(repo),
            "--only",
            "python-rules",
            "--fail-on",
            "low",
            "-f",
            "json",
            "-o",
            str(out),
            "--db",
            f"sqlite:///{repo.parent / 'h.db'}",
        ],
    )
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(out.read_text())


def _no_timeout(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["rule_id"] == "scale.no-timeout"]


def test_gate_follows_identity_not_lines(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    base = _commit(repo, "    return requests.get(a)\n", "base")
    code, report = _cli(repo, "audit")
    assert code == 1 and len(_no_timeout(report)) == 1
    assert _no_timeout(report)[0]["status"] == "new"

    # 1. moving code down the file does not make its finding new
    _commit(repo, "    x = 1\n" * 12 + "    return requests.get(a)\n", "shift")
    code, report = _cli(repo, "gate", "--baseline", base)
    assert code == 0, report["gate"]
    assert _no_timeout(report)[0]["status"] == "open"

    # 2. a new finding on the same line as the old one counts as new; another call of the
    #    same target is the same root cause: one finding, its places listed (issue 8)
    _commit(repo, "    x = 1\n" * 12 + "    return requests.get(a), requests.post(b)\n", "same line")
    code, report = _cli(repo, "gate", "--baseline", base)
    assert code == 1
    assert report["gate"]["new_findings"] == 1
    assert [f["snippet"] for f in _no_timeout(report) if f["status"] == "new"] == ["requests.post(b)"]
    _commit(repo, "    x = 1\n" * 12 + "    return requests.get(a), requests.get(b)\n", "same target")
    code, report = _cli(repo, "gate", "--baseline", base)
    assert code == 0 and [len(f["related"]) for f in _no_timeout(report)] == [1]

    # 3. fixed, then back: reopened
    _commit(repo, "    return requests.get(b, timeout=5)\n", "fix")
    code, report = _cli(repo, "audit")
    assert {f["rule_id"] for f in report["fixed"]} == {"scale.no-timeout"}
    _commit(repo, "    return requests.get(a)\n", "regress")
    code, report = _cli(repo, "audit")
    assert [f["status"] for f in _no_timeout(report)] == ["reopened"]
    code, report = _cli(repo, "gate", "--baseline", "HEAD~1")
    assert code == 1 and report["gate"]["new_findings"] == 1


def test_gate_against_a_baseline_file(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text(HEADER + "    return requests.get(a)\n")
    _, report = _cli(repo, "audit")
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(report))
    code, report = _cli(repo, "gate", "--baseline", str(baseline))
    assert code == 0 and report["gate"]["passed"]
