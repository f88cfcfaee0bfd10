"""Outputs of the threat model: every repository string escaped, the same bytes twice, and the
review record at the top of Markdown and HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

from stackaudit.threat.build import build
from stackaudit.threat.journeys import Journey
from stackaudit.threat.render import to_html, to_json, to_markdown, to_terminal
from stackaudit.threat.review import parse
from tests.scope.helpers import write_app
from tests.threat.helpers import assessment

HOSTILE = """
from flask import Flask

app = Flask(__name__)


@app.post("/x/<script>alert(1)</script>/*[a](javascript:b)|c\x1b[31m")
def evil():
    return "x"
"""
ROUTE = "/x/<script>alert(1)</script>/*[a](javascript:b)|c\x1b[31m"


def _model(tmp_path: Path):  # type: ignore[no-untyped-def]
    scope = write_app(tmp_path, {"svc/__init__.py": "", "svc/main.py": HOSTILE})
    smap = scope.service_map()
    label = f"POST {ROUTE}"
    findings = [assessment("audit.missing-audit-event", "svc/main.py", 8, endpoint=label)]
    journeys = [Journey("<img src=x onerror=alert(1)>", (label,), critical=True)]
    return build(scope, smap, journeys, findings, "run <b>1</b>", "2026-12-08"), smap


def test_html_escapes_every_repository_string(tmp_path: Path) -> None:
    model, smap = _model(tmp_path)
    page = to_html(model, smap)
    assert "<script>" not in page and "<img" not in page and "<b>" not in page and "\x1b" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "default-src 'none'" in page


def test_markdown_escapes_and_keeps_the_record(tmp_path: Path) -> None:
    model, smap = _model(tmp_path)
    text = to_markdown(model, smap)
    # code spans and the Mermaid fence are literal text (the fence's labels: scope/render.py)
    body = re.sub(r"```mermaid.*?```", "", text.split("\n", 1)[1], flags=re.S)
    body = re.sub(r"(`+).*?\1", "", body)
    assert "<script>" not in body and "<img" not in body
    assert "](javascript:" not in body
    assert "\x1b" not in text
    review = parse(text)
    assert review is not None and review.date == "2026-12-08"
    assert list(review.journeys) == ["<img src=x onerror=alert(1)>"]
    assert "```mermaid" in text


def test_terminal_and_json(tmp_path: Path) -> None:
    model, _ = _model(tmp_path)
    assert "\x1b" not in to_terminal(model)
    data = json.loads(to_json(model))
    assert data["schema"] == "stackaudit.threat-model/v1"
    (journey,) = data["journeys"]
    rep = [t for t in journey["threats"] if t["stride"] == "repudiation"]
    assert rep[0]["status"] == "evidenced" and rep[0]["findings"][0]["rule"] == "audit.missing-audit-event"
    assert parse(to_json(model)) is not None


def test_same_bytes_twice(tmp_path: Path) -> None:
    one, smap = _model(tmp_path / "a")
    two, smap2 = _model(tmp_path / "b")
    assert to_markdown(one, smap) == to_markdown(two, smap2)
    assert to_json(one) == to_json(two)
    assert to_html(one, smap) == to_html(two, smap2)


def test_journey_diagram_has_its_trust_boundaries() -> None:
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
    from stackaudit.threat.render import journey_mermaid

    handler = Handler("svc", "pay", "svc.py", 1, 2)
    eps = (
        Endpoint("flask", ("POST",), '/pay/<script>"x', handler, Auth(AuthLevel.ADMIN)),
        Endpoint("flask", ("GET",), "/pay", handler, Auth(AuthLevel.AUTHENTICATED)),
    )
    res = (
        Resource(ResourceKind.DATASTORE, "postgresql", "db.py", 1),
        Resource(ResourceKind.QUEUE, "celery:send", "t.py", 1),
    )
    edges = (Edge(handler.ref, res[0].key), Edge(handler.ref, res[1].key, action="produces"))
    text = journey_mermaid(ServiceMap(eps, res, edges))
    assert 'subgraph service["service"]' in text and 'subgraph stores["data stores"]' in text
    assert 'subgraph queues["queues"]' in text and "third parties" not in text
    assert "internet -->|authenticated| h0" in text  # the most exposed of the handler's endpoints
    assert "<script>" not in text and '"x' not in text.replace('"]', "")
    assert "h0 -->|produces| r1" in text
