"""The full PyPA snapshot, KEV and EPSS: import counts, and the issue's "done when" check
against an INDEPENDENT reading of the same YAML files (plain loop, ``packaging`` directly)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from packaging.version import InvalidVersion, Version

from stackaudit.analyzers.sca import exploitable
from stackaudit.analyzers.sca.findings import vulnerability_finding
from stackaudit.inventory.deps.model import Dependency, Ecosystem
from stackaudit.model import Severity
from stackaudit.vulndb.audit import VulnMatch, audit_dependencies
from stackaudit.vulndb.connect import open_engine
from stackaudit.vulndb.importer import ImportReport
from stackaudit.vulndb.query import VulnDatabase

PINS = {"django": "3.2.0", "requests": "2.19.0", "pyyaml": "5.3", "pillow": "9.0.0", "jinja2": "2.10"}


def _independent_hit(record: dict, package: str, version: Version) -> bool:  # type: ignore[type-arg]
    """Straightforward reading of one advisory: explicit list, then introduced..fixed/last_affected pairs."""
    for affected in record["affected"]:
        if affected["package"]["name"] != package:
            continue
        for listed in affected.get("versions") or []:
            try:
                if Version(str(listed)) == version:
                    return True
            except InvalidVersion:
                continue
        for rng in affected.get("ranges") or []:
            if rng["type"] != "ECOSYSTEM":
                continue
            start = None
            for event in rng["events"]:
                kind, value = next(iter(event.items()))
                bound = Version(str(value))
                if kind == "introduced":
                    start = bound
                elif kind == "fixed" and start is not None:
                    if start <= version < bound:
                        return True
                    start = None
                elif kind == "last_affected" and start is not None:
                    if start <= version <= bound:
                        return True
                    start = None
            if start is not None and version >= start:
                return True
    return False


def _independent(shared: Path, package: str, version: str) -> tuple[set[str], list[dict]]:  # type: ignore[type-arg]
    hits, records = set(), []
    for path in sorted((shared / "osv-pypi" / "vulns" / package).glob("*.yaml")):
        record = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        if record.get("withdrawn"):
            continue
        records.append(record)
        if _independent_hit(record, package, Version(version)):
            hits.add(record["id"])
    return hits, records


@pytest.fixture(scope="module")
def matches(full_vulndb: tuple[str, list[ImportReport]]) -> list[VulnMatch]:
    db = VulnDatabase(open_engine(full_vulndb[0]))
    deps = [Dependency(n, Ecosystem.PYPI, "requirements.txt", version=v) for n, v in PINS.items()]
    return list(audit_dependencies(db, deps).matches)


def test_import_counts(full_vulndb: tuple[str, list[ImportReport]], shared_data: Path) -> None:
    """The whole snapshot's counts: only with the full shared data (skipped on the repository's subset)."""
    db = VulnDatabase(open_engine(full_vulndb[0]))
    sources = {s.kind: s for s in db.sources()}
    assert sources["osv"].records == 7080 - 269 and sources["osv"].rejected == 4  # the 4 schema failures
    assert sources["osv"].snapshot == "2026-07-23"
    assert sources["kev"].records == 1662 and sources["epss"].records == 360_142


@pytest.mark.parametrize("package", sorted(PINS))
def test_findings_match_independent_check(package: str, matches: list[VulnMatch], vuln_data: Path) -> None:
    expected, _ = _independent(vuln_data, package, PINS[package])
    ours = {r for m in matches if m.dependency.name == package for r in m.records}
    assert expected, f"the snapshot should have advisories for {package} {PINS[package]}"
    assert ours == expected


@pytest.mark.parametrize("package", sorted(PINS))
def test_fixed_version_advice_is_correct(package: str, matches: list[VulnMatch], vuln_data: Path) -> None:
    _, records = _independent(vuln_data, package, PINS[package])
    mine = [m for m in matches if m.dependency.name == package]
    upgrade = mine[0].upgrade
    assert upgrade is not None and all(m.upgrade == upgrade for m in mine)
    assert Version(upgrade) > Version(PINS[package])
    assert not any(_independent_hit(r, package, Version(upgrade)) for r in records)  # fixes all of them
    for m in mine:
        assert m.info.fixed_versions, m.info.id
        for fixed in m.info.fixed_versions:  # each named fix is outside that advisory's ranges
            assert Version(fixed) > Version(PINS[package])
            assert not any(
                _independent_hit(r, package, Version(fixed)) for r in records if r["id"] in m.records
            )


def test_pillow_webp_is_known_exploited(matches: list[VulnMatch]) -> None:
    (webp,) = [m for m in matches if "CVE-2023-4863" in m.info.cves]
    assert webp.dependency.name == "pillow" and webp.info.kev
    assert webp.info.epss is not None and webp.info.epss > 0.9
    assert "GHSA-j7hp-h8jx-5ppr" in webp.info.aliases and "10.0.1" in webp.info.fixed_versions
    finding = vulnerability_finding(webp, ("pillow",), "unknown")
    assert finding.severity == Severity.CRITICAL and exploitable(finding)
    assert "KNOWN EXPLOITED" in finding.message


def test_one_result_per_vulnerability(matches: list[VulnMatch]) -> None:
    seen: set[tuple[str, str]] = set()
    for m in matches:
        for cve in m.info.cves:
            assert (m.dependency.name, cve) not in seen
            seen.add((m.dependency.name, cve))
