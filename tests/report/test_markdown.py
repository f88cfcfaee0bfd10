"""Markdown report: golden file, and escaping proven by rendering it with a real parser.

markdown-it-py (a CommonMark parser, here with GFM tables and strikethrough, raw HTML
allowed as GitHub allows it before sanitising) turns the report into HTML; the checks
run on that HTML, so an escape that does not hold shows up as an element or a link.
"""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from stackaudit.model import AnalyzerRecord, AnalyzerState, GateVerdict
from stackaudit.report import markdown, render

from .golden import check_golden
from .sample import HOSTILE_PATH, HOSTILE_SNIPPET, RULES, empty_result, sample_result


def _to_html(text: str) -> str:
    html: str = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)
    return html


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.rows: list[int] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append(0)
        elif tag in ("td", "th"):
            self.rows[-1] += 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(text: str) -> _Tags:
    parser = _Tags()
    parser.feed(_to_html(text))
    return parser


def test_golden() -> None:
    check_golden("report.md", render(sample_result(), "markdown", RULES))


def test_no_repo_string_becomes_markup() -> None:
    tags = _parse(render(sample_result(), "markdown", RULES)).tags
    # "strong" (headline counts) and "blockquote" (run notices) are the report's own.
    for forbidden in ("script", "img", "a", "b", "em", "del", "h1", "h4", "ol", "pre"):
        assert forbidden not in tags, forbidden


def test_tables_keep_their_shape_despite_pipes() -> None:
    rows = _parse(render(sample_result(), "markdown", RULES)).rows
    top, everything = rows[:6], rows[6:]
    assert top == [8] * 6  # header + five rows
    assert everything == [10] * 8  # header + seven rows


def test_headline_counts_and_gate() -> None:
    out = render(sample_result(), "markdown", RULES)
    assert out.startswith("## ❌ stackaudit gate failed (high)\n")
    assert "**7 findings** · **4 new since the last run** (2 critical, 1 high, 3 medium, 1 low)" in out
    assert "2 new since baseline origin/main over the threshold" in out
    no_baseline = replace(sample_result(), gate=replace(sample_result().gate, baseline=None))  # type: ignore[arg-type]
    assert "· 2 over the threshold" in render(no_baseline, "markdown", RULES)
    passed = replace(sample_result(), gate=GateVerdict(passed=True, threshold="score>=50"))
    assert render(passed, "markdown", RULES).startswith("## ✅ stackaudit gate passed (score&gt;=50)\n")
    assert render(empty_result(), "markdown", RULES).startswith("## stackaudit report\n")


def test_details_hold_all_findings_and_the_not_analysed_summary() -> None:
    out = render(sample_result(), "markdown", RULES)
    assert "<details><summary>All 7 findings</summary>" in out
    assert "<details><summary>7 files not analysed, 3 analyzers not run cleanly</summary>" in out
    assert "- binary (4): static/logo.png, static/font.woff2, static/a.bin, static/b.bin" in out
    assert "analyzer **migrations** failed" in out


def test_owners_are_code_so_a_pr_comment_does_not_notify_them() -> None:
    html = _to_html(render(sample_result(), "markdown", RULES))
    assert "<code>@team-payments</code>" in html and "<code>@platform</code>" in html


@pytest.mark.parametrize(
    "raw",
    [
        HOSTILE_PATH,
        HOSTILE_SNIPPET,
        "a | b || c",
        "# not a heading",
        "12. not a list",
        "- not a list",
        "> not a quote",
        "*em* _em_ **strong** ~~del~~",
        "[x](javascript:alert(1)) ![i](http://e/x.png) <http://e>",
        "&amp; &lt;script&gt; &#60;",
        "back\\slash at the end\\",
        "`code` ``two``",
    ],
)
def test_md_escape_round_trips_exactly(raw: str) -> None:
    """The rendered text equals the raw string: nothing interpreted, nothing lost."""
    parsed = _parse(markdown.md(raw))
    assert parsed.tags == ["p"]
    assert "".join(parsed.text).strip() == markdown.c.one_line(raw).strip()


@pytest.mark.parametrize(
    "raw", ["x", "`", "a ``b`` c", "`start", "end`", "<script>alert(1)</script>", "@bob"]
)
def test_code_span_round_trips_exactly(raw: str) -> None:
    html = _to_html(markdown.code(raw))
    parsed = _parse(markdown.code(raw))
    assert parsed.tags == ["p", "code"], html
    assert "".join(parsed.text).strip() == raw.strip()


def test_code_span_inside_a_table_keeps_pipes_in_the_cell() -> None:
    table = f"| a | b |\n|---|---|\n| {markdown.code('x | y')} | z |\n"
    parsed = _parse(table)
    assert parsed.rows == [2, 2]
    assert "x | y" in "".join(parsed.text)


def test_a_large_run_fits_a_pr_comment_and_says_what_it_left_out() -> None:
    result = sample_result()
    many = tuple(
        replace(item, finding=replace(item.finding, occurrence=i))
        for i in range(400)
        for item in result.findings
    )
    out = render(replace(result, findings=many), "markdown", RULES)
    assert len(out) < 65_536
    listed = _parse(out).rows[6:]
    assert 100 < len(listed) - 1 < len(many)
    assert f"<details><summary>Findings 1 to {len(listed) - 1} of {len(many)}</summary>" in out
    assert f"{len(many) - (len(listed) - 1)} more findings are not listed here" in out
    assert "**2800 findings**" in out


def test_every_part_is_capped_so_the_whole_fits_whatever_the_result_holds() -> None:
    """A hostile result: 600 gate reasons, 300 notices, 300 failing analyzers, huge strings."""
    base = sample_result()
    long = "word " * 3000
    gate = replace(base.gate, reasons=tuple(f"reason {i} {long}" for i in range(600)))  # type: ignore[arg-type]
    analyzers = tuple(AnalyzerRecord(f"an{i}", "1", AnalyzerState.FAILED, reason=long) for i in range(300))
    run = replace(base.run, notices=tuple(f"notice {i} {long}" for i in range(300)), analyzers=analyzers)
    huge = tuple(
        replace(a, finding=replace(a.finding, message=long, snippet=long, occurrence=i))
        for i in range(3000)
        for a in base.findings[:1]
    )
    out = render(replace(base, run=run, gate=gate, findings=huge), "markdown", RULES)
    assert len(out) < 65_536
    assert out.index("stackaudit gate failed") < out.index("Top five risks") < out.index("<details>")
    assert "- and 590 more" in out  # gate reasons capped
    assert "- and 290 more" in out  # notices and analyzers capped
    assert "more findings are not listed here" in out
