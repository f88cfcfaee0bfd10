"""Loopback HTTP servers with known behaviour, for the load tests.

Each server is a small single-threaded HTTP/1.1 (keep-alive) server on 127.0.0.1 built on
``selectors``, run in a thread (fixture ``serve``) or as a subprocess
(``python tests/runtime/servers.py KIND [--option value]``, which prints its port) so its
PID can be probed for CPU and RSS.

Truth log: every request's arrival is the kernel's receive timestamp (SO_TIMESTAMPNS, taken
when the packet reached the socket, before this process was scheduled), and its response
is due at arrival + the behaviour's delay.  The log holds written-time - kernel-arrival
for every response, so a server starved of CPU still logs what a client experiences.

Kinds:
- ``fixed``: ``service_ms`` (20) per request;
- ``tail``: ``service_ms``, and every ``tail_every``-th request (100) takes ``tail_ms`` (200);
- ``stall``: ``service_ms``; the server freezes ``stall_ms`` (200) every ``period_s`` (2):
  a response due inside a freeze waits for its end;
- ``capacity``: one worker, FIFO, ``service_ms`` (10) per request, scheduled in virtual time
  from the kernel arrivals (so a starved server still has exactly 1000 / service_ms req/s of
  capacity), burning ``cpu_ms`` (0) of CPU per request so a PID probe sees the work;
- ``drift``: latency ``service_ms`` + ``growth_ms_per_s`` x uptime, and ``leak_kb`` kept per
  request (RSS grows);
- ``garbage``: answers every request with bytes that are not HTTP, then closes;
- ``linear``: latency ``service_ms`` + ``per_rps_ms`` x the arrival rate of the last second
  (latency linear in load: a slope, no knee);
- ``status``: ``service_ms``, answered with HTTP status ``status`` (404 ...).

Every request target (the raw bytes after the method) is kept in ``targets``.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import os
import selectors
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux value, not exported by Python
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
GARBAGE = b"\x00\xffTHIS IS NOT HTTP\r\n\r\n" * 4


def overloaded() -> str | None:
    """Why timing accuracy cannot be judged now (other jobs hog this machine's cores), or None.

    Tests that compare latencies with a truth skip on an overloaded machine outside CI,
    with this message; under CI (CI=true) they always run.
    """
    if os.environ.get("CI") == "true":
        return None
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0]
    if load > 1.5 * cores:
        return f"machine overloaded (load average {load:.1f} on {cores} cores): timing cannot be judged"
    return None


@contextlib.contextmanager
def high_priority(niceness: int = -10) -> Iterator[None]:
    """Run the block (and the k6 / server processes it starts, which inherit it) at a higher
    CPU priority, like a dedicated load-generator host; a no-op where not permitted."""
    before = os.getpriority(os.PRIO_PROCESS, 0)
    try:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
    except OSError:
        yield
        return
    try:
        yield
    finally:
        os.setpriority(os.PRIO_PROCESS, 0, before)


@dataclass
class Behaviour:
    kind: str = "fixed"
    service_ms: float = 20.0
    tail_ms: float = 200.0
    tail_every: int = 100
    stall_ms: float = 200.0
    period_s: float = 2.0
    growth_ms_per_s: float = 0.0
    leak_kb: int = 0
    cpu_ms: float = 0.0
    per_rps_ms: float = 0.1
    status: int = 404


@dataclass
class Server:
    behaviour: Behaviour
    port: int = 0
    host: str = "127.0.0.1"
    targets: list[bytes] = field(default_factory=list)
    _recent: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    _count: int = 0
    _worker_free: float = 0.0
    _leak: list[bytes] = field(default_factory=list)
    _due: list[tuple[float, int, socket.socket, float, bool]] = field(default_factory=list)
    _buffers: dict[socket.socket, bytes] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _listener: socket.socket | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _due_at(self, arrival: float) -> float:
        b = self.behaviour
        self._count += 1
        if b.kind == "capacity":  # one worker, FIFO, in virtual time from kernel arrivals
            start = max(arrival, self._worker_free)
            self._worker_free = start + b.service_ms / 1000
            end = time.perf_counter() + b.cpu_ms / 1000  # CPU burnt per request (for --pid)
            while time.perf_counter() < end:
                pass
            return self._worker_free
        delay = b.service_ms
        if b.kind == "tail" and self._count % b.tail_every == 0:
            delay = b.tail_ms
        if b.kind == "linear":
            self._recent = [t for t in self._recent if t > arrival - 1.0]
            self._recent.append(arrival)
            delay += b.per_rps_ms * len(self._recent)
        if b.kind == "drift":
            delay += b.growth_ms_per_s * (arrival - self.started)
            self._leak.append(bytes(b.leak_kb * 1024))
        due = arrival + delay / 1000
        if b.kind == "stall":
            phase = due % b.period_s
            if phase < b.stall_ms / 1000:
                due += b.stall_ms / 1000 - phase
        return due

    def _accept(self, sel: selectors.BaseSelector) -> None:
        assert self._listener is not None
        try:
            conn, _ = self._listener.accept()
        except BlockingIOError:
            return
        conn.setblocking(False)
        conn.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffers[conn] = b""
        sel.register(conn, selectors.EVENT_READ)

    def _close(self, sel: selectors.BaseSelector, conn: socket.socket) -> None:
        if conn in self._buffers:
            sel.unregister(conn)
            del self._buffers[conn]
            conn.close()

    def _read(self, sel: selectors.BaseSelector, conn: socket.socket) -> None:
        try:
            data, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(16))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data, anc = b"", []
        if not data:
            self._close(sel, conn)
            return
        arrival = time.time()
        for level, kind, raw in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(raw) >= 16:
                sec, nsec = struct.unpack("qq", raw[:16])
                arrival = sec + nsec / 1e9
        buf = self._buffers[conn] + data
        while b"\r\n\r\n" in buf:
            head, buf = buf.split(b"\r\n\r\n", 1)
            self.targets.append(head.split(b"\r\n", 1)[0].split(b" ")[1] if b" " in head else b"")
            close = b"connection: close" in head.lower() or self.behaviour.kind == "garbage"
            heapq.heappush(self._due, (self._due_at(arrival), self._count, conn, arrival, close))
        self._buffers[conn] = buf

    def _response(self) -> bytes:
        if self.behaviour.kind == "garbage":
            return GARBAGE
        if self.behaviour.kind == "status":
            code = self.behaviour.status
            return b"HTTP/1.1 %d Nope\r\nContent-Length: 2\r\n\r\nno" % code
        return RESPONSE

    def _answer(self, sel: selectors.BaseSelector) -> None:
        now = time.time()
        while self._due and self._due[0][0] <= now:
            _, _, conn, arrival, close = heapq.heappop(self._due)
            if conn not in self._buffers:
                continue
            try:
                conn.setblocking(True)
                conn.sendall(self._response())
                conn.setblocking(False)
            except OSError:
                self._close(sel, conn)
                continue
            if self.behaviour.kind != "garbage":
                self.latencies_ms.append((time.time() - arrival) * 1000)
            if close:
                self._close(sel, conn)

    def _serve(self) -> None:
        sel = selectors.DefaultSelector()
        assert self._listener is not None
        sel.register(self._listener, selectors.EVENT_READ)
        while not self._stop.is_set():
            wait = 0.05 if not self._due else max(0.0, min(0.05, self._due[0][0] - time.time()))
            for key, _ in sel.select(wait):
                if key.fileobj is self._listener:
                    self._accept(sel)
                else:
                    self._read(sel, key.fileobj)  # type: ignore[arg-type]
            self._answer(sel)
        for conn in list(self._buffers):
            self._close(sel, conn)
        sel.close()

    def start(self) -> Server:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(1024)
        listener.setblocking(False)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self.started = time.time()
        self._thread = threading.Thread(target=self._serve, name="test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._listener is not None:
            self._listener.close()


def _main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind")
    for name, default in vars(Behaviour()).items():
        if name != "kind":
            parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    args = vars(parser.parse_args(argv))
    server = Server(Behaviour(**args)).start()
    print(server.port, flush=True)
    try:
        sys.stdin.read()  # stop when the parent closes our stdin
    finally:
        server.stop()


if __name__ == "__main__":
    _main(sys.argv[1:])
