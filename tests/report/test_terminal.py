"""Terminal report (Rich): golden output, and hostile strings printed literally and harmlessly."""

from __future__ import annotations

import io
import re

from rich.console import Console

from stackaudit.report import terminal
from stackaudit.report._common import one_line
from stackaudit.report.terminal import print_report

from .golden import check_golden
from .sample import RULES, sample_result

_SGR = re.compile(r"\x1b\[[0-9;]*m")


def _plain(width: int = 110, **kwargs: int) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=False)
    print_report(sample_result(), RULES, console, **kwargs)
    return buf.getvalue()


def _coloured() -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=110, color_system="truecolor", force_terminal=True)
    print_report(sample_result(), RULES, console)
    return buf.getvalue()


def test_golden() -> None:
    check_golden("report.txt", _plain())


def test_sections_in_order() -> None:
    out = _plain()
    marks = ["Top five risks", "Ranked findings", "Summary", "By severity", "Not analysed", "Gate FAILED"]
    positions = [out.index(m) for m in marks]
    assert positions == sorted(positions)


def test_hostile_file_name_prints_literally() -> None:
    out = _plain()
    assert "app/[red]x\\x1b[2J.py:3:5" in out
    assert "\x1b" not in out
    assert "[bold]mallory[/bold] <img src=x onerror=alert(4)>" in out
    assert "[red]markup[/red]" in out
    assert ":skull:" in out and "💀" not in out
    assert "app/<script>alert(5)</script>.py" in out


def test_with_colour_only_style_sequences_reach_the_terminal() -> None:
    out = _coloured()
    assert _SGR.search(out), "colour output expected"
    leftover = _SGR.sub("", out)
    assert "\x1b" not in leftover  # no cursor moves, no screen clears: only SGR colour codes
    assert "app/[red]x\\x1b[2J.py" in leftover


def test_score_reasons_trace_evidence_and_vulnerability() -> None:
    out = _plain()
    assert "Score: Impact 9 \u00d7 Likelihood 7 \u00f7 Effort 0.5 = 126" in out
    assert "Likelihood 7: reachable from a public handler" in out
    assert "source app/views.py:40" in out and "sink   app/db.py:17" in out
    assert "Evidence (nplusone on GET /orders, 2026-11-29): 51 similar SELECT" in out
    assert "CISA KEV: exploited in the wild" in out
    assert "Effort 1: rule default" in out


def test_summary_lists_skips_not_analysed_notices_and_gate() -> None:
    out = _plain()
    assert "Analyzer migrations failed: RecursionError in alembic/versions/0042.py" in out
    assert "Analyzer k6-load skipped: no [slo] section in config" in out
    assert "binary (4): static/logo.png, static/font.woff2, static/a.bin and 1 more" in out
    assert "Notice: vulnerability data is 129 days old" in out
    assert "- critical CVE with a known exploit: CVE-2023-4863" in out


def test_top_and_limit() -> None:
    out = _plain(top=3, limit=2)
    assert "Top three risks" in out
    top_block = out.split("Top three risks", 1)[1].split("Ranked findings", 1)[0]
    assert len(re.findall(r"^\s*\d+\. \d+\s+(CRITICAL|HIGH|MEDIUM|LOW|INFO)", top_block, re.M)) == 3
    assert "… 5 more findings not shown (limit 2)" in out
    assert " 3. " not in out.split("Ranked findings", 1)[1]


def test_unknown_rule_uses_the_rule_id() -> None:
    assert "ruff.S113  ruff.S113" in _plain()


def test_style_tables_cover_every_level() -> None:
    from stackaudit.model import Severity, Status

    assert set(terminal.SEVERITY_STYLE) == set(Severity)
    assert set(terminal.STATUS_STYLE) == set(Status)


def test_long_snippets_say_how_much_is_hidden() -> None:
    from dataclasses import replace

    result = sample_result()
    item = result.findings[0]
    long = replace(item, finding=replace(item.finding, snippet="\n".join(f"line {i}" for i in range(10))))
    buf = io.StringIO()
    print_report(replace(result, findings=(long,)), RULES, Console(file=buf, width=100, color_system=None))
    out = buf.getvalue()
    assert "│ line 5" in out and "line 6" not in out and "│ … 4 more lines" in out


def _report(result: object = None, width: int = 80, terminal: bool = False) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=terminal)
    print_report(result or sample_result(), RULES, console)  # type: ignore[arg-type]
    return buf.getvalue()


def test_a_pipe_at_80_columns_never_splits_rule_ids_or_paths() -> None:
    out = _report(width=80)
    lines = out.splitlines()
    for item in sample_result().findings:
        rule, path = item.finding.rule_id, one_line(item.finding.location.path)
        assert any(rule in line for line in lines), rule
        assert any(path in line for line in lines), path
    top = out.split("Top five risks", 1)[1].split("Ranked findings", 1)[0]
    assert " 1. 160  CRITICAL  sca.vulnerable-dependency  requirements.txt:7:1 · pillow 9.5.0" in top
    assert "┃" not in top and "─" not in top  # no table in a pipe


def test_a_wide_terminal_gets_the_table() -> None:
    top = _report(width=160, terminal=True).split("Top five risks", 1)[1].split("Ranked findings", 1)[0]
    assert "Score" in top and "Severity" in top and "─" in top
    assert "sca.vulnerable-dependency" in top


def test_dependency_rows_name_package_version_and_advisory() -> None:
    out = _report(width=80)
    assert "requirements.txt:7:1 · pillow 9.5.0 PYSEC-2023-175" in out


def test_advisory_text_is_cut_at_a_word_with_an_ellipsis() -> None:
    from dataclasses import replace

    result = sample_result()
    item = result.findings[0]
    assert item.finding.vulnerability is not None
    text = "Pillow " + "overflows the heap buffer when decoding crafted images " * 20
    vuln = replace(item.finding.vulnerability, summary=text)
    cut = replace(item, finding=replace(item.finding, vulnerability=vuln, message=text))
    out = _report(replace(result, findings=(cut,)), width=80)
    advisory = next(line for line in out.splitlines() if line.startswith("    Advisory: "))
    assert advisory.endswith("…") and len(advisory) < len("    Advisory: ") + terminal.MESSAGE_CHARS + 1
    assert advisory[:-1].rstrip().split()[-1] in {"Pillow", "overflows", "the", "heap", "buffer", "when"} | {
        "decoding",
        "crafted",
        "images",
    }


def test_new_is_worded_by_what_it_is_measured_against() -> None:
    from dataclasses import replace

    out = _report()
    assert "7 findings (4 new since the last run)" in out
    assert "2 new since baseline origin/main over the threshold" in out
    gate = replace(sample_result().gate, baseline=None)  # type: ignore[arg-type]
    no_baseline = _report(replace(sample_result(), gate=gate))
    assert "(threshold high; 2 over the threshold)" in no_baseline
