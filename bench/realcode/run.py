"""Audit every app of the review set with the current stackaudit, default settings, a fresh store.

Each audit is ``python -m stackaudit audit APP --format json --output ...`` with a temporary
SQLite ``--db`` (so no history or result cache from an earlier run leaks in). The JSON report and a
small meta file (wall time, exit code, the stackaudit commit) go into the cache, never the repo.
``GIT_CEILING_DIRECTORIES`` stops git from taking the stackaudit repository (where the default
cache lives, git-ignored) as the app's work tree, which would list none of its files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import REPO_ROOT, App, app_source, meta_file, result_file


def _commit() -> str:
    proc = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip() or "unknown"


def audit(app: App, cache: Path, jobs: int | None) -> dict[str, object]:
    """Audit one app; return its meta record (also written beside the report)."""
    source = app_source(cache, app)
    if not source.is_dir():
        raise SystemExit(f"{app.name}: {source} is missing; run `fetch` first")
    out = result_file(cache, app)
    out.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT / "src"), env.get("PYTHONPATH", "")]))
    env["GIT_CEILING_DIRECTORIES"] = str(source.parent)
    with tempfile.TemporaryDirectory(prefix="realcode-") as tmp:
        cmd = [sys.executable, "-m", "stackaudit", "audit", str(source), "--format", "json",
               "--output", str(out), "--db", f"sqlite:///{tmp}/history.db"]  # fmt: skip
        if jobs:
            cmd += ["--jobs", str(jobs)]
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp, check=False)
        wall = time.perf_counter() - started
    findings = len(json.loads(out.read_text(encoding="utf-8"))["findings"]) if out.exists() else 0
    meta: dict[str, object] = {
        "app": app.name,
        "version": app.version,
        "wall_s": round(wall, 1),
        "exit_code": proc.returncode,  # 1 is the gate failing, not an error
        "findings": findings,
        "stackaudit_commit": _commit(),
        "stderr_tail": proc.stderr.strip().splitlines()[-3:],
    }
    meta_file(cache, app).write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return meta


def run_all(apps: list[App], cache: Path, jobs: int | None) -> int:
    """Audit each app in turn; print wall time and counts; return the number without a report."""
    missing = 0
    for app in apps:
        meta = audit(app, cache, jobs)
        ok = result_file(cache, app).exists() and meta["exit_code"] in (0, 1)
        missing += 0 if ok else 1
        note = "" if ok else f"  NO REPORT: {meta['stderr_tail']}"
        print(
            f"{app.name:20} {meta['wall_s']:>7}s  exit {meta['exit_code']}  {meta['findings']:>6} findings{note}"
        )
    return missing
