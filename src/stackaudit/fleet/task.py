"""What a Dask worker runs for one repository: check it out, skip it if stored, else audit it.

The audit is the CLI's own ``run_audit``, with ``jobs=1``: the fleet's parallelism is one
repository per worker process, so a second pool inside each task would only fight it for the
same cores. The task runs on a worker thread, where the per-file time limit (a SIGALRM) cannot be
armed; the analyzers' own bounds (file size, nesting, the analyzer timeout) still hold.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

from stackaudit.fleet.sources import RepoSpec, shown_url

if TYPE_CHECKING:
    from stackaudit.storage.store import Store

CLONE_TIMEOUT_S = 600.0


class RepoFailure(Exception):
    """An attempt that failed and may work again (a clone, a locked store): Dask retries it."""


@dataclass(frozen=True, slots=True)
class Unauditable:
    """A repository no retry can help (missing, not git, a bad config): returned, not raised."""

    spec: RepoSpec
    reason: str


class _Permanent(Exception):
    """Raised inside the task, turned into ``Unauditable`` at its edge."""


class State(IntEnum):
    """How a repository ended, in the order the summary lists them."""

    DONE = 1
    SKIPPED = 2


@dataclass(frozen=True, slots=True)
class TaskSettings:
    """What every task of one fleet run shares."""

    db_url: str
    force: bool = False
    clone_timeout_s: float = CLONE_TIMEOUT_S


@dataclass(frozen=True, slots=True)
class RepoResult:
    """A repository audited now (DONE) or already stored for this commit and config (SKIPPED)."""

    spec: RepoSpec
    state: State
    project: str
    run_id: str
    commit: str
    findings: int
    gate_passed: bool | None
    seconds: float


def audit_repo(spec: RepoSpec, settings: TaskSettings) -> RepoResult | Unauditable:
    """The Dask task: a ``RepoResult``, an ``Unauditable`` reason, or ``RepoFailure`` (retried)."""
    started = time.perf_counter()
    try:
        with checkout(spec, settings.clone_timeout_s) as root:
            return _audit_checkout(spec, root, settings, started)
    except _Permanent as exc:
        return Unauditable(spec, str(exc))


def _audit_checkout(spec: RepoSpec, root: Path, settings: TaskSettings, started: float) -> RepoResult:
    from stackaudit.config.loader import ConfigError, load_config
    from stackaudit.discovery.files import git_head
    from stackaudit.engine.pipeline import AuditOptions, run_audit
    from stackaudit.storage.store import StoreError, project_key

    commit, _branch = git_head(root)
    if commit is None:
        raise _Permanent("not a git repository (a fleet resumes by commit, so it needs one)")
    try:
        config = load_config(root)
    except ConfigError as exc:
        raise _Permanent(shown_url(str(exc))) from None
    try:
        project = project_key(root)
        if not settings.force:
            stored = stored_run(settings.db_url, project, commit, config.config_hash())
            if stored is not None:
                run_id, findings, gate = stored
                elapsed = time.perf_counter() - started
                return RepoResult(spec, State.SKIPPED, project, run_id, commit, findings, gate, elapsed)
        options = AuditOptions(root=root, config=config, db_url=settings.db_url, jobs=1)
        result = run_audit(options)
    except StoreError as exc:
        raise RepoFailure(shown_url(str(exc))) from None
    except OSError as exc:
        raise RepoFailure(shown_url(f"{exc.filename or root}: {exc.strerror or exc}")) from None
    gate = None if result.gate is None else result.gate.passed
    elapsed = time.perf_counter() - started
    return RepoResult(spec, State.DONE, project, result.run.id, commit, len(result.findings), gate, elapsed)


def stored_run(
    db_url: str, project: str, commit: str, config_hash: str
) -> tuple[str, int, bool | None] | None:
    """The newest stored run of this commit, if it used this config and this stackaudit version.

    A newer stackaudit may find more, so its version is part of "already done", like the config.
    """
    from stackaudit import __version__

    store = _open_store(db_url)
    run_id = store.latest_run_for_commit(project, commit)
    if run_id is None:
        return None
    result = store.load_result(run_id)
    run = result.run
    if run.commit != commit or run.config_hash != config_hash or run.tool_version != __version__:
        return None
    return run_id, len(result.findings), None if result.gate is None else result.gate.passed


@functools.cache
def _open_store(db_url: str) -> Store:
    """One store per worker process for the resume checks: opening one checks the schema (~50 ms).

    The worker process ends with the cluster, and its pooled connections with it.
    """
    from stackaudit.storage.store import Store

    return Store.open(db_url)


@contextmanager
def checkout(spec: RepoSpec, timeout_s: float) -> Iterator[Path]:
    """The tree to audit: a local checkout in place, or a clone in a temporary directory.

    A URL, or a local path with a ref, is cloned (shallow when the ref is a branch or tag); the
    clone is removed afterwards whatever happens.
    """
    if not spec.is_url and spec.ref is None:
        path = Path(spec.source)
        if not path.is_dir():
            raise _Permanent("no such directory")
        yield path
        return
    parent = Path(tempfile.mkdtemp(prefix="stackaudit-fleet-"))
    try:
        dest = parent / spec.name
        _clone(spec, dest, timeout_s)
        yield dest
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def _clone(spec: RepoSpec, dest: Path, timeout_s: float) -> None:
    """``git clone --depth 1 [--branch REF]``; a ref that is a commit needs the full history."""
    shallow = ["--depth", "1", *(["--branch", spec.ref] if spec.ref else [])]
    first = _git(["clone", "--quiet", *shallow, "--", spec.source, str(dest)], None, timeout_s)
    if first is None:
        return
    if spec.ref is None:
        raise RepoFailure(f"git clone failed: {first}")
    shutil.rmtree(dest, ignore_errors=True)
    error = _git(["clone", "--quiet", "--no-checkout", "--", spec.source, str(dest)], None, timeout_s)
    error = error or _git(["checkout", "--quiet", "--detach", spec.ref], dest, timeout_s)
    if error is not None:
        raise RepoFailure(f"git clone of ref {spec.ref!r} failed: {error}")


def _git(args: list[str], cwd: Path | None, timeout_s: float) -> str | None:
    """Run git without a terminal prompt; None when it worked, else its last error line."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": ""}
    command = ["git", "-c", "advice.detachedHead=false", "-c", "core.hooksPath=/dev/null", *args]
    try:
        proc = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout_s:g} s"
    except OSError as exc:
        return f"cannot run git: {exc.strerror or exc}"
    if proc.returncode == 0:
        return None
    lines = [ln for ln in proc.stderr.decode(errors="replace").splitlines() if ln.strip()]
    return shown_url(lines[-1] if lines else f"exit code {proc.returncode}")
