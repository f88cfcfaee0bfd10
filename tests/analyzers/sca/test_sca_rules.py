"""Severity table, the exploitable() gate predicate, licence normalisation and rule metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.analyzers.sca import exploitable
from stackaudit.analyzers.sca.findings import redact_url, unpinned_findings
from stackaudit.analyzers.sca.licences import LicenceVerdict, check, normalise
from stackaudit.analyzers.sca.rules import CVSS_SEVERITY, RULES, VULNERABLE, vulnerability_severity
from stackaudit.config.sections.supply_chain import LicencePolicy
from stackaudit.inventory.deps import build_inventory
from stackaudit.model import Location, Severity, VulnerabilityInfo


def _info(score: float | None, kev: bool = False) -> VulnerabilityInfo:
    return VulnerabilityInfo(
        id="PYSEC-1", aliases=(), package="p", ecosystem="PyPI", version="1", cvss_score=score, kev=kev
    )


@pytest.mark.parametrize(
    ("score", "kev", "severity"),
    [
        (10.0, False, Severity.CRITICAL),
        (9.0, False, Severity.CRITICAL),
        (8.9, False, Severity.HIGH),
        (7.0, False, Severity.HIGH),
        (6.9, False, Severity.MEDIUM),
        (4.0, False, Severity.MEDIUM),
        (3.9, False, Severity.LOW),
        (0.1, False, Severity.LOW),
        (0.0, False, Severity.INFO),
        (None, False, Severity.MEDIUM),
        (2.0, True, Severity.CRITICAL),
        (None, True, Severity.CRITICAL),
    ],
)
def test_severity_table_covers_every_level(score: float | None, kev: bool, severity: Severity) -> None:
    assert vulnerability_severity(_info(score, kev)) == severity


def test_table_is_ordered_and_complete() -> None:
    bounds = [b for b, _ in CVSS_SEVERITY]
    assert bounds == sorted(bounds, reverse=True)
    assert {s for _, s in CVSS_SEVERITY} == set(Severity)


@pytest.mark.parametrize(
    ("score", "kev", "expected"),
    [(9.0, False, True), (8.9, False, False), (None, True, True), (None, False, False)],
)
def test_exploitable(score: float | None, kev: bool, expected: bool) -> None:
    finding = VULNERABLE.finding(Location("requirements.txt"), "m", "s", vulnerability=_info(score, kev))
    assert exploitable(finding) is expected


def test_exploitable_is_false_without_vulnerability_data() -> None:
    assert not exploitable(VULNERABLE.finding(Location("requirements.txt"), "m", "s"))


@pytest.mark.parametrize(
    ("raw", "spdx"),
    [
        ("MIT", "MIT"),
        ("MIT License", "MIT"),
        ("Apache Software License", "Apache-2.0"),
        ("Apache-2.0 OR BSD-3-Clause", "Apache-2.0 OR BSD-3-Clause"),
        ("GPL-3.0", "GPL-3.0-only"),
        ("UNKNOWN", None),
        ("", None),
        (None, None),
        ("my own licence", None),
    ],
)
def test_normalise(raw: str | None, spdx: str | None) -> None:
    assert normalise(raw) == spdx


@pytest.mark.parametrize(
    ("raw", "policy", "verdict"),
    [
        ("MIT", LicencePolicy(), LicenceVerdict.OK),
        ("GPL-3.0-only", LicencePolicy(), LicenceVerdict.COPYLEFT),
        ("GPL-3.0-only", LicencePolicy(proprietary=False), LicenceVerdict.OK),
        ("MIT OR GPL-3.0-only", LicencePolicy(), LicenceVerdict.OK),  # the user may choose MIT
        ("AGPL-3.0-only", LicencePolicy(denied=["AGPL-3.0-only"]), LicenceVerdict.DENIED),
        ("MPL-2.0", LicencePolicy(review=["MPL-2.0"]), LicenceVerdict.REVIEW),
        ("ISC", LicencePolicy(allowed=["MIT"]), LicenceVerdict.NOT_ALLOWED),
        ("nonsense", LicencePolicy(), LicenceVerdict.UNKNOWN),
    ],
)
def test_policy(raw: str, policy: LicencePolicy, verdict: LicenceVerdict) -> None:
    assert check(raw, policy).verdict == verdict


def test_rules_have_playbooks() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.id.startswith("sca.") and "Fix" in rule.doc and "Example" in rule.doc


def test_credentials_in_requirement_urls_are_never_shown(tmp_path: Path) -> None:
    secret = "ghp_" + "x" * 36
    (tmp_path / "requirements.txt").write_text(
        f"git+https://bot:{secret}@github.com/org/private.git@main#egg=private\n"
    )
    inv = build_inventory(tmp_path, ["requirements.txt"])
    (finding,) = unpinned_findings(inv.files, {})
    assert secret not in finding.message and secret not in finding.snippet
    assert "https://***@github.com/org/private.git@main" in finding.message
    assert redact_url("https://u:p@h/x https://h/y") == "https://***@h/x https://h/y"
