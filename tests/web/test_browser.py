"""The dashboard in a real browser: Playwright driving Debian's chromium against uvicorn.

Every page is clicked through, a filter is applied, a finding is triaged and the page shows
the change. A store whose paths, snippets and owners hold ``<script>``, ``"onerror=`` and
``javascript:`` runs no script: a page-level hook fails the test on any dialog, console
error (CSP violations are console errors) or page error.

Screenshots of the overview and a finding page go to ``tmp_path``; with
``STACKAUDIT_UPDATE_SCREENSHOTS=1`` they are also copied to ``docs/img/`` for the README.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stackaudit.storage.store import default_url
from stackaudit.web.app import Settings, create_app
from tests.web.conftest import seed

pytestmark = pytest.mark.chromium
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(url: str) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(create_app(Settings(url=url)), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    url = default_url(tmp_path)
    seed(url)
    yield from _serve(url)


@pytest.fixture
def hostile_site(tmp_path: Path) -> Iterator[str]:
    url = default_url(tmp_path)
    seed(url, hostile=True)
    yield from _serve(url)


class Watched:
    """A page that records every dialog, console error and page error: each one fails the test."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("dialog", self._dialog)
        page.on(
            "console", lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None
        )
        page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))

    def _dialog(self, dialog: Any) -> None:
        self.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = Watched(context.new_page())
    yield page
    context.close()
    assert page.problems == []


def _shot(page: Any, tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    page.screenshot(path=str(target), full_page=True)
    data = target.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000  # a drawn page, not a blank one
    if os.environ.get("STACKAUDIT_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, DOCS_IMG / name)


def test_click_through_filter_and_triage(site: str, watched: Watched, tmp_path: Path) -> None:
    page = watched.page
    page.goto(site + "/")
    assert page.locator("#top-risks tbody tr").count() == 5
    assert page.locator("svg.chart").count() == 2
    _shot(page, tmp_path, "dashboard-overview.png")
    for nav, marker in (
        ("#nav-findings", "#findings-table"),
        ("#nav-runs", "#runs"),
        ("#nav-owners", "#owners"),
        ("#nav-projects", "#projects"),
        ("#nav-playbooks", "#playbooks"),
        ("#nav-overview", "#top-risks"),
    ):
        page.click(nav)
        page.wait_for_selector(marker)
    page.click("#nav-runs")
    page.click("#diff")
    assert "reopened" in page.inner_text("#diff-counts")
    page.click("#nav-findings")
    assert page.inner_text("#total") == "32"
    page.fill("input[name=path]", "views")
    page.click("#apply")
    page.click("#findings-table tbody tr.finding a")
    page.wait_for_selector("#trace")
    assert "request.args" in page.inner_text("#trace") and "p95 420 ms" in page.inner_text("#evidence")
    _shot(page, tmp_path, "dashboard-finding.png")
    page.click("#nav-findings")
    page.select_option("select[name=category]", "supply-chain")
    page.click("#apply")
    page.wait_for_url("**category=supply-chain**")
    assert page.inner_text("#total") == "1"
    page.click("#findings-table tbody tr.finding a")
    page.wait_for_selector("#factors")
    assert "werkzeug==2.3.7" in page.inner_text("#snippet")
    assert "CVE-2023-46136" in page.inner_text("#vulnerability")
    page.fill("#owner-form input[name=owner]", "@security-team")
    page.fill("#owner-form input[name=by]", "lead")
    page.click("#owner-form button")
    page.wait_for_url("**done=reassigned**")
    assert "@security-team" in page.inner_text("#owner")
    page.fill("#accept-form input[name=until]", "2031-06-30")
    page.fill("#accept-form input[name=by]", "lead")
    page.fill("#accept-form input[name=reason]", "vendor patch scheduled")
    page.click("#accept-form button")
    page.wait_for_url("**done=accepted**")
    assert "accepted" in page.inner_text("#status") and "2031-06-30" in page.inner_text("#status")
    assert "vendor patch scheduled" in page.inner_text("#triage-log")
    page.click("#nav-findings")
    page.select_option("select[name=status]", "accepted")
    page.click("#apply")
    assert page.inner_text("#total") == "1"


def test_hostile_store_runs_no_script(hostile_site: str, watched: Watched) -> None:
    page = watched.page
    page.goto(hostile_site + "/")
    for nav in (
        "#nav-findings",
        "#nav-runs",
        "#nav-owners",
        "#nav-projects",
        "#nav-playbooks",
        "#nav-overview",
    ):
        page.click(nav)
        page.wait_for_load_state("load")
    page.click("#nav-findings")
    links = page.locator("#findings-table tbody tr.finding a")
    assert links.count() > 0
    assert "<script>" in page.inner_text("#findings-table")  # shown as text
    links.first.click()
    page.wait_for_selector("#snippet")
    assert "javascript:" in page.inner_text("#snippet")
    page.click("#nav-findings")
    page.select_option("select[name=owner]", index=2)  # the hostile owner, as a filter value
    page.click("#apply")
    page.wait_for_url("**owner=**")
    assert "<script>" in page.inner_text("#findings-table")
    assert page.evaluate("() => document.scripts.length") == 0
