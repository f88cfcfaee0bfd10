"""``report --compare-to`` lists the journeys whose code changed since their last threat review,
read from the record ``threat-model --output`` wrote and the team committed."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from stackaudit.cli import build_app
from tests.governance.test_quarterly import _audit, _commit, _compare, _db, _git

RUNNER = CliRunner()
APP = """
from flask import Flask
from .pay import charge

app = Flask(__name__)


@app.post("/pay")
def pay():
    return charge(10)


@app.get("/about")
def about():
    return "about"
"""
PAY = "def charge(amount):\n    return amount\n"
CONFIG = """
[journeys.pay]
endpoints = ["POST /pay"]
critical = true

[journeys.about]
endpoints = ["GET /about"]
"""


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    files = {"svc/__init__.py": "\n", "svc/app.py": APP, "svc/pay.py": PAY, "stackaudit.toml": CONFIG}
    (repo / "svc").mkdir()
    _commit(repo, files, "v1")
    _audit(repo)
    return repo


def _review(repo: Path) -> None:
    args = [
        "threat-model",
        str(repo),
        "--db",
        _db(repo),
        "-f",
        "markdown",
        "-o",
        str(repo / "threat-model.md"),
    ]
    result = RUNNER.invoke(build_app(), args)
    assert result.exit_code == 0, result.output
    _commit(repo, {"threat-model.md": (repo / "threat-model.md").read_text()}, "threat review")


def test_changed_journey_is_listed_with_its_files(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _review(repo)
    _commit(repo, {"svc/pay.py": PAY.replace("return amount", "return amount * 2")}, "v2")
    _audit(repo)
    diff = _compare(repo, "previous")
    (pay,) = diff["journeys"]
    assert pay["name"] == "pay" and pay["changed_files"] == ["svc/pay.py"]
    assert pay["reviewed"] is not None and diff["journeys_note"] == ""


def test_unchanged_journeys_are_not_listed(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _review(repo)
    _commit(repo, {"README.md": "docs only\n"}, "v2")
    _audit(repo)
    assert _compare(repo, "previous")["journeys"] == []


def test_without_a_record_every_journey_is_never_reviewed(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _audit(repo)
    diff = _compare(repo, "previous")
    assert {j["name"]: j["reviewed"] for j in diff["journeys"]} == {"about": None, "pay": None}
    assert "no readable threat review record at threat-model.md" in diff["journeys_note"]
    md = repo.parent / "q.md"
    args = ["report", "latest", "--root", str(repo), "--db", _db(repo), "--compare-to", "previous"]
    result = RUNNER.invoke(build_app(), [*args, "-f", "markdown", "-o", str(md)])
    assert result.exit_code == 0, result.output
    assert "## Journeys whose code changed since their last threat review (2)" in md.read_text()
