"""The drawn map: three layers, endpoints grouped by path prefix, capped with counts, every label
escaped, and well-formed SVG whatever the repository's names hold."""

from __future__ import annotations

import xml.etree.ElementTree as ET

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
from stackaudit.scope.render import ENDPOINTS_PER_GROUP, GROUP_CAP, HANDLER_CAP, prefix_of, to_svg

NS = "{http://www.w3.org/2000/svg}"


def _endpoint(path: str, n: int, level: AuthLevel = AuthLevel.ANONYMOUS) -> Endpoint:
    handler = Handler("app.views", f"view_{n}", "app/views.py", n + 1, n + 2)
    return Endpoint("flask", ("GET",), path, handler, Auth(level))


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    # a label's own text: what follows its <title> tooltip
    return [(t.text or "") + "".join(c.tail or "" for c in t) for t in root.iter(f"{NS}text")]


def test_prefix_groups() -> None:
    assert prefix_of("/orders/<int:id>/pay") == "/orders"
    assert prefix_of("orders") == "/orders"
    assert prefix_of("/<slug>/edit") == "/"
    assert prefix_of("") == "/"


def test_layers_and_edges_of_a_small_map() -> None:
    eps = (_endpoint("/orders", 1), _endpoint("/orders/<id>", 2, AuthLevel.ADMIN), _endpoint("/about", 3))
    res = (Resource(ResourceKind.DATASTORE, "postgresql", "app/db.py", 1),)
    edges = (Edge("app.views:view_1", "datastore:postgresql"),)
    svg = to_svg(ServiceMap(eps, res, edges))
    texts = _texts(svg)
    assert "/orders  (2)" in texts and "/about  (1)" in texts
    assert "views:view_1" in texts and "postgresql" in texts  # the tooltip has app.views:view_1
    assert "data stores" in texts
    # group -> handler for each endpoint, handler -> store for the one edge
    assert svg.count("<line") == 4
    assert "#1e8449" in svg  # the admin endpoint's colour


def test_a_big_first_segment_is_split_one_deeper() -> None:
    eps = tuple(_endpoint(f"/api/r{n % 6}/{n}", n) for n in range(60))
    eps += (_endpoint("/health", 99),)
    texts = _texts(to_svg(ServiceMap(eps)))
    assert [t for t in texts if t.startswith("/")] == [
        *(f"/api/r{i}  (10)" for i in range(6)),
        "/health  (1)",
    ]
    assert prefix_of("/api/<v>/x", 2) == "/api"


def test_600_endpoints_stay_readable() -> None:
    eps = tuple(_endpoint(f"/area{n % 80}/item/{n}", n) for n in range(600))
    svg = to_svg(ServiceMap(eps))
    texts = _texts(svg)
    drawn = [t for t in texts if t.startswith("GET /area")]
    assert len(drawn) == GROUP_CAP * ENDPOINTS_PER_GROUP
    hidden_groups = 80 - GROUP_CAP
    assert any(t.endswith(f"more endpoints in {hidden_groups} more groups") for t in texts)
    assert f"{600 - HANDLER_CAP} more handlers" in texts
    assert sum(t.endswith(" more") for t in texts) == GROUP_CAP  # each drawn group says what it hides
    height = int(ET.fromstring(svg).attrib["height"])
    assert height < 6000


def test_hostile_labels_are_escaped() -> None:
    evil = '/x/<script>alert(1)</script>"&'
    eps = (_endpoint(evil, 1),)
    res = (Resource(ResourceKind.OUTBOUND, "<img src=x onerror=alert(1)>", "a.py", 1),)
    svg = to_svg(ServiceMap(eps, res, (Edge("app.views:view_1", res[0].key),)))
    assert "<script>" not in svg and "<img" not in svg
    texts = _texts(svg)  # well-formed, and the reader sees the name as written
    assert f"GET {evil}" in texts
    assert "<img src=x onerror=alert(1)>" in texts
