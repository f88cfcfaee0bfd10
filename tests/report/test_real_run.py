"""Every format on a real audit of the example service (real analyzers, real engine).

The sample result covers every field; this covers what real analyzers actually
produce (their locations, traces, reasons), validated against both schemas.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, Draft202012Validator
from rich.console import Console

from stackaudit.model import AuditResult, RuleMeta
from stackaudit.report import json_v1, render
from stackaudit.report.terminal import print_report

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shop"


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditResult, dict[str, RuleMeta]]:
    if not EXAMPLE.is_dir():
        pytest.skip("examples/shop is not present")
    from stackaudit.analyzers import registry
    from stackaudit.config.loader import load_config
    from stackaudit.engine.pipeline import AuditOptions, run_audit

    tmp = tmp_path_factory.mktemp("real")
    root = tmp / "shop"
    shutil.copytree(EXAMPLE, root)
    options = AuditOptions(
        root=root, config=load_config(root), db_url=f"sqlite:///{tmp / 'db.sqlite'}", jobs=1, use_cache=False
    )
    result = run_audit(options)
    assert result.findings, "the example service has planted problems"
    return result, dict(registry.rule_index().rules)


@pytest.mark.slow
def test_real_run_json_validates(audited: tuple[AuditResult, dict[str, RuleMeta]]) -> None:
    result, rules = audited
    doc = json.loads(render(result, "json", rules))
    errors = list(Draft202012Validator(json_v1.load_schema()).iter_errors(doc))
    assert not errors, [e.message for e in errors[:3]]
    assert len(doc["findings"]) == len(result.findings)
    assert all(f["title"] != f["rule_id"] for f in doc["findings"] if f["tool"] == "stackaudit")


@pytest.mark.slow
def test_real_run_sarif_validates(
    audited: tuple[AuditResult, dict[str, RuleMeta]], sarif_schema: Path
) -> None:
    result, rules = audited
    schema = json.loads(sarif_schema.read_text("utf-8"))
    doc = json.loads(render(result, "sarif", rules))
    errors = list(Draft4Validator(schema).iter_errors(doc))
    assert not errors, [e.message for e in errors[:3]]
    tools = {r["tool"]["driver"]["name"] for r in doc["runs"]}
    assert tools == {"stackaudit"} | {a.finding.tool for a in result.findings}
    for run in doc["runs"]:
        for res in run["results"]:
            uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert uri and not uri.startswith("/"), res["ruleId"]


@pytest.mark.slow
def test_real_run_human_formats(audited: tuple[AuditResult, dict[str, RuleMeta]]) -> None:
    result, rules = audited
    top = result.findings[0].finding
    assert top.rule_id in render(result, "html", rules)
    assert top.rule_id in render(result, "markdown", rules)
    buf = io.StringIO()
    print_report(result, rules, Console(file=buf, width=120, color_system=None))
    assert top.rule_id in buf.getvalue() and "Top five risks" in buf.getvalue()
