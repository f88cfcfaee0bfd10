"""Run another program safely: argument list, no shell, ``cwd=``, timeout, scrubbed env.

``locate()`` finds the binary next to ``sys.executable`` first (the venv's bin), then on
PATH, and raises ``AnalyzerSkipped`` when it is missing. ``run()`` returns a typed
``Completed`` record; the caller maps its exit code with the tool's own table
(``ExitTable``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from stackaudit.analyzers.base import AnalyzerError, AnalyzerSkipped

# Credentials a wrapped engine must never see: we run offline, and a token could make
# a tool go online or leak into its output.
_SCRUBBED_ENV = frozenset(
    {"GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN", "GH_HOST", "ZIZMOR_CONFIG", "RUFF_CACHE_DIR"}
)
_ARGV_BUDGET = 100_000  # characters of file arguments per invocation (well under ARG_MAX)


class Outcome(IntEnum):
    """What a tool's exit code means; ordered from best to worst."""

    CLEAN = 0
    FINDINGS = 1
    ERROR = 2


@dataclass(frozen=True, slots=True)
class ExitTable:
    """A tool's exit codes, explicitly; any code not listed is an error."""

    tool: str
    codes: Mapping[int, Outcome]
    notes: Mapping[int, str] = field(default_factory=dict)

    def outcome(self, code: int) -> Outcome:
        return self.codes.get(code, Outcome.ERROR)

    def describe(self, code: int) -> str:
        return self.notes.get(code, f"{self.tool} exited with unexpected code {code}")


class ToolTimeout(AnalyzerError):
    """The wrapped program ran past its timeout and was killed."""


class ToolFailed(AnalyzerError):
    """The wrapped program reported an error (its exit table says so)."""


@dataclass(frozen=True, slots=True)
class Invocation:
    argv: tuple[str, ...]
    cwd: Path
    timeout_s: float
    env: tuple[tuple[str, str], ...] = ()  # extra variables (e.g. NO_COLOR)


@dataclass(frozen=True, slots=True)
class Completed:
    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str
    duration_s: float


def locate(name: str) -> str:
    """The binary beside the running interpreter (the venv's bin), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise AnalyzerSkipped(f"{name} is not installed (looked in {beside.parent} and on PATH)")
    return found


def _environment(extra: Sequence[tuple[str, str]]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _SCRUBBED_ENV}
    env.update({"NO_COLOR": "1", "CLICOLOR": "0", "TERM": "dumb"})
    env.update(dict(extra))
    return env


def run(invocation: Invocation) -> Completed:
    """Run once; raise ``ToolTimeout`` after ``timeout_s``, ``AnalyzerSkipped`` if it vanished."""
    started = time.perf_counter()
    try:
        proc = subprocess.run(  # argument list, no shell, trusted binary
            list(invocation.argv),
            cwd=invocation.cwd,
            env=_environment(invocation.env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=invocation.timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ToolTimeout(
            f"{Path(invocation.argv[0]).name} timed out after {invocation.timeout_s:g} s"
        ) from None
    except FileNotFoundError:
        raise AnalyzerSkipped(f"{invocation.argv[0]} is not installed") from None
    return Completed(
        argv=invocation.argv,
        exit_code=proc.returncode,
        stdout=proc.stdout.decode("utf-8", errors="replace"),
        stderr=proc.stderr.decode("utf-8", errors="replace"),
        duration_s=time.perf_counter() - started,
    )


def version(binary: str, cwd: Path, timeout_s: float = 20.0) -> str:
    """``<binary> --version`` as "name X.Y.Z"; "" when it cannot tell."""
    try:
        done = run(Invocation((binary, "--version"), cwd, timeout_s))
    except (ToolTimeout, AnalyzerSkipped):
        return ""
    return done.stdout.strip().splitlines()[0] if done.exit_code == 0 and done.stdout.strip() else ""


def batches(paths: Sequence[str], budget: int = _ARGV_BUDGET) -> list[list[str]]:
    """Split file arguments so no command line grows past ``budget`` characters."""
    out: list[list[str]] = []
    current: list[str] = []
    size = 0
    for path in paths:
        arg = f"./{path}" if path.startswith("-") else path
        if current and size + len(arg) + 1 > budget:
            out.append(current)
            current, size = [], 0
        current.append(arg)
        size += len(arg) + 1
    if current:
        out.append(current)
    return out


def tail(text: str, limit: int = 300) -> str:
    """The last ``limit`` characters of a tool's stderr, on one line, for messages."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else "…" + flat[-limit:]


def parse_json_list[R](stdout: str, tool: str, what: str, build: Callable[[Any], R]) -> list[R]:
    """A tool's JSON array of records, each built by ``build``; ``ToolFailed`` when it is not that."""
    try:
        data = json.loads(stdout or "[]")
    except json.JSONDecodeError as exc:
        raise ToolFailed(f"{tool} printed invalid JSON: {exc}") from None
    if not isinstance(data, list):
        raise ToolFailed(f"{tool} printed JSON that is not a list of {what}s")
    try:
        return [build(item) for item in data]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ToolFailed(f"unexpected {tool} {what} shape: {exc!r}") from None
