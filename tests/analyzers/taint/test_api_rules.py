"""API rules: the exact (line, rule) set of each fixture equals its ``# expect:`` markers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stackaudit.analyzers.taint.rules import API_RULES
from tests.analyzers.taint.helpers import run_taint

FIXTURES = Path(__file__).parent / "fixtures" / "api"
EXPECT = re.compile(r"#\s*expect:\s*([\w.-]+)")
API_IDS = {rule.id for rule in API_RULES}


def _expected(path: Path) -> set[tuple[int, str]]:
    out = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            out.add((number, match.group(1)))
    return out


@pytest.fixture(scope="module")
def found() -> dict[str, set[tuple[int, str]]]:
    result = run_taint(FIXTURES)
    by_file: dict[str, set[tuple[int, str]]] = {}
    for finding in result.findings:
        if finding.rule_id in API_IDS:
            by_file.setdefault(finding.location.path, set()).add((finding.location.line, finding.rule_id))
    return by_file


@pytest.mark.parametrize(
    "name", sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.py")), ids=str
)
def test_fixture(name: str, found: dict[str, set[tuple[int, str]]]) -> None:
    assert found.get(name, set()) == _expected(FIXTURES / name)


def test_every_api_rule_has_positive_and_negative_fixtures() -> None:
    expected_rules = {rule for path in FIXTURES.rglob("*.py") for _, rule in _expected(path)}
    assert expected_rules == API_IDS
    negatives = sum(
        1
        for path in FIXTURES.rglob("*.py")
        for line in path.read_text().splitlines()
        if "expect:" not in line
    )
    assert negatives > 0


def test_cookie_cwe_depends_on_missing_flag(found: dict[str, set[tuple[int, str]]]) -> None:
    result = run_taint(FIXTURES)
    cookies = sorted((f.location.line, f.cwe) for f in result.findings if f.rule_id == "sec.insecure-cookie")
    assert cookies == [(9, (614, 1004)), (10, (1004,)), (11, (614,))]


def test_preference_cookies_are_low(tmp_path: Path) -> None:
    """A language, theme or sort-order cookie holds no credential (pretalx, changedetection.io):
    still reported, low; a name that also says session or token is not a preference."""
    (tmp_path / "views.py").write_text(
        "from django.conf import settings\n"
        "def v(request, resp):\n"
        "    resp.set_cookie(settings.LANGUAGE_COOKIE_NAME, 'de')\n"
        "    resp.set_cookie('sort', request.GET['sort'])\n"
        "    resp.set_cookie(key='theme', value='dark')\n"
        "    resp.set_cookie('theme_session', 'x')\n"
        "    resp.set_cookie('auth', 'x')\n"
    )
    found = {
        f.location.line: f.severity.name
        for f in run_taint(tmp_path).findings
        if f.rule_id == "sec.insecure-cookie"
    }
    assert found == {3: "LOW", 4: "LOW", 5: "LOW", 6: "MEDIUM", 7: "MEDIUM"}


def test_weak_hash_severity_follows_the_digest_use(tmp_path: Path) -> None:
    """A credential's digest at the rule's severity; a digest of unclear use low; an ETag,
    checksum or id none, with a proof that removes ruff's S324 on its line (issue 8)."""
    (tmp_path / "weak_hash.py").write_text((FIXTURES / "weak_hash.py").read_text())
    result = run_taint(tmp_path)
    found = {f.location.line: (f.severity.name, f.confidence.name) for f in result.findings}
    assert found == {
        7: ("MEDIUM", "MEDIUM"),
        11: ("MEDIUM", "MEDIUM"),
        15: ("LOW", "LOW"),
        19: ("LOW", "LOW"),
        26: ("MEDIUM", "MEDIUM"),
    }
    proven = sorted(p.line for p in result.proofs if 328 in p.cwe)
    assert proven == [31, 35, 39, 43, 48]
