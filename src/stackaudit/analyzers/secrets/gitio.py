"""Minimal git plumbing: argument lists, no shell, ``cwd=``, timeouts.

A missing ``git`` binary or a directory that is not a repository raises
``AnalyzerSkipped`` (a recorded skip); other git failures raise ``AnalyzerError``.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from stackaudit.analyzers.base import AnalyzerError, AnalyzerSkipped

_GIT_ENV_FLAGS = ("-c", "core.quotepath=off", "-c", "safe.directory=*")


@dataclass(frozen=True, slots=True)
class Blob:
    name: str  # what was asked for (a sha or ":path")
    sha: str
    data: bytes


def git_binary() -> str:
    path = shutil.which("git")
    if path is None:
        raise AnalyzerSkipped("git is not installed")
    return path


def git(root: Path, *args: str, timeout: float = 120.0) -> bytes:
    """Run one git command in ``root`` and return its stdout."""
    cmd = [git_binary(), *_GIT_ENV_FLAGS, *args]
    try:
        proc = subprocess.run(cmd, cwd=root, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AnalyzerError(f"git {args[0]} timed out after {timeout:.0f}s") from exc
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise AnalyzerError(f"git {args[0]} failed: {detail[-1] if detail else proc.returncode}")
    return proc.stdout


def batch_check(root: Path, shas: list[str], timeout: float) -> dict[str, tuple[str, int]]:
    """sha -> (object type, size) through one ``git cat-file --batch-check``."""
    cmd = [git_binary(), *_GIT_ENV_FLAGS, "cat-file", "--batch-check"]
    try:
        proc = subprocess.run(
            cmd,
            cwd=root,
            input="\n".join(shas).encode() + b"\n",
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise AnalyzerError(f"git cat-file --batch-check timed out after {timeout:.0f}s") from exc
    out: dict[str, tuple[str, int]] = {}
    for line in proc.stdout.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].isdigit():
            out[parts[0]] = (parts[1], int(parts[2]))
    return out


def ensure_repo(root: Path) -> None:
    try:
        git(root, "rev-parse", "--git-dir", timeout=30)
    except AnalyzerError as exc:
        raise AnalyzerSkipped(f"{root.name or root} is not a git repository") from exc


def _feed(pipe: IO[bytes], names: Iterable[str]) -> None:
    try:
        for name in names:
            pipe.write(name.encode("utf-8", "surrogateescape") + b"\n")
        pipe.flush()
    except (BrokenPipeError, ValueError):
        pass
    finally:
        with contextlib.suppress(BrokenPipeError, ValueError):
            pipe.close()


def cat_file(root: Path, names: list[str], timeout: float = 600.0) -> Iterator[Blob]:
    """Stream objects through one ``git cat-file --batch``; missing names are skipped."""
    cmd = [git_binary(), *_GIT_ENV_FLAGS, "cat-file", "--batch"]
    proc = subprocess.Popen(
        cmd, cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdin is not None and proc.stdout is not None
    feeder = threading.Thread(target=_feed, args=(proc.stdin, [n for n in names if "\n" not in n]))
    feeder.start()
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        for name in names:
            if "\n" in name:
                continue
            header = proc.stdout.readline().decode("utf-8", "replace").split()
            if len(header) != 3:  # "<name> missing" / "ambiguous"
                if not header:
                    break
                continue
            size = int(header[2])
            data = proc.stdout.read(size)
            proc.stdout.read(1)
            yield Blob(name, header[0], data)
    finally:
        timer.cancel()
        proc.stdout.close()
        proc.kill()
        proc.wait()
        feeder.join()


def decode_text(data: bytes) -> str | None:
    """The blob as text, or None when it is binary (a NUL byte in its first 8 KiB)."""
    if b"\x00" in data[:8192]:
        return None
    return data.decode("utf-8", "replace")
