"""Audited code is never executed or imported: a hostile repository proves it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PAYLOAD = "import pathlib; pathlib.Path({marker!r}).write_text('executed')\n"


def test_hostile_repository_is_never_executed(tmp_path: Path) -> None:
    repo = tmp_path / "hostile"
    pkg = repo / "evilpkg"
    pkg.mkdir(parents=True)
    markers = tmp_path / "markers"
    markers.mkdir()
    for name, path in {
        "setup": repo / "setup.py",
        "conftest": repo / "conftest.py",
        "init": pkg / "__init__.py",
        "main": pkg / "__main__.py",
        "sitecustomize": repo / "sitecustomize.py",
    }.items():
        path.write_text(
            PAYLOAD.format(marker=str(markers / name)) + "import requests\nrequests.get('http://x')\n"
        )
    (repo / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "evilpkg"\nversion = "1"\ndependencies = ["requests==2.19.0"]\n'
    )
    (repo / "requirements.txt").write_text("-e .\nrequests==2.19.0\n")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "stackaudit",
            "audit",
            str(repo),
            "-f",
            "json",
            "-o",
            str(tmp_path / "r.json"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert list(markers.iterdir()) == []
    assert (tmp_path / "r.json").stat().st_size > 0
