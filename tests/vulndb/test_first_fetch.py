"""The first audit allowed online fetches the vulnerability data (served locally, never the internet)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from stackaudit.cli import build_app

DATA = Path(__file__).resolve().parents[1] / "data" / "vulndata"


def _json_default(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[str]:
    """A local OSV mirror: PyPI/all.zip built from the repository's subset, and KEV."""
    www = tmp_path / "www"
    (www / "PyPI").mkdir(parents=True)
    with zipfile.ZipFile(www / "PyPI" / "all.zip", "w") as archive:
        for path in sorted((DATA / "osv-pypi" / "vulns" / "flask").glob("*.yaml")):
            record = yaml.safe_load(path.read_text())
            archive.writestr(f"{record['id']}.json", json.dumps(record, default=_json_default))
    (www / "kev.json").write_bytes((DATA / "kev" / "known_exploited_vulnerabilities.json").read_bytes())
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(www))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _project(tmp_path: Path, url: str) -> Path:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "requirements.txt").write_text("flask==2.2.0\n")
    (project / "pyproject.toml").write_text(
        "[tool.stackaudit.supply_chain]\n"
        f'osv_export_url = "{url}"\nosv_api_url = "{url}"\n'
        f'kev_url = "{url}/kev.json"\nepss_url = "{url}/missing/epss.csv.gz"\n'
    )
    return project


def test_first_online_audit_fetches_the_data_and_finds_the_pin(
    tmp_path: Path, mirror: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "user" / "vulndb.db"
    monkeypatch.setenv("STACKAUDIT_VULNDB", str(store))
    project, out = _project(tmp_path, mirror), tmp_path / "r.json"
    args = ["audit", str(project), "--online", "--only", "sca", "-f", "json", "-o", str(out)]
    args += ["--db", f"sqlite:///{tmp_path / 'h.db'}", "--fail-on", "none"]
    result = CliRunner().invoke(build_app(), args)
    assert result.exit_code == 0, result.output
    assert f"vulnerability store {store} is empty: fetching the data" in result.output
    assert "epss" in result.output and "warning" in result.output  # the one source not served
    assert store.is_file()
    report = json.loads(out.read_text())
    flask = [
        f for f in report["findings"] if (f.get("vulnerability") or {}).get("package", "").lower() == "flask"
    ]
    assert len(flask) == 1 and flask[0]["rule_id"] == "sca.vulnerable-dependency"
    advisories = {p["value"] for p in flask[0]["properties"] if p["name"] == "advisories"}
    assert "PYSEC-2023-62" in ", ".join(advisories)  # flask 2.2.0 < 2.2.5


def test_offline_audit_fetches_nothing(tmp_path: Path, mirror: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "user" / "vulndb.db"
    monkeypatch.setenv("STACKAUDIT_VULNDB", str(store))
    project, out = _project(tmp_path, mirror), tmp_path / "r.json"
    args = ["audit", str(project), "--only", "sca", "-f", "json", "-o", str(out)]
    args += ["--db", f"sqlite:///{tmp_path / 'h.db'}", "--fail-on", "none"]
    result = CliRunner().invoke(build_app(), args)
    assert result.exit_code == 0, result.output
    assert "fetching" not in result.output and not store.exists()
    assert any(
        str(store) in n and "stackaudit db import" in n for n in json.loads(out.read_text())["run"]["notices"]
    )
