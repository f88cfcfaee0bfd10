"""Download the pinned source distributions, verify their sha256, unpack them into the cache.

``pip download --no-deps --no-binary NAME`` is tried first. ``--no-binary NAME`` rather than
``:all:`` because ``:all:`` also forbids wheels for the *build* dependencies, and pip must build
an sdist's metadata before it saves it (maturin, hatch hooks): ruff's sdist then needs a Rust
toolchain and open-webui's an ``npm install``. When pip cannot prepare the metadata the same file
is taken from the index's simple API (PEP 691 JSON, the API pip itself reads), by exact filename,
and checked against the digest the index publishes and the one recorded in ``apps.toml``.
An app already unpacked in the cache is reused as it is.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from pathlib import Path

from .common import App, app_source

INDEX_ENV = "STACKAUDIT_REALCODE_INDEX"
DEFAULT_INDEX = "https://pypi.org/simple"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pip_download(app: App, dest: Path) -> str:
    """Run pip; return '' on success or the last lines of its error output."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", app.name,
           "--ignore-requires-python", "-d", str(dest), f"{app.name}=={app.version}"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    if proc.returncode == 0:
        return ""
    return " | ".join(proc.stderr.strip().splitlines()[-3:])


def _index_download(app: App, dest: Path) -> None:
    """Fetch the exact sdist file from the simple API when pip could not build its metadata."""
    index = os.environ.get(INDEX_ENV, DEFAULT_INDEX).rstrip("/")
    request = urllib.request.Request(
        f"{index}/{app.name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # the registry pip uses
        files = json.load(response)["files"]
    entry = next((f for f in files if f["filename"] == app.filename), None)
    if entry is None:
        raise RuntimeError(f"{app.filename} is not on the index")
    if entry["hashes"].get("sha256") != app.sha256:
        raise RuntimeError(f"{app.filename}: the index publishes another sha256 than apps.toml")
    with urllib.request.urlopen(entry["url"], timeout=600) as response:
        (dest / app.filename).write_bytes(response.read())


def download(app: App, sdists: Path) -> str:
    """Make sure the verified archive is in ``sdists``; return how it got there."""
    sdists.mkdir(parents=True, exist_ok=True)
    archive = sdists / app.filename
    how = "cached"
    if not archive.exists():
        error = _pip_download(app, sdists)
        how = "pip download"
        if not archive.exists():
            _index_download(app, sdists)
            how = f"simple API (pip could not prepare the metadata: {error[:160]})"
    actual = sha256_of(archive)
    if actual != app.sha256:
        archive.unlink()
        raise RuntimeError(f"{app.filename}: sha256 {actual} != recorded {app.sha256}; file removed")
    return how


def unpack(archive: Path, target: Path) -> None:
    """Unpack into ``target.parent`` (an sdist holds one ``name-version/`` directory)."""
    if archive.name.endswith(".tar.gz"):
        with tarfile.open(archive) as tar:
            tar.extractall(target.parent, filter="data")  # 'data' refuses links and paths outside
    else:  # a wheel (or zip sdist) holds no top directory of its own for a wheel: make one
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(target if archive.name.endswith(".whl") else target.parent)
    if not target.is_dir():
        raise RuntimeError(f"{archive.name} did not unpack into {target.name}/")


def fetch(apps: list[App], cache: Path) -> int:
    """Fetch every app; print one line each; return the number of failures."""
    failures = 0
    for app in apps:
        target = app_source(cache, app)
        if target.is_dir():
            print(f"{app.name:20} {app.version:10} reused {target}")
            continue
        try:
            how = download(app, cache / "sdists")
            unpack(cache / "sdists" / app.filename, target)
        except (RuntimeError, OSError, subprocess.SubprocessError, tarfile.TarError) as exc:
            failures += 1
            print(f"{app.name:20} {app.version:10} FAILED: {exc}")
            continue
        print(f"{app.name:20} {app.version:10} {how} -> {target}")
    return failures
