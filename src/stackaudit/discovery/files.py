"""List the files to audit.

Inside a git work tree the list comes from ``git ls-files`` (tracked, plus
untracked files that are not ignored); elsewhere from a ``.gitignore``-aware walk
with ``pathspec``. Include/exclude globs from the config apply to both. Files
that cannot be analysed are recorded with the reason, never silently dropped.
Reading file contents happens later, in the workers.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from stackaudit.analyzers.base import SourceFile
from stackaudit.config.schema import Config
from stackaudit.discovery.languages import language_of
from stackaudit.model import NotAnalysed, NotAnalysedReason

GIT_TIMEOUT_S = 60


@dataclass(frozen=True, slots=True)
class Discovery:
    root: Path
    files: tuple[SourceFile, ...]
    not_analysed: tuple[NotAnalysed, ...]
    is_git: bool
    commit: str | None
    branch: str | None


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=root,
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def git_toplevel(root: Path) -> Path | None:
    proc = _git(root, "rev-parse", "--show-toplevel")
    if proc is None or proc.returncode != 0:
        return None
    return Path(proc.stdout.decode().strip())


def git_head(root: Path) -> tuple[str | None, str | None]:
    commit = branch = None
    proc = _git(root, "rev-parse", "HEAD")
    if proc is not None and proc.returncode == 0:
        commit = proc.stdout.decode().strip() or None
    proc = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    if proc is not None and proc.returncode == 0:
        branch = proc.stdout.decode().strip() or None
    return commit, branch


def _ignored_by_enclosing_repo(root: Path) -> bool:
    """A tree inside an ignored directory of some repo (a vendored copy, bench data) is walked instead."""
    proc = _git(root, "check-ignore", "-q", ".")
    return proc is not None and proc.returncode == 0


def _git_files(root: Path) -> list[str] | None:
    if _ignored_by_enclosing_repo(root):
        return None
    proc = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".")
    if proc is None or proc.returncode != 0:
        return None
    names = {n.decode("utf-8", "surrogateescape") for n in proc.stdout.split(b"\0") if n}
    return sorted(names)


def _walk_files(root: Path) -> Iterator[str]:
    """A .gitignore-aware walk (nested .gitignore files honoured), not following dir links."""
    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir
        if ".gitignore" in filenames:
            try:
                lines = (Path(dirpath) / ".gitignore").read_text(encoding="utf-8", errors="replace")
                specs.append((rel_dir, pathspec.GitIgnoreSpec.from_lines(lines.splitlines())))
            except OSError:
                pass

        def ignored(rel: str, is_dir: bool) -> bool:
            for base, spec in specs:
                if base and not rel.startswith(base + "/"):
                    continue
                sub = rel[len(base) + 1 :] if base else rel
                if spec.match_file(sub + ("/" if is_dir else "")):
                    return True
            return False

        kept = []
        for d in sorted(dirnames):
            rel = f"{rel_dir}/{d}" if rel_dir else d
            if d == ".git" or ignored(rel, True):
                continue
            if os.path.islink(os.path.join(dirpath, d)):
                yield rel  # recorded as a symlink below, never descended into
                continue
            kept.append(d)
        dirnames[:] = kept
        for f in sorted(filenames):
            rel = f"{rel_dir}/{f}" if rel_dir else f
            if not ignored(rel, False):
                yield rel


def _classify(root: Path, real_root: str, rel: str, max_size: int) -> SourceFile | NotAnalysed | None:
    path = root / rel
    try:
        lst = path.lstat()
    except FileNotFoundError:
        return NotAnalysed(rel, NotAnalysedReason.VANISHED, "listed but no longer on disk")
    except PermissionError:
        return NotAnalysed(rel, NotAnalysedReason.PERMISSION, "permission denied")
    except OSError as exc:
        return NotAnalysed(rel, NotAnalysedReason.ERROR, str(exc))
    if stat.S_ISLNK(lst.st_mode):
        try:
            target = os.path.realpath(path, strict=True)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return NotAnalysed(rel, NotAnalysedReason.SYMLINK_LOOP, "symlink loop")
            return NotAnalysed(rel, NotAnalysedReason.VANISHED, "dangling symlink")
        if not (target == real_root or target.startswith(real_root + os.sep)):
            return NotAnalysed(rel, NotAnalysedReason.SYMLINK_OUTSIDE, "symlink points outside the tree")
        if os.path.isdir(target):
            return None  # its target is inside the tree and is discovered on its own
        st = os.stat(target)
    else:
        st = lst
    if not stat.S_ISREG(st.st_mode):
        return None
    if st.st_size > max_size:
        return NotAnalysed(rel, NotAnalysedReason.TOO_LARGE, f"{st.st_size} bytes > max_file_size {max_size}")
    return SourceFile(path=rel, abspath=path, size=st.st_size, language=language_of(rel))


def _filters(config: Config) -> tuple[pathspec.GitIgnoreSpec | None, pathspec.GitIgnoreSpec]:
    include = pathspec.GitIgnoreSpec.from_lines(config.include) if config.include else None
    exclude = pathspec.GitIgnoreSpec.from_lines([*config.exclude, *config.extend_exclude])
    return include, exclude


def discover(root: Path, config: Config) -> Discovery:
    root = root.resolve()
    real_root = os.path.realpath(root)
    names = _git_files(root) if git_toplevel(root) is not None else None
    is_git = names is not None
    if names is None:
        names = list(_walk_files(root))
    include, exclude = _filters(config)
    files: list[SourceFile] = []
    skipped: list[NotAnalysed] = []
    for rel in names:
        if exclude.match_file(rel) or (include is not None and not include.match_file(rel)):
            continue
        item = _classify(root, real_root, rel, config.max_file_size)
        if isinstance(item, SourceFile):
            files.append(item)
        elif item is not None:
            skipped.append(item)
    commit, branch = git_head(root) if is_git else (None, None)
    return Discovery(root, tuple(files), tuple(skipped), is_git, commit, branch)
