"""DORA ground truth: scripted git histories and deploy logs where every figure is known by construction."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stackaudit.governance.dora.compute import NO_INCIDENTS, DoraOptions, run
from stackaudit.governance.dora.model import Band, DoraInputError, DoraResult
from tests.governance.gitrepo import ScriptedRepo

H = timedelta(hours=1)
D = timedelta(days=1)
SINCE = datetime(2025, 1, 1, tzinfo=UTC)
UNTIL = datetime(2025, 3, 1, tzinfo=UTC)  # --until 2025-02-28 includes that whole day


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "stackaudit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _tagged_history(root: Path) -> ScriptedRepo:
    """Six releases in January and February 2025; one revert, one hotfix, one merged branch."""
    repo = ScriptedRepo(root)
    repo.commit("init", "2025-01-01T00:00:00Z")
    repo.tag("v1.0", "2025-01-02T00:00:00Z")  # first deployment: nothing delimits its changes
    repo.commit("feature a", "2025-01-05T00:00:00Z")  # lead 2d
    repo.commit("feature b", "2025-01-06T00:00:00Z")  # lead 1d
    repo.tag("v1.1", "2025-01-07T00:00:00Z")
    c3 = repo.commit("feature c", "2025-01-10T00:00:00Z")  # lead 12h
    repo.tag("v1.2", "2025-01-10T12:00:00Z")  # failed: c3 is reverted
    repo.git("revert", "--no-edit", c3, when="2025-01-11T00:00:00Z")  # lead 6h; "This reverts commit <c3>."
    repo.tag("v1.3", "2025-01-11T06:00:00Z")  # recovers v1.2 after 18h
    repo.git("checkout", "-q", "-b", "feature-d")
    repo.commit("feature d part 1", "2025-01-28T00:00:00Z")  # the change's first commit
    repo.commit("feature d part 2", "2025-01-30T00:00:00Z")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge feature d", "feature-d", when="2025-02-01T00:00:00Z")
    repo.tag("v1.4", "2025-02-03T00:00:00Z")  # merge change: 2025-01-28 -> 6d; failed: hotfixed next
    repo.commit("hotfix: null check in checkout", "2025-02-03T01:00:00Z")  # lead 2h
    repo.tag("v1.5", "2025-02-03T03:00:00Z")  # recovers v1.4 after 3h
    repo.tag("v9.9-light", "2025-02-04T00:00:00Z", annotated=False)
    repo.tag("nightly-1", "2025-02-04T00:00:00Z")  # does not match the glob
    return repo


def _tags(root: Path, year: int = 2024) -> DoraResult:
    return run(DoraOptions(repo=root, tags="v*", since=SINCE, until=UNTIL, band_year=year))


def test_tags_with_git_failure_signals(tmp_path: Path) -> None:
    _tagged_history(tmp_path)
    result = _tags(tmp_path)
    w = result.window
    assert (w.deployments, w.days) == (6, 59)
    assert w.deploys_per_day == pytest.approx(6 / 59)
    # lead times 2h, 6h, 12h, 1d, 2d, 6d (the merge counts from its first commit)
    assert w.changes == 6
    assert w.lead_time_median == 18 * H
    assert w.lead_time_p90 == 6 * D
    assert (w.failed_deployments, w.change_failure_rate) == (2, pytest.approx(2 / 6))
    assert w.recovery_median == timedelta(hours=10, minutes=30)  # median of 18h and 3h
    assert dict(w.bands) == {
        "deployment_frequency": Band.MEDIUM,  # 0.10/day: at least monthly, under weekly... per day 1/7
        "lead_time": Band.ELITE,
        "change_failure_rate": Band.LOW,
        "recovery_time": Band.HIGH,
    }
    assert result.failure_source == NO_INCIDENTS and result.band_year == 2024
    assert {f.deployment_id for f in result.failures} == {"v1.2", "v1.4"}
    assert any("lightweight" in n and "v9.9-light" in n for n in result.notes)


def test_tags_per_month(tmp_path: Path) -> None:
    _tagged_history(tmp_path)
    jan, feb = _tags(tmp_path).months
    assert (jan.label, jan.days, jan.deployments, jan.changes) == ("2025-01", 31, 4, 4)
    assert (jan.lead_time_median, jan.lead_time_p90) == (18 * H, 2 * D)  # 6h, 12h, 1d, 2d
    assert (jan.change_failure_rate, jan.recovery_median) == (0.25, 18 * H)
    assert (feb.label, feb.days, feb.deployments, feb.changes) == ("2025-02", 28, 2, 2)
    assert (feb.lead_time_median, feb.lead_time_p90) == (3 * D + H, 6 * D)  # 2h, 6d
    assert (feb.change_failure_rate, feb.recovery_median) == (0.5, 3 * H)


def test_band_year_changes_the_band_not_the_figure(tmp_path: Path) -> None:
    _tagged_history(tmp_path)
    by_year = {year: _tags(tmp_path, year).window for year in (2023, 2024)}
    assert by_year[2023].change_failure_rate == by_year[2024].change_failure_rate
    assert dict(by_year[2023].bands)["change_failure_rate"] == Band.LOW  # 33 % > 15 %
    with pytest.raises(DoraInputError, match="known report years: 2023, 2024"):
        _tags(tmp_path, 2019)


def _deploy_history(root: Path) -> dict[str, str]:
    repo = ScriptedRepo(root)
    return {
        "d0": repo.commit("d0", "2025-03-01T00:00:00Z"),
        "d1": repo.commit("d1", "2025-03-02T00:00:00Z"),
        "d2": repo.commit("d2", "2025-03-03T00:00:00Z"),
        "d3": repo.commit("d3", "2025-03-05T00:00:00Z"),
        "d4": repo.commit("d4", "2025-03-06T00:00:00Z"),
    }


def _write_logs(root: Path, sha: dict[str, str]) -> tuple[Path, Path]:
    deploys = root / "deploys.csv"
    deploys.write_text(
        "id,time,commit,environment,status\n"
        f"dep-1,2025-03-01T12:00:00Z,{sha['d0']},production,success\n"
        f"dep-2,2025-03-02T06:00:00Z,{sha['d1']},production,success\n"  # d1: 6h
        f"stg-1,2025-03-02T07:00:00Z,{sha['d1']},staging,success\n"  # other environment
        f"dep-3,2025-03-04T00:00:00Z,{sha['d2']},production,success\n"  # d2: 1d
        f"dep-x,2025-03-05T00:00:00Z,{sha['d3']},production,failed\n"  # not a deployment
        f"dep-4,2025-03-06T12:00:00Z,{sha['d4'][:10]},production,success\n"  # d3: 1d12h, d4: 12h
    )
    incidents = root / "incidents.json"
    incidents.write_text(
        json.dumps(
            [
                {
                    "id": "INC-1",
                    "opened": "2025-03-02T08:00:00Z",
                    "resolved": "2025-03-02T10:00:00Z",
                    "deployment": "dep-2",
                },
                # a commit dep-4 shipped (not its head): linked through git
                {
                    "id": "INC-2",
                    "opened": "2025-03-06T13:00:00Z",
                    "resolved": "2025-03-06T14:00:00Z",
                    "deployment": sha["d3"],
                },
                {
                    "id": "INC-3",
                    "opened": "2025-03-06T13:30:00Z",
                    "resolved": "2025-03-06T17:00:00Z",
                    "deployment": "dep-4",
                },
                {"id": "INC-4", "opened": "2025-03-07T00:00:00Z", "resolved": None, "deployment": "dep-3"},
                {
                    "id": "INC-5",
                    "opened": "2025-03-07T00:00:00Z",
                    "resolved": "2025-03-07T01:00:00Z",
                    "deployment": "nope",
                },
            ]
        )
    )
    return deploys, incidents


def test_deploy_log_with_incidents(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    deploys, incidents = _write_logs(tmp_path, _deploy_history(repo))
    result = run(
        DoraOptions(
            repo=repo,
            deploys=deploys,
            incidents=incidents,
            environment="production",
            since=datetime(2025, 3, 1, tzinfo=UTC),
            until=datetime(2025, 4, 1, tzinfo=UTC),
        )
    )
    w = result.window
    assert (w.deployments, w.days, w.changes) == (4, 31, 4)
    assert (w.lead_time_median, w.lead_time_p90) == (18 * H, D + 12 * H)  # 6h, 12h, 1d, 1d12h
    # dep-2, dep-3 and dep-4 are linked to incidents; INC-5 links to nothing and is not counted
    assert (w.failed_deployments, w.change_failure_rate) == (3, 0.75)
    assert (w.recovery_median, w.unrecovered) == (3 * H, 1)  # dep-2 2h, dep-4 13:00 -> 17:00 = 4h
    assert dict(w.bands) == {
        "deployment_frequency": Band.MEDIUM,
        "lead_time": Band.ELITE,
        "change_failure_rate": Band.LOW,
        "recovery_time": Band.HIGH,
    }
    assert any("2 row(s)" in n for n in result.notes)
    assert any("INC-5" in n and "not counted" in n for n in result.notes)
    assert result.failure_source == f"incident file {incidents}"


def test_cli_json_and_markdown(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    deploys, incidents = _write_logs(tmp_path, _deploy_history(repo))
    args = ["dora", str(repo), "--deploys", str(deploys), "--incidents", str(incidents)]
    args += ["--environment", "production", "--since", "2025-03-01", "--until", "2025-03-31"]
    proc = _cli(*args, "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["window"]["change_failure_rate"] == 0.75
    assert data["window"]["lead_time_median_s"] == 18 * 3600
    assert data["window"]["bands"]["change_failure_rate"] == "low" and data["band_year"] == 2024
    assert "≥1 incident" in data["definitions"]["change_failure_rate"]
    out = tmp_path / "dora.md"
    proc = _cli(*args, "--format", "markdown", "--output", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert "| change failure rate | 75.0% (3/4) | low (2024) |" in text


def test_cli_says_when_failures_come_from_git(tmp_path: Path) -> None:
    _tagged_history(tmp_path)
    proc = _cli("dora", ".", "--tags", "v*", "--since", "2025-01-01", "--until", "2025-02-28", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "no incident file given" in proc.stdout and "DORA 2024 report" in proc.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "id,time,commit,status\nd1,2025-01-01,abc,success\n",
            "deploys.csv: row 1: missing column(s) environment",
        ),
        (
            "id,time,commit,environment,status\nd1,2025-01-01,abc,prod,success\nd2,2025-13-01,abc,prod,success\n",
            "deploys.csv: row 3, column 'time': bad date '2025-13-01'",
        ),
        (
            "id,time,commit,environment,status\nd1,2999-01-01T00:00:00Z,abc,prod,success\n",
            "deploys.csv: row 2, column 'time': '2999-01-01T00:00:00Z' is in the future",
        ),
    ],
)
def test_bad_deploy_log_exits_2_naming_file_row_column(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "deploys.csv").write_text(content)
    proc = _cli("dora", ".", "--deploys", "deploys.csv", cwd=tmp_path)
    assert proc.returncode == 2
    assert message in " ".join(proc.stderr.split())


def test_bad_incident_file_and_usage_errors(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    deploys, _ = _write_logs(tmp_path, _deploy_history(repo))
    bad = tmp_path / "inc.json"
    bad.write_text(json.dumps([{"id": "I1", "opened": "yesterday", "resolved": "", "deployment": "dep-1"}]))
    proc = _cli("dora", str(repo), "--deploys", str(deploys), "--incidents", str(bad), cwd=tmp_path)
    assert proc.returncode == 2 and "inc.json: item 1, column 'opened': bad date 'yesterday'" in proc.stderr
    assert _cli("dora", str(repo), cwd=tmp_path).returncode == 2  # neither --tags nor --deploys
    proc = _cli("dora", str(repo), "--tags", "release-*", cwd=tmp_path)
    assert proc.returncode == 2 and "no annotated tag matches 'release-*'" in proc.stderr


def test_window_keeps_the_earlier_deployment_as_delimiter(tmp_path: Path) -> None:
    _tagged_history(tmp_path)
    result = run(DoraOptions(repo=tmp_path, tags="v*", since=datetime(2025, 2, 1, tzinfo=UTC), until=UNTIL))
    w = result.window
    assert (w.deployments, w.days, w.changes) == (2, 28, 2)  # v1.4 (merge, 6d) and v1.5 (hotfix, 2h)
    assert (w.lead_time_median, w.failed_deployments, w.recovery_median) == (3 * D + H, 1, 3 * H)
    assert [m.label for m in result.months] == ["2025-02"]


def test_deploy_log_without_git_still_counts_incidents(tmp_path: Path) -> None:
    (tmp_path / "deploys.json").write_text(
        json.dumps(
            {
                "deployments": [
                    {
                        "id": "a",
                        "time": "2025-05-01T00:00:00",
                        "commit": "abc1234",
                        "environment": "prod",
                        "status": "ok",
                    },
                    {
                        "id": "b",
                        "time": "2025-05-02T00:00:00",
                        "commit": "def5678",
                        "environment": "prod",
                        "status": "ok",
                    },
                ]
            }
        )
    )
    (tmp_path / "inc.csv").write_text(
        "id,opened,resolved,deployment\nI1,2025-05-02T01:00:00,2025-05-02T01:30:00,def5678\n"
    )
    result = run(
        DoraOptions(
            repo=tmp_path,
            deploys=tmp_path / "deploys.json",
            incidents=tmp_path / "inc.csv",
            until=datetime(2025, 5, 3, tzinfo=UTC),
        )
    )
    w = result.window
    assert (w.deployments, w.days, w.changes, w.lead_time_median) == (2, 2, 0, None)  # no git: no lead time
    assert (w.change_failure_rate, w.recovery_median) == (0.5, timedelta(minutes=30))
    assert dict(w.bands)["recovery_time"] == Band.ELITE and dict(w.bands)["lead_time"] is None
    assert any("not a git repository" in n for n in result.notes)
