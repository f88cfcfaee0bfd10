"""CPU and memory of the target: a PID (/proc/PID/stat, /proc/PID/status) or a cgroup v2
directory (cpu.stat usage_usec, memory.current).  Reads only; never signals the target.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


class TargetGone(Exception):
    """The PID exited or the cgroup disappeared during the run."""


@dataclass(frozen=True, slots=True)
class Reading:
    at: float  # time.time()
    cpu_seconds: float
    rss_bytes: int | None


@dataclass(frozen=True, slots=True)
class ProcessProbe:
    """Reads CPU-seconds (user + system) and VmRSS of one PID."""

    pid: int

    def read(self) -> Reading:
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
            status = Path(f"/proc/{self.pid}/status").read_text()
        except (FileNotFoundError, ProcessLookupError) as exc:
            raise TargetGone(f"process {self.pid} is gone") from exc
        # fields after the ")" of comm: state is field 3, utime 14, stime 15 (1-based)
        rest = stat.rsplit(")", 1)[1].split()
        if rest[0] in ("Z", "X"):  # exited, not yet reaped by its parent
            raise TargetGone(f"process {self.pid} is gone (exited)")
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = (int(rest[11]) + int(rest[12])) / ticks
        rss = None
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
        return Reading(time.time(), cpu, rss)


@dataclass(frozen=True, slots=True)
class CgroupProbe:
    """Reads usage_usec from cpu.stat and memory.current of a cgroup v2 directory."""

    path: Path

    def read(self) -> Reading:
        try:
            stat = (self.path / "cpu.stat").read_text()
        except FileNotFoundError as exc:
            raise TargetGone(f"cgroup {self.path} is gone or is not cgroup v2") from exc
        usage = next((int(ln.split()[1]) for ln in stat.splitlines() if ln.startswith("usage_usec")), 0)
        mem_file = self.path / "memory.current"
        rss = int(mem_file.read_text().strip()) if mem_file.is_file() else None
        return Reading(time.time(), usage / 1e6, rss)

    def cores(self) -> float | None:
        """The CPU quota in cores from cpu.max ("200000 100000" -> 2.0); None when unlimited."""
        try:
            quota, period = (self.path / "cpu.max").read_text().split()[:2]
        except (OSError, ValueError):
            return None
        return None if quota == "max" else int(quota) / int(period)


Probe = ProcessProbe | CgroupProbe


@dataclass(slots=True)
class Sampler:
    """Background readings every ``interval`` s until ``stop()``; survives the target exiting."""

    probe: Probe
    interval: float = 0.25
    readings: list[Reading] = field(default_factory=list)
    gone: str | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="stackaudit-cpu", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            try:
                self.readings.append(self.probe.read())
            except TargetGone as exc:
                self.gone = str(exc)
                return
            if self._stop.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
