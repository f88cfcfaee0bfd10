"""The DORA page through the ASGI app on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from stackaudit.governance.dora.render import DEFINITIONS_VERSION, definitions
from stackaudit.storage.store import Store
from stackaudit.storage.tables import run_risk
from tests.storage.dora_factory import dora_result
from tests.web.conftest import HOSTILE, PROJECT
from tests.web.test_pages import client


def store_dora(url: str, project: str = PROJECT, **changes: object) -> None:
    made = replace(dora_result(), **changes)  # type: ignore[arg-type]
    with Store.open(url) as store:
        store.save_dora(
            project,
            made,
            definitions=definitions(made),
            definitions_version=DEFINITIONS_VERSION,
            computed_at=datetime(2026, 3, 2, tzinfo=UTC),
        )


def _risk(url: str, run_id: str) -> float:
    with Store.open(url) as store, store.engine.connect() as conn:
        total = conn.execute(
            sa.select(sa.func.sum(run_risk.c.risk)).where(run_risk.c.run_id == run_id)
        ).scalar()
    return float(total or 0.0)


def _row(html: str, table: str, month: str) -> str:
    body = html.split(f'id="{table}"', 1)[1]
    found = re.search(rf'<tr data-month="{month}">(.*?)</tr>', body, re.S)
    assert found, (table, month)
    return re.sub(r"<[^>]+>", "|", found.group(1))


def test_empty_state_says_which_command_stores_dora(seeded: tuple[str, list[str]]) -> None:
    url, _ = seeded
    r = client(url).get("/dora")
    assert r.status_code == 200
    assert 'id="no-dora"' in r.text and "stackaudit dora PATH" in r.text and PROJECT in r.text
    assert 'id="nav-dora"' in client(url).get("/").text


def test_months_bands_year_and_debt_of_the_newest_run_before_each_month_ended(
    seeded: tuple[str, list[str]],
) -> None:
    url, ids = seeded  # runs at 2025-08-13, 2025-11-21 and 2026-03-01
    store_dora(url)
    html = client(url).get(f"/dora?project={PROJECT}").text
    assert "DORA 2024 report" in html and f"version {DEFINITIONS_VERSION}" in html
    window = html.split('id="dora-window"', 1)[1]
    assert "23 (0.187/day)" in window and "17.4% (4/23)" in window and "low (2024)" in window
    assert "median 20h, p90 2d 12h" in window
    november = _row(html, "dora-months", "2025-11")
    assert "8 (0.267/day)" in november and "median 2d, p90 6d" in november
    assert "25.0% (2/8)" in november and "median 1d 6h" in november
    assert "|low (2024)|" in november and "|medium (2024)|" in november  # failure rate, recovery
    december = _row(html, "dora-months", "2025-12")
    assert "0 (0/day)" in december and "— (0/0)" in december and "median —" in december
    assert "|—|" in december and "— (2024)" not in december  # no figure, no band
    # October's debt is the August run's; November onwards the November run's (started the 21st)
    october_debt, november_debt = _risk(url, ids[0]), _risk(url, ids[1])
    assert october_debt != november_debt
    assert f"|{october_debt:.1f}|" in _row(html, "dora-debt", "2025-10")
    for month in ("2025-11", "2025-12", "2026-01"):
        assert f"|{november_debt:.1f}|" in _row(html, "dora-debt", month)
    assert "|10.0%|" in _row(html, "dora-debt", "2025-10")
    chart = html.split('id="dora-chart"', 1)[1].split("</svg>", 1)[0]
    assert chart.count('class="cfr"') == 3  # December had no deployment: no rate, no bar
    assert chart.count('class="debt"') == 4 and "<polyline" in chart


def test_a_project_with_dora_and_no_run_and_the_project_filter(seeded: tuple[str, list[str]]) -> None:
    url, _ = seeded
    store_dora(url, project="delivery-only", band_year=2023)
    c = client(url)
    assert 'id="no-dora"' in c.get("/dora").text  # the newest run's project has none
    html = c.get("/dora?project=delivery-only").text
    assert "DORA 2023 report" in html and "no run yet" in html
    assert '<option value="delivery-only" selected>' in html


def test_months_before_the_first_run_have_no_debt(seeded: tuple[str, list[str]]) -> None:
    url, _ = seeded
    early = dora_result()
    months = tuple(replace(m, label=f"2024-{i + 1:02d}") for i, m in enumerate(early.months))
    store_dora(url, months=months, until=datetime(2024, 5, 1, tzinfo=UTC) - timedelta(0))
    html = client(url).get("/dora").text
    assert "|—|" in _row(html, "dora-debt", "2024-01") and "no run yet" in html
    assert 'class="debt"' not in html.split('id="dora-chart"', 1)[1].split("</svg>", 1)[0]


def test_hostile_source_and_notes_are_escaped(seeded: tuple[str, list[str]]) -> None:
    url, _ = seeded
    store_dora(url, source=f"annotated git tags matching '{HOSTILE}'", notes=(f"tag {HOSTILE} skipped",))
    html = client(url).get("/dora").text
    assert "<script" not in html and "&lt;script&gt;" in html
