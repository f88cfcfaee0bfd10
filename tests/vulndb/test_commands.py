"""``stackaudit db`` and ``stackaudit sbom`` commands, and ``db update`` / ``--online`` against a
real HTTP server on 127.0.0.1 (no internet)."""

from __future__ import annotations

import gzip
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from stackaudit.analyzers.base import RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.sca.analyzer import NO_DB, ScaAnalyzer
from stackaudit.commands import db as db_command
from stackaudit.commands import sbom as sbom_command
from stackaudit.config.schema import Config
from stackaudit.config.sections.supply_chain import SupplyChainConfig
from stackaudit.model import AnalyzerState
from stackaudit.vulndb.connect import open_engine
from stackaudit.vulndb.query import VulnDatabase

FIX = Path(__file__).parent / "fixtures"
APP_FIX = Path(__file__).resolve().parents[1] / "analyzers" / "sca" / "fixtures"


def _app() -> typer.Typer:
    app = typer.Typer()
    db_command.register(app)
    sbom_command.register(app)
    return app


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in sorted((FIX / "osv" / "pkg").iterdir()):
            archive.writestr(f.name, f.read_bytes())
    return buf.getvalue()


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, bytes] = {}
    posts: list[dict] = []  # type: ignore[type-arg]

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = self.routes.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        self.wfile.write(body or b"not found")

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.posts.append(request)
        results = [
            {"vulns": [{"id": "GHSA-aaaa-bbbb-cccc"}]} if q["package"]["name"] == "demo-pkg" else {}
            for q in request["queries"]
        ]
        self.send_response(200)
        self.end_headers()
        self.wfile.write(json.dumps({"results": results}).encode())


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("H", (_Handler,), {"routes": {}, "posts": []})
    handler.routes.update(
        {
            "/PyPI/all.zip": _zip(),
            "/kev.json": (FIX / "kev.json").read_bytes(),
            "/epss.csv.gz": gzip.compress((FIX / "epss_first.csv").read_bytes()),
            "/v1/vulns/GHSA-aaaa-bbbb-cccc": (FIX / "osv" / "pkg" / "TEST-2.json").read_bytes(),
        }
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def _config(tmp_path: Path, base: str) -> Path:
    (tmp_path / "requirements.txt").write_text("demo-pkg==1.0\nother==2.0\n")
    config = tmp_path / "stackaudit.toml"
    config.write_text(
        f'[supply_chain]\nosv_export_url = "{base}"\nosv_api_url = "{base}"\n'
        f'kev_url = "{base}/kev.json"\nepss_url = "{base}/epss.csv.gz"\n'
    )
    return config


def test_import_and_status(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    runner = CliRunner()
    result = runner.invoke(_app(), ["db", "import", str(FIX / "osv"), str(FIX / "kev.json"), "--db", url])
    assert result.exit_code == 0, result.output
    assert "osv:PyPI: 4 records imported (1 withdrawn skipped, 2 not analysed)" in result.output
    assert "TEST-5.yaml" in result.output  # the record that failed the schema is named
    status = runner.invoke(_app(), ["db", "status", "--db", url])
    assert "osv:PyPI (osv): 4 records" in status.output and "kev (kev): 1 records" in status.output


def test_import_bad_path_fails_clearly(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _app(), ["db", "import", str(tmp_path / "nope"), "--db", f"sqlite:///{tmp_path}/s.db"]
    )
    assert result.exit_code == 2 and "no such file or directory" in result.output


def test_update_downloads_exports_for_ecosystems_in_use(
    tmp_path: Path, server: tuple[str, type[_Handler]]
) -> None:
    base, _ = server
    config = _config(tmp_path, base)
    url = f"sqlite:///{tmp_path / 's.db'}"
    result = CliRunner().invoke(_app(), ["db", "update", str(tmp_path), "--db", url, "--config", str(config)])
    assert result.exit_code == 0, result.output
    sources = {s.name: s.records for s in VulnDatabase(open_engine(url)).sources()}
    assert sources == {"osv:PyPI": 4, "kev": 1, "epss": 2}


def test_update_reports_unreachable_sources(tmp_path: Path, server: tuple[str, type[_Handler]]) -> None:
    base, _ = server
    config = _config(tmp_path, base)
    url = f"sqlite:///{tmp_path / 's.db'}"
    args = ["db", "update", str(tmp_path), "--db", url, "--config", str(config), "--ecosystem", "npm"]
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 2 and "osv:npm: could not download" in result.output
    assert {s.name for s in VulnDatabase(open_engine(url)).sources()} == {"kev", "epss"}  # the rest went on


def test_online_querybatch_with_cache(tmp_path: Path, server: tuple[str, type[_Handler]]) -> None:
    base, handler = server
    config = _config(tmp_path, base)
    url = f"sqlite:///{tmp_path / 's.db'}"
    args = ["db", "update", str(tmp_path), "--db", url, "--config", str(config), "--online"]
    first = CliRunner().invoke(_app(), args)
    assert first.exit_code == 0, first.output
    assert "2 packages queried, 0 answered from the cache, 1 advisories apply" in first.output
    assert VulnDatabase(open_engine(url)).advisories(["GHSA-aaaa-bbbb-cccc"])
    second = CliRunner().invoke(_app(), args)
    assert "0 packages queried, 2 answered from the cache" in second.output
    assert len(handler.posts) == 1


def test_sbom_command_formats(tmp_path: Path) -> None:
    out = tmp_path / "bom.json"
    runner = CliRunner()
    result = runner.invoke(_app(), ["sbom", str(APP_FIX / "vulnapp"), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["specVersion"] == "1.6"
    assert "sub/poetry.lock" in result.output  # the malformed lock file is named, the rest is described
    spdx = runner.invoke(_app(), ["sbom", str(APP_FIX / "vulnapp"), "--format", "spdx"])
    assert json.loads(spdx.stdout)["spdxVersion"] == "SPDX-2.3"
    bad = runner.invoke(_app(), ["sbom", "--python", str(tmp_path / "missing"), "-o", str(out)])
    assert bad.exit_code == 2 and "no such file" in bad.output


def _sca(tmp_path: Path, url: str, api: str) -> RepoResult:
    (tmp_path / "requirements.txt").write_text("demo-pkg==1.0\n")
    config = Config(supply_chain=SupplyChainConfig(online=True, osv_api_url=api, http_timeout_s=5))
    files = (SourceFile("requirements.txt", tmp_path / "requirements.txt", 14, "text"),)
    return ScaAnalyzer().analyze_repo(RepoContext(tmp_path, files, config, is_git=False, db_url=url))


def test_analyzer_online_mode(tmp_path: Path, server: tuple[str, type[_Handler]]) -> None:
    result = _sca(tmp_path, f"sqlite:///{tmp_path / 's.db'}", server[0])
    (finding,) = [f for f in result.findings if f.rule_id == "sca.vulnerable-dependency"]
    assert finding.vulnerability and finding.vulnerability.id == "GHSA-aaaa-bbbb-cccc"
    assert any("OSV API: 1 packages queried" in n for n in result.notices)


def test_analyzer_online_unreachable_says_so(tmp_path: Path) -> None:
    result = _sca(tmp_path, f"sqlite:///{tmp_path / 's.db'}", "http://127.0.0.1:9")
    assert any("OSV API not reachable" in n for n in result.notices)
    assert result.state == AnalyzerState.SKIPPED and result.reason == NO_DB
