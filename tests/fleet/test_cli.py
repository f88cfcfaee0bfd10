"""``stackaudit fleet`` usage errors (exit 2 before any cluster starts) and ``history --fleet``."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from stackaudit.cli import build_app
from stackaudit.fleet.sources import RepoSpec
from stackaudit.fleet.task import TaskSettings, audit_repo
from tests.fleet.repos import make_repo

RUNNER = CliRunner()


def _invoke(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(build_app(), list(args), env={"COLUMNS": "220", "NO_COLOR": "1"})
    return result.exit_code, result.output


def test_a_bad_list_store_or_cluster_choice_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "fleet.txt"
    bad.write_text("a b c\n", encoding="utf-8")
    code, out = _invoke("fleet", str(bad), "--db", str(tmp_path / "f.db"), "--local", "1")
    assert code == 2 and "fleet.txt:1" in out
    good = tmp_path / "ok.txt"
    good.write_text(f"{tmp_path}\n", encoding="utf-8")
    code, out = _invoke("fleet", str(good), "--db", str(tmp_path / "no" / "such" / "f.db"), "--local", "1")
    assert code == 2 and "does not exist" in out
    code, out = _invoke(
        "fleet", str(good), "--db", str(tmp_path / "f.db"), "--local", "1", "--scheduler", "tcp://x:1"
    )
    assert code == 2 and "not both" in out
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out = _invoke("fleet", str(empty), "--db", str(tmp_path / "f.db"))
    assert code == 2 and "no repositories listed" in out


def test_history_fleet_ranks_across_projects_and_escapes_names(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    db = f"sqlite:///{tmp_path / 'store' / 'fleet.db'}"
    for index, name in enumerate(["billing", "svc[red]x", "search"]):
        audit_repo(RepoSpec(str(make_repo(tmp_path / name, index))), TaskSettings(db))
    code, out = _invoke("history", "--fleet", "--db", db)
    assert code == 0, out
    assert "svc[red]x" in out  # printed as text, never read as Rich markup
    repos = out[out.index("Repositories") : out.index("By owner")]
    shown = sorted(("billing", "svc[red]x", "search"), key=repos.index)
    assert shown == ["billing", "search", "svc[red]x"]  # same top score: more findings first
    owners = out[out.index("By owner") : out.index("Top risks")]
    assert "fleet@example.org" in owners and "│ 3 " in owners  # one owner across the three repositories
    top = out[out.index("Top risks") :]
    assert "sec.command-injection" in top and "scale.no-timeout" in top
