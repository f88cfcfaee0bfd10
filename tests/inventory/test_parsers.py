"""Manifest and lock-file parsers, on small fixture files (nothing is executed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.inventory.deps import Ecosystem, build_inventory, parse_file, walk
from stackaudit.inventory.deps.graph import DependencyGraph
from stackaudit.inventory.deps.model import ParsedFile

FIX = Path(__file__).parent / "fixtures"


def _deps(parsed: ParsedFile) -> dict[str, tuple[str | None, bool]]:
    return {d.key: (d.version, d.direct) for d in parsed.dependencies}


@pytest.fixture(scope="module")
def inventory() -> dict[str, ParsedFile]:
    inv = build_inventory(FIX, walk(FIX))
    return {f.path: f for f in inv.files}


def test_requirements_includes_hashes_markers_extras(inventory: dict[str, ParsedFile]) -> None:
    req = inventory["reqs/requirements.txt"]
    by = {d.key: d for d in req.dependencies}
    assert by["django"].version == "3.2.0" and by["django"].hashes == ("sha256:aaaa", "sha256:bbbb")
    assert by["requests"].extras == ("security", "socks") and "python_version" in by["requests"].marker
    assert by["pyyaml"].source == "reqs/base.txt"  # from the -r include (which includes us back: a loop)
    assert by["celery"].version == "5.2.0"  # from the -c constraints file
    assert by["flask"].version is None and by["flask"].spec == ">=2.0"
    assert (by["editable-pkg"].kind, by["vcs-pkg"].kind, by["wheelpkg"].kind) == ("editable", "vcs", "url")
    assert by["legacy"].version == "1.0-legacy"  # invalid PEP 440, kept for matching to report
    assert [p.detail.split(":")[0] for p in req.problems] == ["line 15"]
    assert req.problems[0].reason == "malformed"


def test_poetry_lock_direct_transitive_and_paths(inventory: dict[str, ParsedFile]) -> None:
    lock = inventory["poetry/poetry.lock"]
    assert _deps(lock) == {
        "requests": ("2.19.0", True),
        "urllib3": ("1.23", False),
        "idna": ("2.7", False),
        "jinja2": ("2.10", True),
        "markupsafe": ("1.0", False),
        "pytest": ("8.0.0", True),
    }
    assert lock.graph().paths()["urllib3"] == ("requests", "urllib3")
    assert {d.key: d.hashes for d in lock.dependencies}["requests"] == ("sha256:1111",)


def test_pyproject_poetry_and_pep621(inventory: dict[str, ParsedFile]) -> None:
    poetry = _deps(inventory["poetry/pyproject.toml"])
    assert poetry["jinja2"] == ("2.10", True) and poetry["requests"][0] is None and "python" not in poetry
    assert _deps(inventory["uv/pyproject.toml"]) == {"pillow": (None, True), "jinja2": (None, True)}


def test_uv_pdm_pipfile_locks(inventory: dict[str, ParsedFile]) -> None:
    uv = inventory["uv/uv.lock"]
    assert _deps(uv) == {"pillow": ("9.0.0", True), "jinja2": ("3.1.2", True), "markupsafe": ("2.1.3", False)}
    assert {d.key: d.hashes for d in uv.dependencies}["pillow"] == (
        "sha256:" + "3" * 64,
        "sha256:" + "4" * 64,
    )
    pdm = inventory["pdm/pdm.lock"]
    assert pdm.graph().paths()["sqlparse"] == ("django", "sqlparse")
    pip = _deps(inventory["pipenv/Pipfile.lock"])
    assert pip == {"requests": ("2.19.0", True), "urllib3": ("1.23", False), "pytest": ("8.0.0", True)}


def test_npm_locks(inventory: dict[str, ParsedFile]) -> None:
    v3 = inventory["npm2/package-lock.json"]
    versions = sorted((d.key, d.version) for d in v3.dependencies if d.key == "qs")
    assert versions == [("qs", "6.5.0"), ("qs", "6.7.0")]  # nested copy kept
    assert {d.key: d.direct for d in v3.dependencies}["express"] is True
    assert {d.key: d.licence for d in v3.dependencies}["@scope/gpl-thing"] == "GPL-3.0-only"
    assert v3.graph().paths()["body-parser"] == ("express", "body-parser")
    assert all(d.ecosystem == Ecosystem.NPM for d in v3.dependencies)
    v1 = inventory["npm1/package-lock.json"]
    assert sorted((d.key, d.version) for d in v1.dependencies) == [
        ("left-pad", "1.3.0"),
        ("lodash", "3.10.1"),
        ("lodash", "4.17.15"),
    ]
    pnpm = inventory["pnpm/pnpm-lock.yaml"]
    assert _deps(pnpm) == {"lodash": ("4.17.20", True), "@babel/core": ("7.0.0", False)}
    assert _deps(inventory["yarn1/yarn.lock"])["@babel/code-frame"] == ("7.10.4", True)
    assert inventory["yarn1/yarn.lock"].edges == (("@babel/code-frame", "@babel/highlight"),)
    assert _deps(inventory["yarnberry/yarn.lock"]) == {"minimist": ("1.2.5", True)}


def test_go_mod_and_sum(inventory: dict[str, ParsedFile]) -> None:
    go = inventory["gomod/go.mod"]
    assert _deps(go) == {
        "github.com/gin-gonic/gin": ("v1.9.0", True),
        "golang.org/x/net": ("v0.7.0", False),
        "github.com/stretchr/testify": ("v1.8.1", True),
    }
    hashes = {d.key: d.hashes for d in go.dependencies}
    assert (
        hashes["github.com/gin-gonic/gin"][0].startswith("h1:")
        and hashes["github.com/stretchr/testify"] == ()
    )


@pytest.mark.parametrize("name", ["poetry.lock", "package-lock.json", "pnpm-lock.yaml", "go.mod"])
def test_malformed_files_become_problems(name: str) -> None:
    parsed = parse_file(FIX, f"broken/{name}")
    assert parsed.dependencies == ()
    assert len(parsed.problems) == 1 and parsed.problems[0].reason == "malformed"
    assert name in parsed.problems[0].detail


def test_malformed_file_does_not_hide_the_others() -> None:
    inv = build_inventory(FIX, walk(FIX))
    assert {p.path for p in inv.problems} >= {"broken/poetry.lock", "broken/package-lock.json"}
    assert any(d.key == "django" for d in inv.dependencies)


def test_cycles_are_handled_and_reported(inventory: dict[str, ParsedFile]) -> None:
    lock = inventory["cycle/poetry.lock"]
    paths = lock.graph().paths()
    assert paths == {"a": ("a",), "b": ("a", "b"), "c": ("a", "b", "c")}
    assert lock.graph().cycles() == [("b", "c", "b")]


def test_graph_without_cycles_reports_none() -> None:
    graph = DependencyGraph.build([("a", "b"), ("b", "c"), ("a", "c")], ["a"])
    assert graph.cycles() == [] and graph.paths()["c"] == ("a", "c")


def test_purl() -> None:
    inv = build_inventory(FIX, ["npm2/package-lock.json", "gomod/go.mod", "reqs/requirements.txt"])
    purls = {d.purl for d in inv.dependencies}
    assert {
        "pkg:npm/%40scope/gpl-thing@1.0.0",
        "pkg:golang/golang.org/x/net@v0.7.0",
        "pkg:pypi/django@3.2.0",
    } <= purls


def test_lock_entries_get_their_line(inventory: dict[str, ParsedFile]) -> None:
    lines = {d.key: d.line for d in inventory["poetry/poetry.lock"].dependencies}
    assert (lines["requests"], lines["urllib3"]) == (2, 16)
    assert {d.key: d.line for d in inventory["uv/uv.lock"].dependencies}[
        "jinja2"
    ] == 23  # not the root's list
    assert {d.key: d.line for d in inventory["yarn1/yarn.lock"].dependencies}["minimist"] == 12


def test_bun_lock_with_trailing_commas_and_workspaces() -> None:
    root = Path(__file__).parent / "workspaces" / "bun"
    bun = {f.path: f for f in build_inventory(root, ["bun.lock"]).files}["bun.lock"]
    assert bun.is_lock and bun.kind == "bun.lock"
    assert _deps(bun) == {
        "express": ("4.18.2", True),
        "body-parser": ("1.20.1", False),
        "typescript": ("5.4.5", True),
        "zod": ("3.23.8", True),  # direct in the workspace member packages/api
    }
    assert ("express", "body-parser") in bun.edges and bun.roots == {"express", "typescript", "zod"}
    assert all(d.hashes and d.hashes[0].startswith("sha512-") for d in bun.dependencies)


def test_uv_extras_bring_packages_in_only_when_asked_for(tmp_path: Path) -> None:
    """pytest-cov's optional 'toml' extra is not installed unless some entry asks for it, so a
    dependency path must never run through it."""
    (tmp_path / "uv.lock").write_text(
        """version = 1

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "uvicorn", extra = ["standard"] }]

[package.dev-dependencies]
test = [{ name = "pytest-cov" }]

[[package]]
name = "uvicorn"
version = "0.30.0"
source = { registry = "https://pypi.org/simple" }

[package.optional-dependencies]
standard = [{ name = "httptools" }]

[[package]]
name = "pytest-cov"
version = "5.0.0"
source = { registry = "https://pypi.org/simple" }

[package.optional-dependencies]
toml = [{ name = "tomli" }]

[[package]]
name = "httptools"
version = "0.6.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "tomli"
version = "2.0.1"
source = { registry = "https://pypi.org/simple" }
"""
    )
    uv = build_inventory(tmp_path, ["uv.lock"]).files[0]
    assert ("uvicorn", "httptools") in uv.edges
    assert ("pytest-cov", "tomli") not in uv.edges


def test_dependency_paths_prefer_production_roots() -> None:
    graph = DependencyGraph.build(
        (("pytest", "six"), ("requests", "urllib3"), ("urllib3", "six")), {"pytest", "requests"}
    )
    assert graph.paths()["six"] == ("pytest", "six")  # shortest, alphabetical among equals
    assert graph.paths(frozenset({"pytest"}))["six"] == ("requests", "urllib3", "six")
