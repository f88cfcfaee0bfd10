"""The JSON report (schema stackaudit.load v1) against a golden file, and the terminal view."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

from rich.console import Console

from stackaudit.config.sections.runtime import LoadConfig
from stackaudit.runtime.load import planfile
from stackaudit.runtime.load import report as rep
from stackaudit.runtime.load.runner import analyse_merged
from stackaudit.runtime.load.samples import parse_file

HERE = Path(__file__).parent
GOLDEN = HERE / "golden" / "report-two-steps.json"


def _report() -> rep.LoadReport:
    pf = planfile.load(HERE / "fixtures" / "k6-two-steps.plan.json")
    return analyse_merged(pf, parse_file(HERE / "fixtures" / "k6-two-steps.json.gz"), LoadConfig(), files=1)


def test_json_report_matches_golden() -> None:
    text = rep.to_json(_report())
    if os.environ.get("STACKAUDIT_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text)
    assert json.loads(text) == json.loads(GOLDEN.read_text())


def test_json_report_carries_the_documented_keys() -> None:
    doc = rep.to_dict(_report())
    assert {"schema", "version", "mode", "target", "knee_rps", "verdicts", "steps", "partial"} <= set(doc)
    for step in doc["steps"]:
        for row in [step, *step["endpoints"]]:
            assert {"offered_rps", "achieved_rps", "p50_ms", "p95_ms", "p99_ms", "error_rate"} <= set(row)


def test_terminal_view_escapes_repo_strings() -> None:
    report = _report()
    report = rep.LoadReport(
        report.mode,
        "http://h/[blink]",
        report.steps,
        report.verdicts,
        report.knee_rps,
        problems=("[red]not markup[/red]",),
    )
    out = io.StringIO()
    rep.render(report, Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    assert "http://h/[blink]" in text and "[red]not markup[/red]" in text
    assert "PASS orders (GET /orders)" in text
