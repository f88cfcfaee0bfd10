"""``stackaudit dora`` stores what it printed; bad incident files stop it before anything is stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stackaudit.storage.store import Store, default_url, project_key
from tests.governance.test_dora import _cli, _deploy_history, _tagged_history, _write_logs


def test_cli_stores_months_window_and_band_year_under_the_audit_project(tmp_path: Path) -> None:
    _tagged_history(tmp_path)
    args = ["dora", ".", "--tags", "v*", "--since", "2025-01-01", "--until", "2025-02-28"]
    proc = _cli(*args, "--band-year", "2023", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout)
    with Store.open(default_url(tmp_path)) as store:
        stored = store.latest_dora(project_key(tmp_path))
    assert stored is not None and stored.run_id is None
    r = stored.result
    assert r.band_year == 2023 == printed["band_year"]
    assert [m.label for m in r.months] == ["2025-01", "2025-02"]
    assert (r.window.deployments, r.window.failed_deployments) == (6, 2)
    assert r.window.lead_time_median is not None
    assert r.window.lead_time_median.total_seconds() == printed["window"]["lead_time_median_s"]
    assert stored.definitions == printed["definitions"]


def test_no_store_and_a_db_option(tmp_path: Path) -> None:
    _tagged_history(tmp_path)
    assert _cli("dora", ".", "--tags", "v*", "--no-store", cwd=tmp_path).returncode == 0
    assert not (tmp_path / ".stackaudit").exists()
    elsewhere = tmp_path.parent / f"{tmp_path.name}-store"
    url = default_url(elsewhere)
    assert _cli("dora", ".", "--tags", "v*", "--db", url, cwd=tmp_path).returncode == 0
    assert not (tmp_path / ".stackaudit").exists()
    with Store.open(url) as store:
        assert store.latest_dora(project_key(tmp_path)) is not None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "id,opened,deployment\nI1,2025-03-02T08:00:00Z,dep-2\n",
            "inc.csv: row 1: missing column(s) resolved",
        ),
        (
            "id,opened,resolved,deployment\nI1,2025-03-02T08:00:00Z,2025-03-32,dep-2\n",
            "inc.csv: row 2, column 'resolved': bad date '2025-03-32'",
        ),
        (
            "id,opened,resolved,deployment\nI1,2999-03-02T08:00:00Z,,dep-2\n",
            "inc.csv: row 2, column 'opened': '2999-03-02T08:00:00Z' is in the future",
        ),
    ],
)
def test_bad_incident_file_exits_2_naming_file_row_column_and_stores_nothing(
    tmp_path: Path, content: str, message: str
) -> None:
    repo = tmp_path / "repo"
    deploys, _ = _write_logs(tmp_path, _deploy_history(repo))
    (tmp_path / "inc.csv").write_text(content)
    proc = _cli("dora", str(repo), "--deploys", str(deploys), "--incidents", "inc.csv", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout
    assert message in " ".join(proc.stderr.split())
    assert not (repo / ".stackaudit").exists()
