"""Config that does what it says, through a real audit: severity overrides and warm caches."""

from __future__ import annotations

from pathlib import Path

from stackaudit.config.schema import Config
from stackaudit.engine.pipeline import AuditOptions, run_audit
from stackaudit.model import AuditResult, Severity

RISKY = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"


def _audit(root: Path, db: Path, config: Config, only: str = "python-rules") -> AuditResult:
    options = AuditOptions(root=root, config=config, db_url=str(db), jobs=1, only_analyzers=frozenset({only}))
    return run_audit(options)


def _cached(result: AuditResult, name: str) -> bool:
    return next(r for r in result.run.analyzers if r.name == name).cached


def test_rule_severity_override_is_applied_and_gates(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(RISKY)
    db = tmp_path / "h.db"
    plain = _audit(tmp_path, db, Config(fail_on="high"))
    (finding,) = [a.finding for a in plain.findings if a.finding.rule_id == "scale.no-timeout"]
    assert finding.severity < Severity.CRITICAL
    config = Config.model_validate(
        {"fail_on": "critical", "rules": {"scale.no-timeout": {"severity": "critical"}}}
    )
    raised = _audit(tmp_path, db, config)
    (item,) = [a for a in raised.findings if a.finding.rule_id == "scale.no-timeout"]
    assert item.finding.severity == Severity.CRITICAL
    assert item.finding.fingerprint == finding.fingerprint  # identity does not move
    assert raised.gate is not None and not raised.gate.passed


def test_editing_fail_on_or_another_section_keeps_the_cache_warm(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(RISKY)
    db = tmp_path / "h.db"
    first = _audit(tmp_path, db, Config())
    assert not _cached(first, "python-rules")
    again = _audit(tmp_path, db, Config.model_validate({"fail_on": "low", "secrets": {"min_entropy": 4.5}}))
    assert _cached(again, "python-rules")
    secrets = _audit(tmp_path, db, Config(), only="secrets")
    assert not _cached(secrets, "secrets")
    edited = _audit(tmp_path, db, Config.model_validate({"secrets": {"min_entropy": 4.5}}), only="secrets")
    assert not _cached(edited, "secrets")  # its own section changed: analysed again
