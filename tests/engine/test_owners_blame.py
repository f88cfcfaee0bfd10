"""git blame: only the top of the list, cached by commit, never for files with local changes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from stackaudit.engine import owners as owners_mod
from stackaudit.engine.owners import BlameCache, resolve_owners
from stackaudit.model import Category, Location, RuleMeta, Severity

RULE = RuleMeta(id="scale.x", title="x", category=Category.SCALABILITY, severity=Severity.LOW, doc="d")


def _git(root: Path, *args: str, email: str = "ana@example.com") -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": "a"}
    env["GIT_COMMITTER_EMAIL"] = email
    return subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True
    ).stdout


def _repo(tmp_path: Path) -> tuple[Path, str]:
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    (root / "a.py").write_text("".join(f"x{i} = {i}\n" for i in range(1, 21)))
    (root / "b.py").write_text("y = 1\n")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "one")
    return root, _git(root, "rev-parse", "HEAD").strip()


def test_blame_stops_at_the_limit_and_is_cached_by_commit(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root, commit = _repo(tmp_path)
    findings = [RULE.finding(Location("a.py", line), "m", f"x{line}") for line in range(1, 21)]
    first = resolve_owners(root, findings, True, commit=commit, limit=5)
    assert len(first) == 5 and {o.name for o in first.values()} == {"ana@example.com"}
    calls: list[str] = []
    real = owners_mod._blame

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(owners_mod, "_blame", counting)
    again = resolve_owners(root, findings[:5], True, commit=commit, limit=5)
    assert again == first and calls == []  # the same lines at the same commit: from the cache


def test_files_with_local_changes_are_not_cached(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root, commit = _repo(tmp_path)
    (root / "b.py").write_text("y = 2\n")
    cache = BlameCache(root, commit)
    assert "b.py" in cache.dirty
    cache.put("b.py", {1: "ana@example.com"})
    cache.put("a.py", {1: "ana@example.com"})
    assert cache.get("b.py", 1) is None and cache.get("a.py", 1) == "ana@example.com"
