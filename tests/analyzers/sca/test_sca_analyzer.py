"""The ``sca`` repo analyzer end to end on fixture repositories, against the full shared data."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.analyzers.base import RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.sca import exploitable
from stackaudit.analyzers.sca.analyzer import NO_DB, ScaAnalyzer
from stackaudit.config.schema import Config
from stackaudit.config.sections.supply_chain import LicencePolicy, SupplyChainConfig
from stackaudit.model import AnalyzerState, Finding, NotAnalysedReason, Severity
from stackaudit.vulndb.connect import open_engine
from stackaudit.vulndb.importer import ImportOptions, ImportReport, import_path

FIX = Path(__file__).parent / "fixtures"


def _ctx(name: str, db_url: str | None, config: Config | None = None) -> RepoContext:
    root = FIX / name
    files = tuple(
        SourceFile(
            p.relative_to(root).as_posix(), p, p.stat().st_size, "python" if p.suffix == ".py" else "text"
        )
        for p in sorted(root.rglob("*"))
        if p.is_file()
    )
    return RepoContext(root=root, files=files, config=config or Config(), is_git=False, db_url=db_url)


def _by_rule(result: RepoResult, rule: str) -> list[Finding]:
    return [f for f in result.findings if f.rule_id == rule]


@pytest.fixture(scope="module")
def vulnapp(full_vulndb: tuple[str, list[ImportReport]]) -> RepoResult:
    return ScaAnalyzer().analyze_repo(_ctx("vulnapp", full_vulndb[0]))


def test_vulnerabilities_found_and_enriched(vulnapp: RepoResult) -> None:
    vulns = _by_rule(vulnapp, "sca.vulnerable-dependency")
    packages = {f.vulnerability.package for f in vulns if f.vulnerability}
    assert packages == {"django", "requests", "pyyaml", "pillow", "jinja2"}  # six==1.16.0 is clean
    webp = [f for f in vulns if f.vulnerability and "CVE-2023-4863" in f.vulnerability.cves]
    assert len(webp) == 1 and webp[0].severity == Severity.CRITICAL and exploitable(webp[0])
    assert webp[0].location.path == "requirements.txt" and webp[0].location.line == 4
    assert all(f.vulnerability and f.vulnerability.fixed_versions for f in vulns)
    assert len({f.fingerprint for f in vulns}) == len(vulns)


def test_reachability_reason(vulnapp: RepoResult) -> None:
    vulns = _by_rule(vulnapp, "sca.vulnerable-dependency")
    reach = {
        f.vulnerability.package: (f.vulnerability.reachable, f.prop("reachability"))
        for f in vulns
        if f.vulnerability
    }
    assert reach["pyyaml"] == (True, "imported as 'yaml' in app.py")
    assert reach["pillow"][0] is True and reach["django"][0] is False
    assert "not imported" in (reach["django"][1] or "")


def test_unpinned_and_bad_input(vulnapp: RepoResult) -> None:
    unpinned = _by_rule(vulnapp, "sca.unpinned-dependency")
    assert [f.prop("packages") for f in unpinned] == ["flask"]  # one finding per manifest
    assert "flask >=2" in unpinned[0].message
    reasons = {(n.path, n.reason) for n in vulnapp.not_analysed}
    assert ("sub/poetry.lock", NotAnalysedReason.MALFORMED) in reasons
    assert ("requirements.txt", NotAnalysedReason.PARTIAL) in reasons  # legacy-thing==1.0-legacy
    assert vulnapp.state == AnalyzerState.OK


def test_licences(vulnapp: RepoResult) -> None:
    assert [f.snippet for f in _by_rule(vulnapp, "sca.licence-copyleft")] == ["gpl-lib GPL-3.0-only"]
    assert [f.snippet for f in _by_rule(vulnapp, "sca.licence-unknown")] == ["mystery"]
    assert _by_rule(vulnapp, "sca.licence-denied") == []
    assert any("licence checks applied to 3 of" in n for n in vulnapp.notices)


def test_licence_policy_from_config(full_vulndb: tuple[str, list[ImportReport]]) -> None:
    policy = LicencePolicy(denied=["GPL-3.0-only"], allowed=["MIT"], proprietary=True)
    config = Config(supply_chain=SupplyChainConfig(licences=policy))
    result = ScaAnalyzer().analyze_repo(_ctx("vulnapp", full_vulndb[0], config))
    assert [f.snippet for f in _by_rule(result, "sca.licence-denied")] == ["gpl-lib GPL-3.0-only"]
    assert _by_rule(result, "sca.licence-copyleft") == []


def test_ignored_vulnerabilities(full_vulndb: tuple[str, list[ImportReport]]) -> None:
    config = Config(supply_chain=SupplyChainConfig(ignore_vulnerabilities=["CVE-2023-4863"]))
    result = ScaAnalyzer().analyze_repo(_ctx("vulnapp", full_vulndb[0], config))
    assert not any(f.vulnerability and "CVE-2023-4863" in f.vulnerability.cves for f in result.findings)
    assert _by_rule(result, "sca.vulnerable-dependency")


def test_ecosystem_without_data_is_reported(vulnapp: RepoResult) -> None:
    (notice,) = [n for n in vulnapp.notices if "no npm advisories" in n]
    assert "3 npm dependencies were NOT checked" in notice
    assert not any("no PyPI advisories" in n for n in vulnapp.notices)


def test_stale_data_is_reported(vulnapp: RepoResult) -> None:
    stale = [n for n in vulnapp.notices if "days old" in n]
    assert len(stale) == 1 and "snapshot 2026-07-23" in stale[0]


def test_clean_repo_has_no_findings(full_vulndb: tuple[str, list[ImportReport]]) -> None:
    result = ScaAnalyzer().analyze_repo(_ctx("cleanapp", full_vulndb[0]))
    assert result.findings == () and result.not_analysed == () and result.state == AnalyzerState.OK


def test_without_database_says_so_loudly() -> None:
    result = ScaAnalyzer().analyze_repo(_ctx("vulnapp", None))
    assert result.state == AnalyzerState.SKIPPED and result.reason == NO_DB
    assert NO_DB in result.notices and "NOT checked" in NO_DB
    assert _by_rule(result, "sca.vulnerable-dependency") == []
    assert _by_rule(result, "sca.unpinned-dependency")  # the other checks still ran


def test_empty_store_is_no_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    open_engine(url).dispose()
    result = ScaAnalyzer().analyze_repo(_ctx("cleanapp", url))
    assert result.state == AnalyzerState.SKIPPED and result.reason == NO_DB


def test_npm_and_go_semver_matching(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_engine(url)
    import_path(engine, FIX / "osv-npm-go", ImportOptions(jobs=1))
    result = ScaAnalyzer().analyze_repo(_ctx("polyglot", url))
    vulns = {
        (f.vulnerability.package, f.vulnerability.version, f.vulnerability.id): f
        for f in result.findings
        if f.vulnerability
    }
    assert set(vulns) == {
        ("qs", "6.7.0", "GHSA-hrpp-h998-j3pp"),
        ("qs", "6.5.0", "GHSA-hrpp-h998-j3pp"),
        ("golang.org/x/net", "v0.6.0", "GO-2023-1571"),
    }
    qs = vulns[("qs", "6.7.0", "GHSA-hrpp-h998-j3pp")]
    assert qs.vulnerability and qs.vulnerability.fixed_versions == ("6.7.3",) and qs.severity == Severity.HIGH
    assert qs.prop("dependency_path") == "express > qs" and "transitive, via express > qs" in qs.message
    go = vulns[("golang.org/x/net", "v0.6.0", "GO-2023-1571")]
    assert (
        go.vulnerability and go.vulnerability.fixed_versions == ("0.7.0",) and go.severity == Severity.MEDIUM
    )
    assert go.vulnerability.reachable is None  # not Python: unknown, never "not reachable"


def test_lock_file_wins_over_its_manifest(
    full_vulndb: tuple[str, list[ImportReport]], tmp_path: Path
) -> None:
    inv = Path(__file__).resolve().parents[2] / "inventory" / "fixtures" / "poetry"
    for name in ("pyproject.toml", "poetry.lock"):
        (tmp_path / name).write_bytes((inv / name).read_bytes())
    files = tuple(SourceFile(n, tmp_path / n, 1, "toml") for n in ("pyproject.toml", "poetry.lock"))
    result = ScaAnalyzer().analyze_repo(RepoContext(tmp_path, files, Config(), False, db_url=full_vulndb[0]))
    vulns = [f for f in result.findings if f.rule_id == "sca.vulnerable-dependency"]
    assert vulns and {f.location.path for f in vulns} == {"poetry.lock"}  # jinja2 2.10 is pinned in both
    assert _by_rule(result, "sca.unpinned-dependency") == []  # the ranges in pyproject.toml are locked
