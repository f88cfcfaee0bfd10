"""The public entry point: stackaudit.report.render, across all formats."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from stackaudit.report import FORMATS, html_data, render
from stackaudit.report.markdown import md
from stackaudit.report.terminal import print_report

from .sample import RULES, empty_result, sample_result


def test_unknown_format_is_a_value_error_naming_the_choices() -> None:
    with pytest.raises(ValueError, match=r"unknown report format 'xml'.*json, sarif, markdown, html"):
        render(sample_result(), "xml", RULES)


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_is_deterministic(fmt: str) -> None:
    assert render(sample_result(), fmt, RULES) == render(sample_result(), fmt, RULES)


@pytest.mark.parametrize("fmt", FORMATS)
def test_reporters_never_filter_every_finding_is_reported(fmt: str) -> None:
    result = sample_result()
    out = render(result, fmt, RULES)
    if fmt == "markdown":  # Markdown shows messages, not fingerprints
        for item in result.findings:
            assert f"| {md(item.finding.message)}" in out
        return
    if fmt == "html":  # the list is drawn from the page's (gzipped) data
        out = json.dumps(html_data.read(out, html_data.DETAILS_ID))
    for item in (*result.findings, *result.suppressed):
        assert item.finding.fingerprint in out, (fmt, item.finding.rule_id)


@pytest.mark.parametrize("fmt", FORMATS)
def test_rules_mapping_may_be_empty(fmt: str) -> None:
    """A stored run read by a version that knows none of its rules still renders."""
    out = render(sample_result(), fmt, {})
    assert "sec" in out and "sql-injection" in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_run_renders(fmt: str) -> None:
    out = render(empty_result(), fmt, RULES)
    assert out.endswith("\n")


def test_terminal_empty_run() -> None:
    buf = io.StringIO()
    print_report(empty_result(), RULES, Console(file=buf, width=100, color_system=None))
    text = buf.getvalue()
    assert "Top five risks" in text and "No findings." in text
    assert "Not analysed" not in text and "Gate" not in text
