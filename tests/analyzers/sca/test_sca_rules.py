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
    assert finding.prop("packages") == "private"
    assert secret not in finding.message and secret not in finding.snippet
    assert "https://***@github.com/org/private.git@main" in finding.message
    assert redact_url("https://u:p@h/x https://h/y") == "https://***@h/x https://h/y"


def test_a_workspace_root_lock_pins_its_members(tmp_path: Path) -> None:
    """uv, npm, pnpm, yarn and bun workspaces keep one lock at the root for every member."""
    (tmp_path / "packages" / "api").mkdir(parents=True)
    (tmp_path / "packages" / "api" / "pyproject.toml").write_text(
        '[project]\nname = "api"\nversion = "1"\ndependencies = ["fastapi>=0.110", "orjson"]\n'
    )
    (tmp_path / "uv.lock").write_text(
        'version = 1\n\n[[package]]\nname = "fastapi"\nversion = "0.115.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
    )
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "requirements.txt").write_text("fastapi>=0.110\n")
    inv = build_inventory(tmp_path, ["packages/api/pyproject.toml", "uv.lock", "other/requirements.txt"])
    from stackaudit.inventory.deps.discover import locked_keys

    found = {(f.location.path, f.prop("packages")) for f in unpinned_findings(inv.files, locked_keys(inv))}
    # orjson is in no lock; a sibling folder's lock would not count, the root one does
    assert found == {("packages/api/pyproject.toml", "orjson")}


@pytest.mark.parametrize(
    ("current", "target", "kind", "days"),
    [
        ("3.2.18", "4.2.14", "major", 3.0),
        ("4.1.0", "4.2.14", "minor", 1.0),
        ("4.2.1", "4.2.14", "patch", 0.5),
    ],
)
def test_effort_follows_how_far_the_fixing_upgrade_moves(
    current: str, target: str, kind: str, days: float
) -> None:
    """A fix that needs a framework's next major release is not half a day of work."""
    from stackaudit.analyzers.sca.findings import upgrade_kind
    from stackaudit.engine.score import ScoreInputs, score
    from stackaudit.model import Location, VulnerabilityInfo

    assert upgrade_kind(current, target) == kind
    vuln = VulnerabilityInfo("PYSEC-2", (), "django", "PyPI", current, (target,))
    rule = VULNERABLE
    finding = rule.finding(
        Location("requirements.txt", 1),
        "m",
        f"django=={current}",
        vulnerability=vuln,
        properties=(("upgrade", target), ("upgrade_kind", kind)),
    )
    effort = score(ScoreInputs(finding, rule)).effort
    assert effort.value == days and kind in effort.reasons[0] and target in effort.reasons[0]


def test_dev_extras_are_not_production_and_a_manifest_is_one_finding(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\ndependencies = ["flask>=3", "sqlalchemy~=2.0", "attrs==23.2.0"]\n'
        '[project.optional-dependencies]\ntest = ["pytest>=8"]\n'
    )
    inv = build_inventory(tmp_path, ["pyproject.toml"])
    (finding,) = unpinned_findings(inv.files, {})
    assert finding.prop("packages") == "flask,sqlalchemy" and finding.prop("count") == "2"
    assert len(finding.related) == 1 and finding.confidence.label == "low"
