"""Noise controls: where code runs, rules off there, the project's own suppressions,
one finding per root cause, origin and workflow scoring, the gate on unconfirmed findings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from stackaudit.analyzers import registry
from stackaudit.config.schema import Config, RuleOverride
from stackaudit.engine.assess import AssessInputs, assess
from stackaudit.engine.context import Area, area_of
from stackaudit.engine.gate import Threshold
from stackaudit.engine.merge import authorities
from stackaudit.engine.postprocess import Finalised, finalise, group
from stackaudit.engine.score import ScoreInputs, score
from stackaudit.engine.suppress import parse_nosec
from stackaudit.model import (
    Assessment,
    Category,
    CodeContext,
    Factor,
    Finding,
    Location,
    RuleMeta,
    Score,
    Severity,
    Status,
    TraceStep,
    VulnerabilityInfo,
)

TABLE = authorities(registry.all_analyzers())


def _rule(rule_id: str, category: Category = Category.SECURITY, cwe: tuple[int, ...] = ()) -> RuleMeta:
    return RuleMeta(id=rule_id, title="t", category=category, severity=Severity.HIGH, doc="d", cwe=cwe)


S101 = _rule("ruff.S101", cwe=(703,))
S105 = _rule("ruff.S105", cwe=(259,))
S602 = _rule("ruff.S602", cwe=(78,))
S324 = _rule("ruff.S324", cwe=(328,))
TIMEOUT = _rule("scale.no-timeout", Category.SCALABILITY, (400,))
NPLUS = _rule("perf.n-plus-one", Category.PERFORMANCE)
CMD = _rule("sec.command-injection", cwe=(78,))
XSS = _rule("sec.xss", cwe=(79,))
VULN = _rule("sca.vulnerable-dependency", Category.SUPPLY_CHAIN)
UNPINNED = _rule("zizmor.unpinned-uses", cwe=(829,))


def _finalise(findings: list[Finding], config: Config | None = None, source: str = "") -> Finalised:
    nosec = {"app/x.py": parse_nosec(source)} if source else {}
    return finalise(findings, {}, config or Config(), lambda a, p: True, TABLE, (), nosec)


@pytest.mark.parametrize(
    ("path", "area"),
    [
        ("tests/test_views.py", Area.TEST),
        ("src/app/tests/factories.py", Area.TEST),
        ("app/tests.py", Area.TEST),
        ("pkg/views_test.py", Area.TEST),
        ("conftest.py", Area.TEST),
        ("tests/fixtures/sample.py", Area.FIXTURE),
        ("crates/ruff_linter/resources/test/fixtures/S101.py", Area.FIXTURE),
        ("testdata/a.py", Area.FIXTURE),
        ("rules/.semgrep/x.py", Area.FIXTURE),
        ("app/migrations/0004_data.py", Area.MIGRATION),
        ("migrations/versions/3f2a_add.py", Area.MIGRATION),
        ("maubot/db/upgrade/v01_initial_revision.py", Area.MIGRATION),
        ("app/upgrade/views.py", None),
        ("example_project/settings.py", Area.EXAMPLE),
        ("docs/examples/app.py", Area.EXAMPLE),
        ("demo/app.py", Area.EXAMPLE),
        ("app/examples.py", None),
        ("app/views.py", None),
        ("app/testing_utils_prod.py", None),
        ("app/contest.py", None),
    ],
)
def test_paths_are_classified_by_real_layouts(path: str, area: Area | None) -> None:
    assert area_of(path) == area


def test_rules_that_make_no_sense_in_tests_are_off_there_with_a_notice() -> None:
    findings = [
        S105.finding(Location("tests/test_a.py", 3), "m", "PASSWORD = 'x'", tool="ruff"),
        TIMEOUT.finding(Location("tests/fixtures/client.py", 3), "m", "requests.get(u)"),
        NPLUS.finding(Location("app/migrations/0004_fill.py", 9), "m", "for x in X.objects.all()"),
        S602.finding(Location("tests/test_a.py", 9), "m", "subprocess.call(c, shell=True)", tool="ruff"),
        S105.finding(Location("app/settings.py", 3), "m", "PASSWORD = 'x'", tool="ruff"),
        XSS.finding(Location("app/tests/util.py", 7), "m", "make_response(body)"),
    ]
    done = _finalise(findings)
    kept = {(f.location.path, f.rule_id): f for f in done.findings}
    assert set(kept) == {("tests/test_a.py", "ruff.S602"), ("app/settings.py", "ruff.S105")}
    assert kept[("tests/test_a.py", "ruff.S602")].context == CodeContext.TEST
    assert kept[("tests/test_a.py", "ruff.S602")].prop("code_area") == "test"
    (notice,) = done.notices
    assert "4 finding(s)" in notice and 'test_rules = "all"' in notice
    everything = _finalise(findings, Config(test_rules="all"))
    assert len(everything.findings) == 6 and not everything.notices


def test_commands_and_scheduled_jobs_are_script_code_whatever_the_analyzer_said() -> None:
    """An analyzer that saw no route says LIBRARY; a management command or a cron job runs off the
    request path (django-helpdesk, hyperkitty: their N+1 findings there ranked like views')."""
    paths = {
        "helpdesk/management/commands/escalate.py": CodeContext.SCRIPT,
        "hyperkitty/jobs/orphan_emails.py": CodeContext.SCRIPT,
        "app/services/users.py": CodeContext.LIBRARY,
    }
    findings = [
        NPLUS.finding(Location(path, 9), "m", "for x in X.objects.all()", context=CodeContext.LIBRARY)
        for path in paths
    ]
    handler = NPLUS.finding(Location("app/jobs/views.py", 3), "m", "q", context=CodeContext.HANDLER)
    placed = {f.location.path: f.context for f in _finalise([*findings, handler]).findings}
    assert placed == {**paths, "app/jobs/views.py": CodeContext.HANDLER}


def test_test_rules_setting_is_validated() -> None:
    with pytest.raises(ValueError, match="test_rules"):
        Config(test_rules="some")  # type: ignore[arg-type]


def test_opinionated_async_timeout_parameter_is_off_by_default() -> None:
    rule = _rule("ruff.ASYNC109", Category.SCALABILITY)
    finding = rule.finding(Location("app/a.py", 3), "m", "async def f(timeout=5):", tool="ruff")
    assert _finalise([finding]).findings == []


def test_assert_is_off_by_default_and_can_be_turned_back_on() -> None:
    finding = S101.finding(Location("app/a.py", 3), "m", "assert x", tool="ruff")
    done = _finalise([finding])
    assert done.findings == [] and "ruff.S101" in done.notices[0] and "enabled = true" in done.notices[0]
    config = Config(rules={"ruff.S101": RuleOverride(enabled=True)})
    assert [f.rule_id for f in _finalise([finding], config).findings] == ["ruff.S101"]


def test_nosec_is_the_projects_decision_on_security_findings() -> None:
    source = "a = 1\nsubprocess.call(c, shell=True)  # nosec B602\nhashlib.md5(x)  # nosec\nhashlib.md5(y)  # nosec B602\n"
    findings = [
        S602.finding(Location("app/x.py", 2), "m", "subprocess.call", tool="ruff"),
        CMD.finding(
            Location("app/x.py", 2, end_line=2), "m", "flow", trace=(TraceStep(Location("app/x.py", 1), "s"),)
        ),
        S324.finding(Location("app/x.py", 3), "m", "hashlib.md5(x)", tool="ruff"),
        S324.finding(Location("app/x.py", 4), "m", "hashlib.md5(y)", tool="ruff"),
    ]
    done = _finalise(findings, source=source)
    reasons = {(f.location.line, f.rule_id): f.prop("suppressed_by") for f in done.findings}
    assert (
        reasons[(2, "sec.command-injection")] == "# nosec B602 on line 2 (Bandit)"
    )  # the ruff one folded in
    assert reasons[(3, "ruff.S324")] == "# nosec on line 3 (Bandit)"
    assert reasons[(4, "ruff.S324")] is None  # B602 does not cover a weak hash
    active, quiet = assess(AssessInputs(done.findings, {}, Config(), (), {}, {}, datetime.now(UTC)))
    assert {a.status for a in quiet} == {Status.SUPPRESSED} and len(quiet) == 2
    assert all("the project's own decision" in (a.suppression or "") for a in quiet)
    assert len(active) == 1


def test_one_finding_per_root_cause_with_a_stable_identity() -> None:
    calls = [
        TIMEOUT.finding(Location(path, line), "requests `get` without a timeout", "requests.get(url)")
        for path, line in (("a.py", 3), ("b.py", 9), ("c.py", 1))
    ]
    other = TIMEOUT.finding(Location("a.py", 7), "m", "requests.post(url, json=j)")
    (grouped, post) = sorted(group([*calls, other]), key=lambda f: f.snippet)
    assert grouped.prop("group_size") == "3" and len(grouped.related) == 2
    assert grouped.location == Location("a.py", 3) and post.prop("group_size") == "1"
    (without_first,) = [f for f in group(calls[1:]) if f.snippet == "requests.get(url)"]
    assert without_first.fingerprint == grouped.fingerprint  # identity is rule + key, not a place


def test_flows_secrets_and_tests_are_not_merged_into_production_groups() -> None:
    flows = [
        CMD.finding(Location(p, 2), "m", "subprocess.call(c)", trace=(TraceStep(Location(p, 1), "s"),))
        for p in ("a.py", "b.py")
    ]
    prod = S324.finding(Location("a.py", 3), "m", "hashlib.md5(x)", tool="ruff")
    test = S324.finding(Location("a.py", 3), "m", "hashlib.md5(x)", tool="ruff", context=CodeContext.TEST)
    out = group([*flows, prod, test])
    assert len(out) == 4


def _vuln(ident: str, package: str, cvss: float) -> Finding:
    info = VulnerabilityInfo(ident, (), package, "PyPI", "1.0", cvss_score=cvss)
    return VULN.finding(Location("requirements.txt", 3), "m", f"{package}==1.0 {ident}", vulnerability=info)


def test_advisories_group_by_package_and_actions_by_publisher() -> None:
    out = group(
        [_vuln("GHSA-1", "jinja2", 5.0), _vuln("GHSA-2", "Jinja2", 9.1), _vuln("GHSA-3", "flask", 4.0)]
    )
    jinja = next(f for f in out if f.vulnerability and f.vulnerability.package.lower() == "jinja2")
    assert len(out) == 2 and jinja.prop("advisories") == "GHSA-1, GHSA-2"
    assert (
        jinja.vulnerability is not None and jinja.vulnerability.cvss_score == 9.1
    )  # scored once, worst first
    uses = [
        UNPINNED.finding(Location(f".github/workflows/{w}.yml", 5), "m", action, tool="zizmor")
        for w, action in (
            ("ci", "actions/checkout@v4"),
            ("release", "actions/checkout@v4"),
            ("docker", "docker/login-action@v3"),
            ("docker", "docker/build-push-action@v6"),
            ("docker", "Docker/setup-qemu-action@v3"),
            ("lint", "astral-sh/ruff-action@v3"),
        )
    ]
    sizes = {f.prop("group_key"): f.prop("group_size") for f in group(uses)}
    assert sizes == {"actions-of:actions": "2", "actions-of:docker": "3", "actions-of:astral-sh": "1"}


def test_repetition_no_longer_raises_likelihood() -> None:
    assert "occurrences" not in ScoreInputs.__dataclass_fields__


def test_confirmed_ranks_above_unconfirmed_and_says_why() -> None:
    rule = _rule("sec.command-injection", cwe=(78,))
    origin = ("origin_reason", "the command comes from a database row")
    confirmed = rule.finding(Location("a.py", 1), "m", "x", properties=(("origin", "confirmed"),))
    unconfirmed = rule.finding(Location("a.py", 1), "m", "x", properties=(("origin", "unconfirmed"), origin))
    high, low = score(ScoreInputs(confirmed, rule)), score(ScoreInputs(unconfirmed, rule))
    assert high.likelihood.value > low.likelihood.value
    assert any("database row" in r for r in low.likelihood.reasons)


def test_workflow_likelihood_follows_what_the_workflow_holds() -> None:
    rule = _rule("zizmor.unpinned-uses", cwe=(829,))

    def likelihood(holds: str, snippet: str = "actions/checkout@v4") -> float:
        f = rule.finding(
            Location(".github/workflows/ci.yml", 5), "m", snippet, properties=(("workflow_holds", holds),)
        )
        return score(ScoreInputs(f, rule)).likelihood.value

    assert likelihood("nothing") == 2  # 5 - 2 (holds nothing) - 1 (first-party)
    assert likelihood("nothing", "someone/tool@v1") == 3
    assert likelihood("pull_request_target,secrets,write") == 8


def _assessed(severity: Severity, origin: str | None) -> Assessment:
    props = (("origin", origin),) if origin else ()
    f = CMD.finding(Location("a.py", 1), "m", "x", severity=severity, properties=props)
    factor = Factor(5, ("r",))
    return Assessment(f, Score(factor, factor, factor), Status.NEW, datetime.now(UTC), 0)


def test_gate_counts_unconfirmed_findings_only_at_high_or_above() -> None:
    medium = Threshold.parse("medium")
    assert medium.exceeded_by(_assessed(Severity.MEDIUM, "confirmed"))
    assert medium.exceeded_by(_assessed(Severity.MEDIUM, None))
    assert not medium.exceeded_by(_assessed(Severity.MEDIUM, "unconfirmed"))
    assert Threshold.parse("high").exceeded_by(_assessed(Severity.HIGH, "unconfirmed"))
    assert not Threshold.parse("critical").exceeded_by(_assessed(Severity.HIGH, "unconfirmed"))


def test_bare_callee_ranges_group_too() -> None:
    md5 = [S324.finding(Location(p, 4), "m", "hashlib.md5", tool="ruff") for p in ("a.py", "b.py")]
    (one,) = group(md5)
    assert one.prop("group_key") == "call:hashlib.md5" and one.related == (Location("b.py", 4),)


def test_finalise_acts_on_the_proofs_it_is_given() -> None:
    from stackaudit.model import SafetyProof

    s608 = _rule("ruff.S608", cwe=(89,)).finding(Location("app/db.py", 7), "m", "q", tool="ruff")
    proof = SafetyProof("app/db.py", 6, 8, (89,), "the query is parameterised")
    assert finalise([s608], {}, Config(), lambda a, p: True, TABLE, (proof,)).findings == []
    (kept,) = finalise([s608], {}, Config(), lambda a, p: True, TABLE).findings
    assert kept.prop("origin") == "unconfirmed"


def test_dependencies_no_lock_file_pins_group_by_manifest() -> None:
    rule = _rule("sca.unpinned-dependency", Category.SUPPLY_CHAIN)
    deps = [
        rule.finding(Location(path, n), "m", f"dep{n}")
        for path, n in (("a/requirements.txt", 1), ("a/requirements.txt", 2), ("b/pyproject.toml", 3))
    ]
    assert sorted(f.prop("group_size") or "" for f in group(deps)) == ["1", "2"]


def test_turning_a_rule_off_fixes_nothing(tmp_path: Path) -> None:
    from stackaudit.engine.pipeline import AuditOptions, run_audit
    from stackaudit.engine.postprocess import reported

    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    (repo / "tests" / "test_login.py").write_text('PASSWORD = "hunter2x"\n')
    url = f"sqlite:///{tmp_path / 'h.db'}"

    def audit(config: Config) -> list[str]:
        options = AuditOptions(repo, config, db_url=url, jobs=1, only_analyzers=frozenset({"ruff"}))
        done = run_audit(options)
        assert not done.fixed
        return [a.finding.rule_id for a in done.findings]

    assert audit(Config(test_rules="all")) == ["ruff.S105"]
    assert audit(Config()) == []  # off in tests by default: not reported, and not "fixed"
    assert not reported("ruff.S105", Category.SECURITY, "tests/test_login.py", Config())
    assert reported("ruff.S105", Category.SECURITY, "app/login.py", Config())
    assert not reported("ruff.S101", Category.SECURITY, "app/login.py", Config())


def test_one_secret_copied_into_several_files_is_one_leak() -> None:
    """A browser key in a bundle, its minified copy and its source map: rotating it fixes all."""
    key = RuleMeta(
        id="secret.gcp-api-key", title="k", category=Category.SECURITY, severity=Severity.HIGH, doc="d"
    )
    copies = [
        key.finding(
            Location(p, 4), "Google Cloud API key", "AIza…sha256:1", properties=(("secret_hash", "sha256:1"),)
        )
        for p in ("static/timeline.js", "static/timeline.min.js", "static/timeline.js.map")
    ]
    other = key.finding(
        Location("app.py", 1), "m", "AIza…sha256:2", properties=(("secret_hash", "sha256:2"),)
    )
    out = group([*copies, other])
    assert sorted(f.prop("group_size") or "1" for f in out) == ["1", "3"]
