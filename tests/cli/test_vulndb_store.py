"""One place for vulnerability data: every command and every project finds the same store."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stackaudit.cli import build_app

FIX = Path(__file__).resolve().parents[1] / "vulndb" / "fixtures"
RUNNER = CliRunner()


@pytest.fixture
def vulndb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    store = tmp_path / "user" / "stackaudit" / "vulndb.db"
    monkeypatch.setenv("STACKAUDIT_VULNDB", str(store))
    return store


def _project(root: Path) -> Path:
    app = root / "repo" / "services" / "shop"
    app.mkdir(parents=True)
    (app / "requirements.txt").write_text("demo-pkg==1.0.0\n")
    return app


def _audit(app: Path, tmp_path: Path) -> tuple[int, dict, str]:
    out = tmp_path / "r.json"
    args = ["audit", str(app), "--only", "sca", "--db", str(tmp_path / "h.db"), "-f", "json", "-o", str(out)]
    result = RUNNER.invoke(build_app(), args)
    return result.exit_code, json.loads(out.read_text()), result.output


def test_import_anywhere_then_audit_a_subdirectory_finds_the_data(
    vulndb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _project(tmp_path)
    monkeypatch.chdir(tmp_path / "repo")
    done = RUNNER.invoke(build_app(), ["db", "import", str(FIX / "osv")])
    assert done.exit_code == 0, done.output
    assert str(vulndb) in done.output
    assert not (tmp_path / "repo" / ".stackaudit").exists()  # nothing written per project
    _, report, _ = _audit(app, tmp_path)
    packages = {f["vulnerability"]["package"] for f in report["findings"] if f.get("vulnerability")}
    assert "demo-pkg" in packages
    status = RUNNER.invoke(build_app(), ["db", "status"])
    assert status.exit_code == 0 and str(vulndb) in status.output and "osv:PyPI" in status.output


def test_audit_without_data_says_at_the_top_what_to_import_and_where_it_looked(
    vulndb: Path, tmp_path: Path
) -> None:
    app = _project(tmp_path)
    _, report, _ = _audit(app, tmp_path)
    first = report["run"]["notices"][0]
    assert first.startswith("Read first: no vulnerability data in ")
    about_data = [
        n for n in report["run"]["notices"] if "vulnerability data" in n or "vulnerability database" in n
    ]
    assert about_data == [first]  # said once, by the notice that names the store
    assert str(vulndb) in first and "stackaudit db import" in first
    assert not vulndb.exists()  # looking never creates the store
    terminal = RUNNER.invoke(
        build_app(), ["audit", str(app), "--only", "sca", "--db", str(tmp_path / "h.db")]
    )
    lines = [line for line in terminal.output.splitlines() if line.strip()]
    assert "no vulnerability data" in "\n".join(lines[:3])


def test_db_status_names_the_store_and_never_creates_it(vulndb: Path) -> None:
    done = RUNNER.invoke(build_app(), ["db", "status"])
    assert done.exit_code == 0
    assert f"{vulndb} does not exist" in done.output
    assert not vulndb.exists() and not vulndb.parent.exists()


def test_default_store_is_per_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stackaudit.vulndb.connect import locate

    monkeypatch.delenv("STACKAUDIT_VULNDB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    store = locate()
    assert store.file == tmp_path / "data" / "stackaudit" / "vulndb.db"
    assert store.origin == "default"
    assert os.environ.get("STACKAUDIT_VULNDB") is None
