"""Version ordering and OSV range semantics."""

from __future__ import annotations

import json

import pytest

from stackaudit.vulndb.matching import Affected, evaluate, smallest_upgrade
from stackaudit.vulndb.versions import BadVersion, SemVer, parse_version, same_version


def _entry(
    events: list[dict[str, str]],
    versions: tuple[str, ...] = (),
    eco: str = "PyPI",
    kind: str = "ECOSYSTEM",
    ident: str = "X",
) -> Affected:
    return Affected.from_row(
        ident, eco, "p", json.dumps([{"type": kind, "events": events}]), json.dumps(list(versions))
    )


TWO_BRANCHES = [{"introduced": "0"}, {"fixed": "1.2.3"}, {"introduced": "2.0"}, {"fixed": "2.0.5"}]


@pytest.mark.parametrize(
    ("version", "affected", "fixed"),
    [
        ("0.1", True, ("1.2.3",)),
        ("1.2.2", True, ("1.2.3",)),
        ("1.2.3", False, ()),
        ("1.9", False, ()),
        ("2.0", True, ("2.0.5",)),
        ("2.0.5", False, ()),
        ("2.0.5rc1", True, ("2.0.5",)),
        ("3.0", False, ()),
    ],
)
def test_introduced_fixed_branches(version: str, affected: bool, fixed: tuple[str, ...]) -> None:
    verdict = evaluate(_entry(TWO_BRANCHES), version)
    assert (verdict.affected, verdict.fixed) == (affected, fixed)


@pytest.mark.parametrize(
    ("version", "affected"), [("2.9", False), ("3.0", True), ("3.1", True), ("3.1.1", False)]
)
def test_last_affected_is_inclusive(version: str, affected: bool) -> None:
    assert evaluate(_entry([{"introduced": "3.0"}, {"last_affected": "3.1"}]), version).affected is affected


@pytest.mark.parametrize(("version", "affected"), [("1.0.0", True), ("1.9.9", True), ("2.0.0", False)])
def test_limit_caps_an_open_range(version: str, affected: bool) -> None:
    entry = _entry([{"introduced": "0"}, {"limit": "2.0.0"}], eco="npm", kind="SEMVER")
    assert evaluate(entry, version).affected is affected


def test_explicit_versions_list_and_invalid_version() -> None:
    entry = _entry([{"introduced": "5.0"}], versions=("0.9", "1.0-legacy"))
    assert evaluate(entry, "0.9").affected and not evaluate(entry, "1.0").affected
    legacy = evaluate(entry, "1.0-legacy")
    assert legacy.affected and legacy.unordered
    assert not evaluate(entry, "2.0-legacy").affected and evaluate(entry, "2.0-legacy").unordered


def test_unparsable_range_bound_falls_back_to_list() -> None:
    entry = _entry([{"introduced": "0"}, {"fixed": "not a version!"}], versions=("1.0",))
    assert evaluate(entry, "1.0").affected and not evaluate(entry, "1.1").affected


def test_pypi_ordering_uses_pep440() -> None:
    assert parse_version("PyPI", "1.0.post1") > parse_version("PyPI", "1.0")
    assert parse_version("PyPI", "1.0rc1") < parse_version("PyPI", "1.0")
    assert same_version("PyPI", "1.0", "1.0.0") and not same_version("PyPI", "1.0", "1.0.1")
    with pytest.raises(BadVersion):
        parse_version("PyPI", "1.0-legacy")


def test_semver_ordering_go_and_npm() -> None:
    ordered = [
        "v0.0.0-20210101000000-abcdef",
        "v0.1.0-alpha",
        "v0.1.0-alpha.1",
        "v0.1.0-beta",
        "v0.1.0",
        "v0.10.0",
    ]
    parsed = [SemVer(v) for v in ordered]
    assert parsed == sorted(parsed)
    assert SemVer("1.0.0+build") == SemVer("1.0.0")
    assert SemVer("1.0.0-alpha.2") < SemVer("1.0.0-alpha.10")  # numeric identifiers compare as numbers
    with pytest.raises(BadVersion):
        SemVer("latest")


def test_go_semver_range() -> None:
    entry = _entry([{"introduced": "0"}, {"fixed": "0.7.0"}], eco="Go", kind="SEMVER")
    assert evaluate(entry, "v0.6.9").affected and not evaluate(entry, "v0.7.0").affected


def test_smallest_upgrade_fixes_every_advisory() -> None:
    a = _entry(
        [{"introduced": "0"}, {"fixed": "1.2.3"}, {"introduced": "2.0"}, {"fixed": "2.0.5"}], ident="A"
    )
    b = _entry([{"introduced": "1.2.0"}, {"fixed": "1.3.0"}], ident="B")
    c = _entry([{"introduced": "1.3.0"}, {"last_affected": "1.9"}], ident="C")  # no fix on 1.x
    candidates = {"1.2.3", "2.0.5", "1.3.0"}
    assert smallest_upgrade("PyPI", "1.0", [a, b], candidates) == "1.3.0"
    assert smallest_upgrade("PyPI", "1.0", [a, b, c], candidates) == "2.0.5"
    assert smallest_upgrade("PyPI", "2.0.5", [a, b, c], candidates) is None  # nothing above is a candidate
