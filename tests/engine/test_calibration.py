"""Calibration on the review set (issue 8): test-data keys off, vendored code low, audit-event
coverage off by default, weak hashes off in tests."""

from __future__ import annotations

import pytest

from stackaudit.analyzers import registry
from stackaudit.config.schema import Config, RuleOverride
from stackaudit.engine.context import Area, area_of
from stackaudit.engine.merge import authorities
from stackaudit.engine.postprocess import Finalised, finalise
from stackaudit.model import Category, CodeContext, Confidence, Finding, Location, RuleMeta, Severity

TABLE = authorities(registry.all_analyzers())


def _rule(
    rule_id: str, severity: Severity = Severity.HIGH, category: Category = Category.SECURITY
) -> RuleMeta:
    return RuleMeta(id=rule_id, title="t", category=category, severity=severity, doc="d")


KEY = _rule("secret.private-key", Severity.CRITICAL)
SERVICE_ACCOUNT = _rule("secret.gcp-service-account", Severity.CRITICAL)
AWS = _rule("secret.aws-access-key", Severity.CRITICAL)
BROWSER_KEY = _rule("secret.gcp-api-key", Severity.MEDIUM)
AUDIT = _rule("audit.missing-audit-event", Severity.MEDIUM, Category.SECURITY)
WEAK_HASH = _rule("sec.weak-hash", Severity.MEDIUM)


def _finalise(findings: list[Finding], config: Config | None = None) -> Finalised:
    return finalise(findings, {}, config or Config(), lambda a, p: True, TABLE, ())


@pytest.mark.parametrize(
    ("path", "area"),
    [
        ("src/helpdesk/static/helpdesk/vendor/timeline3/js/timeline.js", Area.VENDORED),
        ("static/js/jquery-3.7.1.min.js", Area.VENDORED),
        ("static/js/timeline-min.js", Area.VENDORED),
        ("web/third_party/lib/x.py", Area.VENDORED),
        ("frontend/node_modules/left-pad/index.js", Area.VENDORED),
        ("static/js/app.js", None),
        ("app/vendors.py", None),  # a module about vendors is first-party code
        ("tests/vendor/x.py", Area.TEST),  # test code first: its own rules apply
    ],
)
def test_vendored_paths(path: str, area: Area | None) -> None:
    assert area_of(path) == area


def test_keys_in_test_data_are_off_provider_tokens_stay() -> None:
    findings = [
        KEY.finding(Location("tests/testdata/ca/cakey.pem", 1), "m", "-----BEGIN RSA PRIVATE KEY-----"),
        SERVICE_ACCOUNT.finding(Location("tests/testdata/firebase-test.json", 5), "m", '"private_key": "…"'),
        AWS.finding(Location("tests/test_s3.py", 4), "m", "AKIA…"),
        KEY.finding(Location("deploy/server.key", 1), "m", "-----BEGIN RSA PRIVATE KEY-----"),
    ]
    done = _finalise(findings)
    kept = {(f.rule_id, f.location.path) for f in done.findings}
    assert kept == {
        ("secret.aws-access-key", "tests/test_s3.py"),
        ("secret.private-key", "deploy/server.key"),
    }
    assert "secret.private-key x1" in done.notices[0] and "secret.gcp-service-account x1" in done.notices[0]
    assert len(_finalise(findings, Config(test_rules="all")).findings) == 4


def test_vendored_findings_are_kept_low() -> None:
    path = "src/helpdesk/static/helpdesk/vendor/timeline3/js/timeline-min.js"
    (found,) = _finalise([BROWSER_KEY.finding(Location(path, 11), "m", "AIza…")]).findings
    assert (found.severity, found.confidence, found.prop("code_area")) == (
        Severity.LOW,
        Confidence.LOW,
        "vendored",
    )
    assert found.context == CodeContext.UNKNOWN
    (own,) = _finalise([BROWSER_KEY.finding(Location("static/js/maps.js", 3), "m", "AIza…")]).findings
    assert own.severity == Severity.MEDIUM and own.prop("code_area") is None


def test_missing_audit_event_is_off_by_default_and_can_be_turned_on() -> None:
    finding = AUDIT.finding(Location("app/views.py", 10), "m", "def export_csv")
    done = _finalise([finding])
    assert done.findings == [] and "audit.missing-audit-event x1" in done.notices[0]
    config = Config(rules={"audit.missing-audit-event": RuleOverride(enabled=True)})
    assert [f.rule_id for f in _finalise([finding], config).findings] == ["audit.missing-audit-event"]


def test_weak_hash_is_off_in_tests() -> None:
    findings = [
        WEAK_HASH.finding(Location("app/tests/conftest.py", 62), "m", "hashlib.md5(name)"),
        WEAK_HASH.finding(Location("app/auth.py", 9), "m", "hashlib.md5(password)"),
    ]
    assert [f.location.path for f in _finalise(findings).findings] == ["app/auth.py"]


def test_the_projects_noqa_on_ruffs_code_covers_our_equivalent_rule() -> None:
    s324 = RuleMeta(id="ruff.S324", title="t", category=Category.SECURITY, severity=Severity.MEDIUM, doc="d")
    why = "# noqa: S324 on line 24 -- used for cache busting"
    quiet = s324.finding(
        Location("app/cache.py", 24), "m", "hashlib.md5", tool="ruff", properties=(("suppressed_by", why),)
    )
    ours = WEAK_HASH.finding(Location("app/cache.py", 24, end_line=24), "m", "hashlib.md5(response.content)")
    other = WEAK_HASH.finding(Location("app/cache.py", 40), "m", "hashlib.md5(password)")
    done = _finalise([quiet, ours, other])
    reasons = {(f.rule_id, f.location.line): f.prop("suppressed_by") for f in done.findings}
    assert reasons == {("ruff.S324", 24): why, ("sec.weak-hash", 24): why, ("sec.weak-hash", 40): None}


def test_mark_safe_patterns_without_a_flow_stay_low() -> None:
    """ruff's S308/S704 where the taint engine analysed the file and found no flow and no proof:
    kept as unconfirmed, low; where it could not analyse the file the severity stays."""
    s704 = RuleMeta(
        id="ruff.S704", title="t", category=Category.SECURITY, severity=Severity.MEDIUM, doc="d", cwe=(79,)
    )
    finding = s704.finding(Location("app/forms.py", 9), "m", "Markup(message)", tool="ruff")
    (kept,) = finalise([finding], {}, Config(), lambda a, p: True, TABLE, ()).findings
    assert (kept.severity, kept.prop("origin")) == (Severity.LOW, "unconfirmed")
    (untraced,) = finalise([finding], {}, Config(), lambda a, p: False, TABLE, ()).findings
    assert untraced.severity == Severity.MEDIUM


def test_example_projects_are_kept_low() -> None:
    """hyperkitty's example_project/settings.py sets DEBUG = True: how to deploy, not what is."""
    debug = RuleMeta(
        id="sec.debug-enabled", title="t", category=Category.SECURITY, severity=Severity.HIGH, doc="d"
    )
    (found,) = _finalise(
        [debug.finding(Location("example_project/settings.py", 25), "m", "DEBUG = True")]
    ).findings
    assert (found.severity, found.confidence, found.prop("code_area")) == (
        Severity.LOW,
        Confidence.LOW,
        "example",
    )
    (own,) = _finalise([debug.finding(Location("hyperkitty/settings.py", 25), "m", "DEBUG = True")]).findings
    assert own.severity == Severity.HIGH and own.prop("code_area") is None
