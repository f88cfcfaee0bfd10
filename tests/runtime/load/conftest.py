"""Fixtures: loopback servers with known behaviour (in a thread, or as a subprocess with a
PID to probe) and a helper that runs a real k6 load against them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stackaudit.config.sections.runtime import LoadConfig, SLOConfig
from stackaudit.runtime.load import runner, slo
from stackaudit.runtime.load.cpu import Probe
from stackaudit.runtime.load.model import LoadReport, Mode, StepSpec
from stackaudit.runtime.load.samples import SampleSet

from ..servers import Behaviour, Server

SERVERS_PY = Path(__file__).resolve().parent.parent / "servers.py"


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    """Start an in-thread loopback server: ``serve(kind="fixed", service_ms=20)``."""
    started: list[Server] = []

    def start(host: str = "127.0.0.1", **kw: object) -> Server:
        server = Server(Behaviour(**kw), host=host).start()  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def spawn() -> Iterator[Callable[..., tuple[subprocess.Popen[str], str]]]:
    """Start a server as a subprocess (its own PID): ``spawn("capacity", "--service-ms", "10")``."""
    procs: list[subprocess.Popen[str]] = []

    def start(kind: str, *args: str) -> tuple[subprocess.Popen[str], str]:
        proc = subprocess.Popen(
            [sys.executable, str(SERVERS_PY), kind, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        assert proc.stdout is not None
        port = proc.stdout.readline().strip()
        return proc, f"http://127.0.0.1:{port}"

    yield start
    for proc in procs:
        if proc.poll() is None:
            assert proc.stdin is not None
            proc.stdin.close()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run_load(
    tmp: Path,
    url: str,
    mode: Mode,
    steps: tuple[StepSpec, ...],
    *,
    slos: dict[str, SLOConfig] | None = None,
    load: LoadConfig | None = None,
    probe: Probe | None = None,
    segments: int = 1,
) -> tuple[LoadReport, SampleSet]:
    cfg = load or LoadConfig()
    plan = slo.build_plan(url, slos or {}, cfg)
    return runner.run(
        runner.RunOptions(
            plan, mode, steps, cfg, tmp / "work", slos=slos or {}, probe=probe, segments=segments
        )
    )
