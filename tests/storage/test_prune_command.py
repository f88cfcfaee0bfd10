"""``stackaudit prune`` through the real CLI: by count, by age, from the retention setting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from typer.testing import CliRunner

from stackaudit.commands import COMMAND_MODULES, prune
from stackaudit.model import Status
from stackaudit.storage.store import Store, default_url, project_key

from .factories import assess, make_run, result, sqli


def _app() -> typer.Typer:
    app = typer.Typer()
    prune.register(app)
    app.command("noop")(lambda: None)  # two commands, so "prune" is a sub-command as in the CLI
    return app


def test_prune_is_a_registered_command() -> None:
    assert "stackaudit.commands.prune" in COMMAND_MODULES


def _store(root: Path, days_ago: tuple[int, ...]) -> tuple[str, str]:
    url, project = default_url(root), project_key(root)
    now = datetime.now(UTC)
    with Store.open(url) as store:
        for i, ago in enumerate(days_ago):
            run = make_run(f"run-{i}", now - timedelta(days=ago), project=project)
            store.save_run(result(run, (assess(sqli(), Status.OPEN, first_seen=run.started_at),)))
    return url, project


def _left(url: str, project: str) -> list[str]:
    with Store.open(url) as store:
        return [r.id for r in store.runs(project)]


def test_keep_and_older_than(tmp_path: Path) -> None:
    url, project = _store(tmp_path, (40, 30, 20, 10, 1))
    out = CliRunner().invoke(_app(), ["prune", "--keep", "4", "--root", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "pruned 1 run of" in out.output and "4 kept" in out.output
    out = CliRunner().invoke(_app(), ["prune", "--older-than", "15", "--db", url, "--root", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert _left(url, project) == ["run-4", "run-3"]


def test_retention_setting_is_applied_and_nothing_to_do_is_an_error(tmp_path: Path) -> None:
    url, project = _store(tmp_path, (3, 2, 1))
    out = CliRunner().invoke(_app(), ["prune", "--root", str(tmp_path)])
    assert out.exit_code == 2 and "nothing to prune" in out.output
    (tmp_path / "stackaudit.toml").write_text("[retention]\nruns = 1\n", encoding="utf-8")
    out = CliRunner().invoke(_app(), ["prune", "--root", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert _left(url, project) == ["run-2"]
