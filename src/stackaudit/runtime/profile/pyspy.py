"""Attach py-spy to a running process and find its hot project functions."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from stackaudit.runtime.profile.hot import DEFAULT_THRESHOLD, HotFunction, hot_functions, speedscope_samples


class ProfileError(Exception):
    """py-spy is missing, the PID does not exist, or nothing was sampled."""


@dataclass(frozen=True, slots=True)
class ProcessProfile:
    pid: int
    duration_s: float
    samples: int
    hot: tuple[HotFunction, ...]
    partial: str | None  # why the profile is incomplete (the process exited early …)
    speedscope: Path


def _alive(pid: int) -> bool:
    """Running, and not a zombie waiting for its parent."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _binary() -> str:
    local = Path(sys.executable).parent / "py-spy"
    found = str(local) if local.exists() else shutil.which("py-spy")
    if not found:
        raise ProfileError("py-spy is not installed (pip install py-spy)")
    return found


def profile_pid(
    pid: int,
    duration_s: float,
    root: Path,
    output: Path,
    rate: int = 100,
    threshold: float = DEFAULT_THRESHOLD,
) -> ProcessProfile:
    if pid <= 0 or not Path(f"/proc/{pid}").exists():
        raise ProfileError(f"no process with PID {pid}")
    args = [
        _binary(),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(max(1, round(duration_s))),
        "--rate",
        str(rate),
        "--format",
        "speedscope",
        "--output",
        str(output),
        "--nonblocking",
    ]
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=duration_s + 60, check=False)
    except subprocess.TimeoutExpired:
        raise ProfileError(f"py-spy did not finish within {duration_s + 60:g}s") from None
    if not output.exists():
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ProfileError(f"py-spy could not profile PID {pid}: {detail[0]}")
    document = json.loads(output.read_text(encoding="utf-8"))
    samples = speedscope_samples(document)
    partial = None
    if not _alive(pid):
        partial = f"process {pid} exited during the profile; {len(samples)} sample(s) kept"
    hot = hot_functions(samples, root, threshold)
    return ProcessProfile(pid, duration_s, len(samples), tuple(hot), partial, output)
