from __future__ import annotations

from datetime import date

from stackaudit.config.schema import AcceptedRisk, Config, IgnoreEntry
from stackaudit.engine.postprocess import assign_occurrences, reasonless_suppressions
from stackaudit.engine.suppress import accepted, config_ignore, inline_reason, parse_inline
from stackaudit.model import Category, Location, RuleMeta, Severity

RULE = RuleMeta(
    id="scale.no-timeout", title="t", category=Category.SCALABILITY, severity=Severity.MEDIUM, doc="d"
)
SRC = """import requests
requests.get(u)  # stackaudit: ignore[scale.no-timeout] internal health endpoint, answers in 1 ms
# stackaudit: ignore[scale.*] vetted by the platform team
requests.get(v)
requests.get(w)  # stackaudit: ignore[scale.no-timeout]
requests.get(x)  # stackaudit: ignore[perf.n-plus-one] other rule
"""


def test_inline_suppressions() -> None:
    marks = parse_inline(SRC)
    reasons = {
        line: inline_reason(RULE.finding(Location("a.py", line), "m", f"l{line}"), marks)
        for line in (2, 4, 5, 6)
    }
    assert reasons[2] == "internal health endpoint, answers in 1 ms"
    assert reasons[4] == "vetted by the platform team"
    assert reasons[5] is None  # no reason: suppresses nothing
    assert reasons[6] is None  # another rule
    missing = reasonless_suppressions({"a.py": marks})
    assert [(f.rule_id, f.location.line) for f in missing] == [("process.suppression-without-reason", 5)]


def test_config_ignore_by_rule_and_path() -> None:
    f = RULE.finding(Location("tests/test_a.py", 1), "m", "x")
    assert (
        config_ignore(f, [IgnoreEntry(rule="scale.*", path="tests/**", reason="tests")])
        == "ignored by config: tests"
    )
    assert config_ignore(f, [IgnoreEntry(rule="perf.*", reason="r")]) is None


def test_accepted_risk_expires() -> None:
    f = RULE.finding(Location("a.py", 1), "m", "x")
    risk = AcceptedRisk(rule="scale.no-timeout", owner="ana", until=date(2026, 12, 31), reason="r")
    assert accepted(f, [risk], date(2026, 12, 1)) is risk
    assert accepted(f, [risk], date(2027, 1, 1)) is None
    assert Config(accept=[risk]).accept[0].owner == "ana"


def test_occurrences_follow_file_order_not_lines() -> None:
    a = RULE.finding(Location("a.py", 10), "m", "requests.get(u)")
    b = RULE.finding(Location("a.py", 20), "m", "requests.get(u)")
    first = assign_occurrences([b, a])
    shifted = assign_occurrences(
        [
            RULE.finding(Location("a.py", 15), "m", "requests.get(u)"),
            RULE.finding(Location("a.py", 40), "m", "requests.get(u)"),
        ]
    )
    assert [f.occurrence for f in first] == [0, 1]
    assert {f.fingerprint for f in first} == {f.fingerprint for f in shifted}
