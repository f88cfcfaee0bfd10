"""Benchmark corpora: real codebases downloaded from PyPI once into bench/data (git-ignored)."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def django_source(spec: str = "django==5.2.*") -> Path:
    """Django's source distribution, unpacked. Downloads it the first time."""
    DATA.mkdir(parents=True, exist_ok=True)
    existing = sorted(p for p in DATA.glob("[dD]jango-5.2*") if p.is_dir())
    if existing:
        return existing[-1]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-binary",
            ":all:",
            "--no-deps",
            "-q",
            spec,
            "-d",
            str(DATA),
        ],
        check=True,
    )
    archive = sorted(DATA.glob("[dD]jango-5.2*.tar.gz"))[-1]
    with tarfile.open(archive) as tar:
        tar.extractall(DATA, filter="data")
    return sorted(p for p in DATA.glob("[dD]jango-5.2*") if p.is_dir())[-1]
