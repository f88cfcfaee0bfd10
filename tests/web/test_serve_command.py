"""``stackaudit serve`` from the command line, several projects in one store, and the prewarm."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from stackaudit.cli import build_app
from stackaudit.model import Status
from stackaudit.storage.store import Store, default_url
from stackaudit.web.app import Settings, create_app
from tests.storage.factories import T0, assess, make_run, nplus, result
from tests.web.conftest import PROJECT, seed
from tests.web.test_pages import client

RUNNER = CliRunner()


def test_binding_beyond_loopback_needs_a_token(tmp_path: Path) -> None:
    out = RUNNER.invoke(build_app(), ["serve", "--root", str(tmp_path), "--host", "0.0.0.0", "--port", "1"])
    assert out.exit_code == 2 and "STACKAUDIT_SERVE_TOKEN" in out.output
    assert not (tmp_path / ".stackaudit").exists()


def test_serve_starts_answers_and_stops(tmp_path: Path) -> None:
    """The real command in a subprocess: it serves the page, then ends on SIGTERM."""
    import socket
    import urllib.request

    url = default_url(tmp_path)
    seed(url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "stackaudit", "serve", "--db", url, "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/findings", timeout=5) as answer:
                    body = answer.read().decode()
                    headers = answer.headers
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()[
                    -2000:
                ]  # type: ignore[union-attr]
                time.sleep(0.2)
        assert 'id="total">32<' in body and "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_several_projects_are_listed_and_each_can_be_shown(store_url: str) -> None:
    seed(store_url)
    with Store.open(store_url) as store:
        store.save_run(result(make_run("b" * 32, T0, project="billing"), (assess(nplus(), Status.NEW),)))
    c = client(store_url)
    projects = c.get("/projects").text
    assert "billing" in projects and PROJECT in projects
    assert 'name="project"' in c.get("/").text  # the selector appears with two projects
    billing = c.get("/findings?project=billing").text
    assert 'id="total">1<' in billing and "perf.n-plus-one" in billing
    assert 'id="total">32<' in c.get(f"/findings?project={PROJECT}").text
    assert "@team" not in c.get("/owners?project=billing").text  # its one finding has no owner


def test_prewarm_fills_the_overview_cache(tmp_path: Path) -> None:
    url = default_url(tmp_path)
    seed(url)
    app = create_app(Settings(url=url, allowed_hosts=("testserver",), prewarm=True))
    dash = app.state.dashboard
    deadline = time.monotonic() + 20
    while not any(key[0] == "overview" for key in dash._cache):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    dash.close()
