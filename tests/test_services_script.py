"""scripts/services.sh: a per-checkout state directory, its own free ports, and a stop command.

Starts a real PostgreSQL and Redis in a temporary state directory (never the ones the
suite is using), with the checkout's derived ports already taken, and stops them again.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "services.sh"


def _run(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STACKAUDIT_SERVICES_DIR": str(state)}
    env.pop("STACKAUDIT_PG_PORT", None)
    env.pop("STACKAUDIT_REDIS_PORT", None)
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120)


def _first_free(port: int) -> int:
    while _listening(port):
        port += 1
    return port


def _bound_not_listening(port: int) -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    return sock


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = Path("/tmp") / f"sa-services-test-{os.getpid()}"
    yield path
    _run(path, "stop")
    shutil.rmtree(path, ignore_errors=True)


def test_unknown_action_and_stop_without_state(tmp_path: Path) -> None:
    assert _run(tmp_path / "none", "stop").returncode == 0
    bad = _run(tmp_path / "none", "restart")
    assert bad.returncode == 2 and "start, stop, status or ports" in bad.stderr


@pytest.mark.skipif(
    not shutil.which("redis-server") or not list(Path("/usr/lib/postgresql").glob("*/bin")),
    reason="PostgreSQL and Redis binaries are not installed",
)
def test_start_takes_free_ports_and_stop_stops_what_it_started(state: Path) -> None:
    derived, redis_derived = (int(p) for p in _run(state, "ports").stdout.split())
    assert derived < 32768 and redis_derived < 32768  # below the kernel's usual ephemeral range
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:  # the derived port is taken by someone else
        blocker.bind(("127.0.0.1", derived))
        blocker.listen()
    except OSError:
        assert _listening(derived)  # already taken: the suite's own server holds it
    # The next free ports are bound but not listening, as the local port of an outbound
    # connection is: the script sees them free, the servers cannot bind them, and must move on.
    unbindable = [
        _bound_not_listening(_first_free(derived)),
        _bound_not_listening(_first_free(redis_derived)),
    ]
    unbindable_ports = [sock.getsockname()[1] for sock in unbindable]
    try:
        started = _run(state, "start")
        assert started.returncode == 0, started.stderr
    finally:
        blocker.close()
        for sock in unbindable:
            sock.close()
    assert f"could not bind 127.0.0.1:{unbindable_ports[0]}" in started.stderr
    assert f"Redis did not start on 127.0.0.1:{unbindable_ports[1]}" in started.stderr
    env = dict(re.findall(r"^export (\w+)=(.*)$", started.stdout, re.M))
    pg = int(re.search(r":(\d+)/stackaudit_test", env["STACKAUDIT_TEST_PG_URL"]).group(1))  # type: ignore[union-attr]
    redis = int(re.search(r":(\d+)/0$", env["STACKAUDIT_TEST_REDIS_URL"]).group(1))  # type: ignore[union-attr]
    assert pg != derived and pg != redis and pg not in unbindable_ports and redis not in unbindable_ports
    assert _listening(pg) and _listening(redis)
    assert (state / "pg" / "PG_VERSION").is_file()
    again = _run(state, "start")  # reuses the running servers and their ports
    assert again.stdout == started.stdout
    stopped = _run(state, "stop")
    assert (
        stopped.returncode == 0
        and "PostgreSQL stopped" in stopped.stderr
        and "Redis stopped" in stopped.stderr
    )
    assert not _listening(pg) and not _listening(redis)
