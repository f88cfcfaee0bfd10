"""Reading an installed environment from its metadata (never importing it)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from stackaudit.inventory.deps import EnvironmentNotReadable, environment_inventory
from stackaudit.inventory.deps.environment import site_packages


def _dist(site: Path, name: str, version: str | None, extra: str = "", top: str = "") -> Path:
    folder = site / f"{name}-{version or 'x'}.dist-info"
    folder.mkdir(parents=True)
    lines = ["Metadata-Version: 2.4", f"Name: {name}"] + ([f"Version: {version}"] if version else [])
    (folder / "METADATA").write_text("\n".join(lines) + "\n" + extra + "\nLong description\n")
    if top:
        (folder / "top_level.txt").write_text(top)
    return folder


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    site = tmp_path / "venv" / "lib" / "python3.12" / "site-packages"
    _dist(
        site,
        "app_core",
        "1.0",
        "License-Expression: MIT\nRequires-Dist: helper>=2\nRequires-Dist: extra-only; extra == 'speed'\n",
    )
    _dist(site, "Helper", "2.0", "Classifier: License :: OSI Approved :: BSD License\n", top="helper_mod\n")
    _dist(site, "copyleft", "0.1", "License: GPL-3.0-only\n")
    (_dist(site, "devpkg", "0.0.1") / "direct_url.json").write_text(
        '{"url": "file:///src", "dir_info": {"editable": true}}'
    )
    _dist(site, "broken", None)
    return tmp_path / "venv"


def test_reads_metadata_licences_graph_and_roots(venv: Path) -> None:
    inv = environment_inventory(venv)
    deps = {d.key: d for d in inv.dependencies}
    assert set(deps) == {"app-core", "helper", "copyleft", "devpkg"}
    assert (deps["app-core"].licence, deps["helper"].licence) == ("MIT", "BSD License")
    assert deps["helper"].top_level == ("helper_mod",) and deps["devpkg"].kind == "editable"
    assert deps["app-core"].direct and not deps["helper"].direct  # helper is required by app-core
    (parsed,) = inv.files
    assert parsed.edges == (("app-core", "helper"),)  # the extra-only requirement is not installed by default
    assert [p.detail for p in inv.problems] == ["broken-x.dist-info: METADATA lacks Name or Version"]


def test_interpreter_path_inside_a_venv(venv: Path) -> None:
    (venv / "bin").mkdir()
    (venv / "bin" / "python").write_text("#!/bin/false\n")  # never run: the layout gives site-packages
    assert site_packages(venv / "bin" / "python") == [venv / "lib" / "python3.12" / "site-packages"]


def test_bare_interpreter_is_asked_for_its_paths() -> None:
    system = shutil.which("python3") or sys.executable
    dirs = site_packages(Path(system))
    assert dirs and all(d.is_dir() for d in dirs)


def test_not_an_environment(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentNotReadable, match="no such file"):
        environment_inventory(tmp_path / "missing")
    with pytest.raises(EnvironmentNotReadable, match="no site-packages"):
        environment_inventory(tmp_path)
