"""Shared text hygiene and summaries."""

from __future__ import annotations

import pytest

from stackaudit.model import Category, NotAnalysedReason, Severity
from stackaudit.report import _common as c

from .sample import sample_result


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("[red]x\x1b[2J.py", "[red]x\\x1b[2J.py"),
        ("bell\x07 nul\x00 del\x7f c1\x9b", "bell\\x07 nul\\x00 del\\x7f c1\\x9b"),
        ("evil\u202egnp.py", "evil\\u202egnp.py"),  # Trojan Source: right-to-left override
        ("isolate\u2066x\u2069", "isolate\\u2066x\\u2069"),
        ("tabs\tand\nnewlines stay", "tabs\tand\nnewlines stay"),
        ("café ünïcode ✓", "café ünïcode ✓"),
    ],
)
def test_neutralise_makes_controls_visible(raw: str, shown: str) -> None:
    assert c.neutralise(raw) == shown


def test_one_line_folds_breaks() -> None:
    assert c.one_line("a\nb\tc\r") == "a b c\\x0d"


@pytest.mark.parametrize(("value", "text"), [(8.0, "8"), (2.5, "2.5"), (28.333333, "28.33"), (0.25, "0.25")])
def test_num(value: float, text: str) -> None:
    assert c.num(value) == text


@pytest.mark.parametrize(
    ("top", "heading"), [(1, "Top one risk"), (5, "Top five risks"), (12, "Top 12 risks")]
)
def test_top_heading(top: int, heading: str) -> None:
    assert c.top_heading(top) == heading


def test_counts_keep_every_level_and_category() -> None:
    n = c.counts(sample_result().findings)
    assert n.total == 7 and n.new == 4
    assert [s for s, _ in n.by_severity] == sorted(Severity, reverse=True)
    assert dict(n.by_severity) == {
        Severity.CRITICAL: 2,
        Severity.HIGH: 1,
        Severity.MEDIUM: 3,
        Severity.LOW: 1,
        Severity.INFO: 0,
    }
    assert [k for k, _ in n.by_category] == list(Category)


def test_not_analysed_groups_in_first_appearance_order() -> None:
    groups = c.not_analysed_groups(sample_result())
    assert [reason for reason, _ in groups] == [
        NotAnalysedReason.BINARY,
        NotAnalysedReason.TOO_LARGE,
        NotAnalysedReason.SYNTAX_ERROR,
        NotAnalysedReason.DECODE_ERROR,
    ]
    assert [e.path for e in groups[0][1]] == [
        "static/logo.png",
        "static/font.woff2",
        "static/a.bin",
        "static/b.bin",
    ]


def test_analyzer_remarks_skip_clean_runs_without_a_reason() -> None:
    remarks = c.analyzer_remarks(sample_result())
    assert [a.name for a in remarks] == ["ruff", "zizmor", "k6-load", "migrations"]
    assert c.not_clean(remarks) == 3


def test_score_formula_shows_the_designs_worked_example() -> None:
    from stackaudit.model import Factor, Score

    score = Score(Factor(8, ("writes orders",)), Factor(7, ("public handler",)), Factor(2))
    assert c.score_formula(score) == "Impact 8 \u00d7 Likelihood 7 \u00f7 Effort 2 = 28"
    assert c.score_factors(score)[0] == ("Impact", 8, ("writes orders",))
