"""A template injection in a workflow only people with write access start is kept, low (issue 8
review set: github.ref, matrix values and step outputs of push/tag workflows, 0 of 6 true)."""

from __future__ import annotations

from pathlib import Path

from stackaudit.analyzers.external.zizmor import with_holdings
from stackaudit.analyzers.external.zizmor_audits import AUDITS
from stackaudit.model import Confidence, Location, Severity

_RUN = "    steps:\n      - run: echo ${{ github.ref }}\n"


def test_template_injection_in_a_trusted_workflow_is_low(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "release.yml").write_text("on:\n  push:\n    tags: ['v*']\njobs:\n  a:\n" + _RUN)
    (workflows / "pr.yml").write_text("on: [pull_request_target]\njobs:\n  a:\n" + _RUN)
    rule = next(r for r in AUDITS if r.id == "zizmor.template-injection")
    raw = [
        rule.finding(
            Location(f".github/workflows/{name}", 6), "m", "${{ github.ref }}", severity=Severity.HIGH
        )
        for name in ("release.yml", "pr.yml")
    ]
    found = {
        f.location.path.rsplit("/", 1)[-1]: (f.severity, f.confidence) for f in with_holdings(raw, tmp_path)
    }
    assert found["release.yml"] == (Severity.LOW, Confidence.LOW)
    assert found["pr.yml"] == (Severity.HIGH, rule.confidence)
