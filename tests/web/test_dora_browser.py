"""The DORA page in a real browser: reached from the nav, figures shown, hostile text inert."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stackaudit.storage.store import default_url
from tests.web.conftest import HOSTILE, PROJECT, seed
from tests.web.test_browser import Watched, _serve, _shot, browser, watched  # noqa: F401 (fixtures)
from tests.web.test_dora_page import store_dora

pytestmark = pytest.mark.chromium


@pytest.fixture
def dora_site(tmp_path: Path) -> Iterator[str]:
    url = default_url(tmp_path)
    seed(url, hostile=True)
    store_dora(url, source=f"annotated git tags matching '{HOSTILE}'", notes=(f"tag {HOSTILE} skipped",))
    yield from _serve(url)


def test_nav_to_dora_shows_figures_and_runs_no_script(
    dora_site: str,
    watched: Watched,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    page = watched.page
    page.goto(dora_site + "/")
    page.click("#nav-dora")
    page.wait_for_selector("#dora-months")
    assert PROJECT in page.inner_text("h1")
    assert page.inner_text("#dora-band-year") == "DORA 2024 report"
    row = page.locator('#dora-months tr[data-month="2025-11"]')
    assert row.locator('td.value[data-metric="change_failure_rate"]').inner_text() == "25.0% (2/8)"
    assert row.locator('td.band[data-metric="change_failure_rate"]').inner_text() == "low (2024)"
    assert row.locator('td.value[data-metric="lead_time"]').inner_text() == "median 2d, p90 6d"
    assert page.locator("#dora-chart rect.cfr").count() == 3
    assert page.locator("#dora-chart circle.debt").count() == 4
    _shot(page, tmp_path, "dashboard-dora.png")
    assert "<script>" in page.inner_text("#dora-facts") and "<script>" in page.inner_text("#dora-notes")
    page.click('#dora-debt tr[data-month="2025-10"] a')  # the run whose debt October carried
    page.wait_for_selector("#nav-dora")
    assert "/runs/" in page.url
    assert page.evaluate("() => document.scripts.length") == 0
