"""The audit reports show the journeys a finding's endpoint is on, and the HTML report draws the
service map (escaped, no script of its own)."""

from __future__ import annotations

import dataclasses
import io
import re

from rich.console import Console

from stackaudit.model import AuditResult
from stackaudit.report import html, markdown, terminal
from stackaudit.scope.model import Auth, Endpoint, Handler, Resource, ResourceKind, ServiceMap
from tests.report.sample import RULES, sample_result
from tests.threat.helpers import hostile_threats

EVIL = "/pay/<script>alert(1)</script>"


def _with_journey() -> AuditResult:
    result = sample_result()
    first = result.findings[0]
    props = (*first.finding.properties, ("journey", "check<b>out</b>"), ("journey_critical", "checkout"))
    finding = dataclasses.replace(first.finding, properties=props)
    handler = Handler("shop.orders", "pay", "shop/orders.py", 3, 9)
    smap = ServiceMap(
        (Endpoint("flask", ("POST",), EVIL, handler, Auth()),),
        (Resource(ResourceKind.DATASTORE, "<img src=x>", "shop/db.py", 1),),
    )
    findings = (dataclasses.replace(first, finding=finding), *result.findings[1:])
    threats = hostile_threats("<script>alert(2)</script>")
    return dataclasses.replace(result, findings=findings, service_map=smap, threat_model=threats)


def test_markdown_and_terminal_name_the_journey() -> None:
    result = _with_journey()
    text = markdown.render(result, RULES)
    assert "journey check&lt;b&gt;out&lt;/b&gt;" in text
    assert "journey" not in markdown.render(sample_result(), RULES)
    buf = io.StringIO()
    console = Console(file=buf, width=160, color_system=None, force_terminal=True)
    terminal.print_report(result, RULES, console)
    assert "journey check<b>out</b>" in buf.getvalue()


def test_html_report_draws_the_map_escaped() -> None:
    result = _with_journey()
    page = html.render(result, RULES)
    section = re.search(r'<section id="map">.*?</section>', page, re.S)
    assert section is not None
    assert "<svg" in section.group(0) and "<script" not in section.group(0)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section.group(0)
    assert "<img" not in section.group(0)
    without = html.render(sample_result(), RULES)
    assert page.count("<script") == without.count("<script")  # the report's own, nothing more
    assert '<section id="map">' not in without


def test_html_report_has_the_threat_model_of_the_journeys() -> None:
    page = html.render(_with_journey(), RULES)
    section = re.search(r'<section id="threats">.*?</section>', page, re.S)
    assert section is not None
    text = section.group(0)
    assert "<script" not in text and "&lt;script&gt;alert(2)&lt;/script&gt;" in text
    assert 'class="evidenced"' in text and "sec.sql-injection" in text
    assert "Who calls &lt;script&gt;" in text  # the open threat's question
    assert '<section id="threats">' not in html.render(sample_result(), RULES)
