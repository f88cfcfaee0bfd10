"""``report --compare-to``: the quarterly diff on a scripted git history, by run, date and git ref."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stackaudit.cli import build_app
from stackaudit.governance.quarterly import bucket, evidence_changes
from stackaudit.model import Evidence, EvidenceKind, Severity

RUNNER = CliRunner()
OLD = "import requests\n\n\ndef old(a):\n    return requests.put(a)\n"
KEEP = "import requests\n\n\ndef keep(a):\n    return requests.get(a)\n"  # one finding per call target
NEW = "import requests\n\n\ndef new(a):\n    return requests.post(a, data={})\n"
HOSTILE = '<script>alert(1)</script>"onerror=x'


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def _commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, body in files.items():
        path = repo / name
        if body:
            path.write_text(body)
        else:
            path.unlink()
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message)
    return _git(repo, "rev-parse", "HEAD")


def _db(repo: Path) -> str:
    return f"sqlite:///{repo.parent / 'h.db'}"


def _audit(repo: Path) -> None:
    args = ["audit", str(repo), "--only", "python-rules", "--fail-on", "none", "--db", _db(repo)]
    result = RUNNER.invoke(build_app(), args)
    assert result.exit_code == 0, result.output


def _compare(repo: Path, ref: str, *extra: str, db: str | None = None) -> dict:
    out = repo.parent / "q.json"
    args = ["report", "latest", "--root", str(repo), "--db", db or _db(repo), "--compare-to", ref]
    result = RUNNER.invoke(build_app(), [*args, "-f", "json", "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def _rules(rows: list[dict]) -> set[tuple[str, str]]:
    return {(r["rule_id"], r["path"]) for r in rows}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _commit(repo, {"old.py": OLD, "keep.py": KEEP}, "v1")
    _audit(repo)
    _commit(repo, {"old.py": "", "new.py": NEW}, "v2")
    _audit(repo)
    return repo


def test_compare_to_previous_run_lists_new_and_retired(repo: Path) -> None:
    diff = _compare(repo, "previous")
    assert ("scale.no-timeout", "new.py") in _rules(diff["new"])
    assert ("scale.no-timeout", "old.py") in _rules(diff["retired"])
    # a risk present at both points is neither new nor retired
    assert all(r["path"] != "keep.py" for r in diff["new"] + diff["retired"])


def test_compare_to_a_date_and_a_git_ref(repo: Path) -> None:
    by_date = _compare(repo, (date.today() + timedelta(days=1)).isoformat())  # the newest run by then: itself
    assert by_date["new"] == [] and by_date["retired"] == []
    first = _git(repo, "rev-parse", "HEAD~1")
    by_ref = _compare(repo, "HEAD~1")
    assert by_ref["baseline"]["commit"] == first
    assert ("scale.no-timeout", "old.py") in _rules(by_ref["retired"])


def test_git_ref_with_no_stored_run_is_audited_from_git(repo: Path, tmp_path: Path) -> None:
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    args = ["audit", str(repo), "--only", "python-rules", "--fail-on", "none", "--db", fresh]
    assert RUNNER.invoke(build_app(), args).exit_code == 0  # only v2 is stored here
    diff = _compare(repo, "HEAD~1", db=fresh)
    assert "audited from git" in diff["baseline_label"]
    assert ("scale.no-timeout", "new.py") in _rules(diff["new"])
    assert ("scale.no-timeout", "old.py") in _rules(diff["retired"])


def test_acceptance_ending_soon_is_listed(repo: Path) -> None:
    report = repo.parent / "r.json"
    args = ["report", "latest", "--root", str(repo), "--db", _db(repo), "-f", "json", "-o", str(report)]
    assert RUNNER.invoke(build_app(), args).exit_code == 0
    fp = next(
        f["fingerprint"]
        for f in json.loads(report.read_text())["findings"]
        if f["location"]["path"] == "keep.py"
    )
    soon = (date.today() + timedelta(days=10)).isoformat()
    triage = ["triage", fp, "--accept-until", soon, "--by", "ana", "--reason", HOSTILE]
    assert RUNNER.invoke(build_app(), [*triage, "--root", str(repo), "--db", _db(repo)]).exit_code == 0
    diff = _compare(repo, "previous")
    assert [(e["fingerprint"], e["until"], e["expired"]) for e in diff["expiring"]] == [(fp, soon, False)]
    assert _compare(repo, "previous", "--ahead-days", "5")["expiring"] == []


def test_markdown_and_html_escape_repository_strings(repo: Path) -> None:
    report = repo.parent / "r.json"
    args = ["report", "latest", "--root", str(repo), "--db", _db(repo), "-f", "json", "-o", str(report)]
    RUNNER.invoke(build_app(), args)
    fp = json.loads(report.read_text())["findings"][0]["fingerprint"]
    soon = (date.today() + timedelta(days=3)).isoformat()
    triage = ["triage", fp, "--accept-until", soon, "--by", HOSTILE, "--reason", HOSTILE]
    RUNNER.invoke(build_app(), [*triage, "--root", str(repo), "--db", _db(repo)])
    md, html = repo.parent / "q.md", repo.parent / "q.html"
    base = ["report", "latest", "--root", str(repo), "--db", _db(repo), "--compare-to", "previous"]
    result = RUNNER.invoke(
        build_app(), [*base, "-f", "markdown", "-o", str(md), "-f", "html", "-o", str(html)]
    )
    assert result.exit_code == 0, result.output
    page = html.read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "default-src 'none'" in page
    text = md.read_text()
    assert (
        "<script>" not in text
        and "## New risks (1)" in text
        and "## Retired risks (fixed or gone) (1)" in text
    )


def test_bad_compare_to_and_format_exit_2(repo: Path) -> None:
    base = ["report", "latest", "--root", str(repo), "--db", _db(repo), "--compare-to"]
    bad_ref = RUNNER.invoke(build_app(), [*base, "no-such-ref"])
    assert bad_ref.exit_code == 2 and "not a stored run id" in bad_ref.output
    sarif = RUNNER.invoke(build_app(), [*base, "previous", "-f", "sarif"])
    assert sarif.exit_code == 2


def _ev(kind: EvidenceKind, endpoint: str, summary: str, at: datetime) -> Evidence:
    return Evidence(kind=kind, summary=summary, severity=Severity.MEDIUM, recorded_at=at, endpoint=endpoint)


def test_evidence_changed_in_window_and_stale_assumptions() -> None:
    since = datetime(2026, 7, 1, tzinfo=UTC)
    before, after = since - timedelta(days=30), since + timedelta(days=30)
    evidence = [
        _ev(EvidenceKind.LOAD, "GET /orders", "p95 120 ms", before),
        _ev(EvidenceKind.LOAD, "GET /orders", "p95 340 ms", after),  # changed: re-profile
        _ev(EvidenceKind.LOAD, "GET /items", "p95 80 ms", before),
        _ev(EvidenceKind.LOAD, "GET /items", "p95 80 ms", after),  # unchanged: nothing to do
        _ev(EvidenceKind.LOAD, "POST /pay", "knee at 40 rps", before),  # not re-tested: stale
        _ev(EvidenceKind.METRICS, "GET /cache", "hit ratio 0.4", before),  # not a scale assumption
    ]
    changed, stale = evidence_changes(evidence, since)
    assert [(c.where, c.before, c.after) for c in changed] == [("GET /orders", "p95 120 ms", "p95 340 ms")]
    assert [(c.where, c.before) for c in stale] == [("POST /pay", "knee at 40 rps")]


@pytest.mark.parametrize(
    ("days", "label"), [(0, "0-30"), (30, "0-30"), (31, "31-90"), (180, "91-180"), (181, "> 180")]
)
def test_aging_buckets(days: int, label: str) -> None:
    assert bucket(days).startswith(label)
