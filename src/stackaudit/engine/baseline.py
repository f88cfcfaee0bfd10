"""Resolve ``--baseline REF``: a baseline file, a stored run, or a git ref."""

from __future__ import annotations

import json
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from stackaudit.model import Finding
from stackaudit.storage.store import Store


class BaselineError(Exception):
    """The baseline cannot be resolved; the message says what was tried."""


@dataclass(frozen=True, slots=True)
class Baseline:
    label: str
    fingerprints: frozenset[str]
    exported: bool = False  # audited from ``git archive``: a tree without ``.git``


def history_fingerprints(findings: Iterable[Finding]) -> frozenset[str]:
    """Findings about the repository's git history (located at ``.git``, e.g. unsigned commits).

    A baseline audited from ``git archive`` has no history, so it can never hold them: against
    such a baseline they are taken as existing, never as new (they would fail every gate).
    """
    return frozenset(
        f.fingerprint for f in findings if f.location.path == ".git" or f.location.path.startswith(".git/")
    )


def _from_file(path: Path) -> Baseline:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BaselineError(f"{path}: not a readable JSON baseline: {exc}") from None
    fps: set[str] = set()
    if isinstance(data, dict) and "findings" in data:  # our JSON report
        for key in ("findings", "suppressed"):
            fps.update(str(f["fingerprint"]) for f in data.get(key, []) if "fingerprint" in f)
    elif isinstance(data, dict) and "runs" in data:  # our SARIF
        for run in data["runs"]:
            for result in run.get("results", []):
                fp = result.get("partialFingerprints", {}).get("stackaudit/v1")
                if fp:
                    fps.add(str(fp))
    else:
        raise BaselineError(f"{path}: neither a stackaudit JSON report nor SARIF")
    return Baseline(f"file {path.name}", frozenset(fps))


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, timeout=120, check=False)


def export_git_ref(root: Path, commit: str, into: Path) -> Path:
    """Export the tree at ``commit`` with ``git archive`` (nothing checked out, no hooks run).

    ``root`` may be a subdirectory of the repository (one project of a monorepo): the archive
    is made from the top level, limited to that subdirectory, and the returned path is the
    subdirectory inside the export, so the baseline audits the same project as the run.
    Run from a subdirectory, ``git archive`` would archive only that subdirectory at the top of
    the tree, and the baseline would audit a folder that does not exist (everything "new").
    """
    top = _git(root, "rev-parse", "--show-toplevel").stdout.decode().strip()
    prefix = _git(root, "rev-parse", "--show-prefix").stdout.decode().strip().rstrip("/")
    tree = into / "tree"
    target = tree / prefix if prefix else tree
    if prefix and not _exists_at(Path(top), commit, prefix):
        target.mkdir(parents=True)  # the project did not exist then: everything in it is new
        return target
    archive = into / "tree.tar"
    with archive.open("wb") as out:
        proc = subprocess.run(
            ["git", "archive", "--format=tar", commit, *(["--", prefix] if prefix else [])],
            cwd=top or root,
            stdout=out,
            stderr=subprocess.PIPE,
            timeout=300,
            check=False,
        )
    if proc.returncode != 0:
        raise BaselineError(f"git archive {commit} failed: {proc.stderr.decode(errors='replace').strip()}")
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    archive.unlink()
    target.mkdir(parents=True, exist_ok=True)
    return target


def _exists_at(top: Path, commit: str, prefix: str) -> bool:
    return _git(top, "cat-file", "-e", f"{commit}:{prefix}").returncode == 0


def resolve(
    ref: str,
    root: Path,
    store: Store,
    project: str,
    audit_tree: Callable[[Path], frozenset[str]],
) -> Baseline:
    """``audit_tree(path)`` audits an exported tree without recording it and returns its fingerprints."""
    path = Path(ref)
    if path.is_file():
        return _from_file(path)
    run_id = store.resolve_run(project, ref)
    if run_id is not None:
        return Baseline(f"run {run_id[:12]}", frozenset(store.run_fingerprints(run_id)))
    proc = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if proc.returncode != 0:
        raise BaselineError(f"baseline {ref!r} is not a file, a stored run id, or a git ref")
    commit = proc.stdout.decode().strip()
    stored = store.latest_run_for_commit(project, commit)
    if stored is not None:
        return Baseline(f"{ref} ({commit[:12]}, stored run)", frozenset(store.run_fingerprints(stored)))
    with tempfile.TemporaryDirectory(prefix="stackaudit-baseline-") as tmp:
        tree = export_git_ref(root, commit, Path(tmp))
        return Baseline(f"{ref} ({commit[:12]})", audit_tree(tree), exported=True)
