"""The Map page: the stored service map of a run drawn as SVG (labels escaped, no script), a run
with no stored map says so, and the map is found by run id prefix. The browser test opens it
on a store whose map has ``<script>`` in a route path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stackaudit.scope.model import (
    Auth,
    AuthLevel,
    Edge,
    Endpoint,
    Handler,
    Resource,
    ResourceKind,
    ServiceMap,
)
from stackaudit.scope.stored import encode_map, map_key
from stackaudit.storage.store import Store, default_url
from stackaudit.threat.stored import encode_threats, threat_key
from tests.threat.helpers import hostile_threats
from tests.web import test_browser as tb
from tests.web.conftest import HOSTILE, seed
from tests.web.test_pages import client


def hostile_map() -> ServiceMap:
    handler = Handler("app.views", f"evil{HOSTILE}", "app/views.py", 3, 9)
    eps = (
        Endpoint("flask", ("GET",), f"/x/{HOSTILE}", handler, Auth(AuthLevel.ANONYMOUS)),
        Endpoint(
            "flask",
            ("POST",),
            "/admin/purge",
            Handler("app.views", "purge", "app/views.py", 11, 14),
            Auth(AuthLevel.ADMIN, ("@admin_required",)),
        ),
    )
    res = (Resource(ResourceKind.OUTBOUND, f"https://{HOSTILE}", "app/views.py", 5),)
    return ServiceMap(eps, res, (Edge(handler.ref, res[0].key),), notes=(f"urls.py: not read {HOSTILE}",))


browser = tb.browser  # the browser test's fixtures: one chromium launch pattern
watched = tb.watched


def seed_map(url: str, run_id: str) -> None:
    with Store.open(url) as store:
        store.cache_put_many(
            {
                map_key(run_id): encode_map(hostile_map()),
                threat_key(run_id): encode_threats(hostile_threats(HOSTILE)),
            }
        )


def test_map_page_draws_the_stored_map_escaped(tmp_path: Path) -> None:
    url = default_url(tmp_path)
    ids = seed(url)
    seed_map(url, ids[2])
    c = client(url)
    page = c.get("/map")
    assert page.status_code == 200
    body = page.text
    assert '<div id="map-drawing" class="map"><svg' in body
    assert "<script" not in body and 'onerror="' not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "/admin/purge" in body and "admin" in body
    assert '<div id="map-threats">' in body and 'class="evidenced"' in body
    assert c.get(f"/map?run={ids[2][:8]}").text == body
    older = c.get(f"/map?run={ids[0]}")
    assert older.status_code == 200 and 'id="no-map"' in older.text and "map-threats" not in older.text
    assert c.get("/map?run=ffffffff").status_code == 404


def test_map_page_on_a_store_with_no_runs(tmp_path: Path) -> None:
    url = default_url(tmp_path)
    with Store.open(url):
        pass
    r = client(url).get("/map")
    assert r.status_code == 200 and "map-drawing" not in r.text


@pytest.fixture
def hostile_map_site(tmp_path: Path) -> Iterator[str]:
    url = default_url(tmp_path)
    ids = seed(url, hostile=True)
    seed_map(url, ids[2])
    yield from tb._serve(url)


@pytest.mark.chromium
def test_map_page_in_a_browser_runs_no_script(hostile_map_site: str, watched: tb.Watched) -> None:
    page = watched.page
    page.goto(hostile_map_site + "/")
    page.click("#nav-map")
    page.wait_for_selector("#map-drawing svg")
    assert "<script>" in page.inner_text("#map-endpoints")  # shown as text
    labels = page.locator("#map-drawing svg text").all_text_contents()
    assert any("<script>alert(1)</script>" in t for t in labels)
    assert "<script>" in page.inner_text("#map-threats")
    assert page.evaluate("() => document.scripts.length") == 0
    box = page.locator("#map-drawing svg").bounding_box()
    assert box is not None and box["width"] > 500 and box["height"] > 100


def test_finding_page_names_the_journey(tmp_path: Path) -> None:
    from dataclasses import replace

    from stackaudit.model import Status
    from tests.storage.factories import assess, make_run, result, sqli

    url = default_url(tmp_path)
    finding = replace(sqli(), endpoint="GET /orders", properties=(("journey", f"checkout{HOSTILE}"),))
    with Store.open(url) as store:
        store.save_run(result(make_run("r" * 32), (assess(finding, Status.NEW),)))
    page = client(url).get(f"/finding/{finding.fingerprint}").text
    assert '<dd id="journey">checkout&lt;script&gt;' in page
    plain = replace(sqli(path="app/other.py"), endpoint="GET /x")
    with Store.open(url) as store:
        store.save_run(result(make_run("s" * 32), (assess(plain, Status.NEW),)))
    assert 'id="journey"' not in client(url).get(f"/finding/{plain.fingerprint}").text
