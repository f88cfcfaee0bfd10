"""Importing OSV trees and zips, KEV and both EPSS layouts into a real SQLite store."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from stackaudit.inventory.deps.model import Dependency, Ecosystem
from stackaudit.vulndb import schema as t
from stackaudit.vulndb.audit import audit_dependencies
from stackaudit.vulndb.connect import open_engine
from stackaudit.vulndb.importer import ImportFailed, ImportOptions, import_path
from stackaudit.vulndb.osv import SchemaError, parse_timestamp
from stackaudit.vulndb.query import VulnDatabase

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_engine(f"sqlite:///{tmp_path / 'store.db'}")


def _dep(version: str) -> Dependency:
    return Dependency("demo_pkg", Ecosystem.PYPI, "requirements.txt", version=version)


def test_osv_tree_json_and_yaml(engine: Engine) -> None:
    report = import_path(engine, FIX / "osv", ImportOptions(jobs=1))
    assert report.records == 4 and report.withdrawn == 1  # TEST-1, GHSA, TEST-4, TEST-6; TEST-3 withdrawn
    reasons = dict(report.rejected)
    assert any("TEST-5" in r and "affected: expected a list" in why for r, why in reasons.items())
    assert any("TEST-4" in r and "not a full commit hash" in why for r, why in reasons.items())
    db = VulnDatabase(engine)
    (src,) = db.sources()
    assert (src.name, src.kind, src.records, src.rejected, src.snapshot) == (
        "osv:PyPI",
        "osv",
        4,
        2,
        "2021-07-05",
    )
    with engine.connect() as conn:
        stamps = dict(conn.execute(select(t.advisories.c.id, t.advisories.c.published)).all())
    assert stamps["TEST-1"] == "2020-01-01T10:00:00Z" and stamps["TEST-6"] == "2021-07-05T00:00:00Z"


def test_aliases_merge_into_one_result(engine: Engine) -> None:
    import_path(engine, FIX / "osv", ImportOptions(jobs=1))
    import_path(engine, FIX / "kev.json")
    import_path(engine, FIX / "epss_first.csv")
    outcome = audit_dependencies(VulnDatabase(engine), [_dep("1.0")])
    (match,) = outcome.matches  # TEST-1 and GHSA-aaaa-bbbb-cccc describe the same CVE
    assert match.records == ("GHSA-aaaa-bbbb-cccc", "TEST-1")  # GHSA ranks before unknown prefixes
    assert match.info.id == "GHSA-aaaa-bbbb-cccc"
    assert set(match.info.aliases) | {match.info.id} == {"TEST-1", "GHSA-aaaa-bbbb-cccc", "CVE-2020-0001"}
    assert match.info.fixed_versions == ("1.2.3",) and match.upgrade == "1.2.3"
    assert match.info.cvss_score == 9.8 and match.info.kev and match.info.kev_ransomware
    assert (match.info.epss, match.info.epss_percentile) == (0.5, 0.9)


def test_last_affected_and_list_only_records(engine: Engine) -> None:
    import_path(engine, FIX / "osv", ImportOptions(jobs=1))
    db = VulnDatabase(engine)
    assert [m.info.id for m in audit_dependencies(db, [_dep("3.1")]).matches] == ["TEST-4"]
    legacy = audit_dependencies(db, [_dep("1.0-legacy")])
    assert [m.info.id for m in legacy.matches] == ["TEST-6"] and legacy.unordered
    assert audit_dependencies(db, [_dep("1.2.3")]).matches == ()


def test_reimport_replaces_rows(engine: Engine) -> None:
    import_path(engine, FIX / "osv", ImportOptions(jobs=1))
    import_path(engine, FIX / "osv", ImportOptions(jobs=1))
    with engine.connect() as conn:
        assert len(conn.execute(select(t.affected)).all()) == 4
        assert len(conn.execute(select(t.advisories)).all()) == 4


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in sorted((FIX / "osv" / "pkg").iterdir()):
            archive.writestr(f.name, f.read_bytes())
    return buf.getvalue()


def test_osv_zip_and_truncated_zip(engine: Engine, tmp_path: Path) -> None:
    data = _zip_bytes()
    (tmp_path / "all.zip").write_bytes(data)
    assert import_path(engine, tmp_path / "all.zip").records == 4
    cut = data[: data.index(b"TEST-4.yaml") - 30]  # cut inside the archive: no central directory
    (tmp_path / "cut.zip").write_bytes(cut)
    report = import_path(engine, tmp_path / "cut.zip", ImportOptions(name="osv:cut"))
    assert report.records == 2  # TEST-1.yaml and TEST-2.json are complete; TEST-3 is withdrawn
    assert any("truncated" in n for n in report.notes)
    assert any("truncated zip" in why for _, why in report.rejected)


def test_epss_both_layouts(engine: Engine) -> None:
    first = import_path(engine, FIX / "epss_first.csv")
    assert (first.records, first.snapshot) == (2, "2026-08-15T12:55:00Z")
    semi = import_path(engine, FIX / "epss_semicolon.csv", ImportOptions(snapshot="2026-08-16"))
    assert (semi.records, semi.snapshot) == (2, "2026-08-16")
    assert VulnDatabase(engine).epss(["CVE-2020-0001", "CVE-2020-0002"]) == {"CVE-2020-0001": (0.6, 0.95)}


def test_kev(engine: Engine) -> None:
    report = import_path(engine, FIX / "kev.json")
    assert (report.kind, report.records, report.snapshot) == ("kev", 1, "2026-08-07T16:45:47.064800Z")
    assert VulnDatabase(engine).kev(["CVE-2020-0001", "CVE-1999-0001"]) == {"CVE-2020-0001": True}


def test_unknown_input_is_a_clear_error(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(b"\x00\x01")
    with pytest.raises(ImportFailed, match="unknown data format"):
        import_path(engine, tmp_path / "x.bin")
    with pytest.raises(ImportFailed, match="no such file"):
        import_path(engine, tmp_path / "missing")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2021-07-05T00:01:23.718339Z", "2021-07-05T00:01:23.718339Z"),
        ("2014-08-25T14:55:00Z", "2014-08-25T14:55:00Z"),
        ("2020-01-01 10:00:00", "2020-01-01T10:00:00Z"),
        ("2020-01-01T10:00:00+02:00", "2020-01-01T08:00:00Z"),
        ("05 Jul 2021", "2021-07-05T00:00:00Z"),
        (None, None),
    ],
)
def test_timestamp_formats(raw: str | None, expected: str | None) -> None:
    assert parse_timestamp(raw) == expected


def test_bad_timestamp_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="unreadable timestamp"):
        parse_timestamp("yesterday-ish")


def test_unquoted_yaml_versions_stay_strings(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "X-1.yaml").write_text(
        "id: X-1\nmodified: 2021-07-05T00:01:23Z\nsummary: null\naliases: ~\n"
        "affected:\n- package: {name: floaty, ecosystem: PyPI}\n"
        "  ranges: [{type: ECOSYSTEM, events: [{introduced: 1.2}, {fixed: 1.10}]}]\n"
    )
    assert import_path(engine, tmp_path / "X-1.yaml").records == 1
    db = VulnDatabase(engine)
    dep = Dependency("floaty", Ecosystem.PYPI, "r.txt", version="1.9")
    (match,) = audit_dependencies(db, [dep]).matches  # 1.10 read as a float would be 1.1 < 1.9
    assert match.info.fixed_versions == ("1.10",) and match.info.aliases == () and match.info.summary == ""
