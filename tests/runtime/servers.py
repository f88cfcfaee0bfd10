"""Loopback HTTP servers with known behaviour, for the load tests.

Each server is a tiny asyncio HTTP/1.1 (keep-alive) server on 127.0.0.1, run in its own
thread with its own event loop (fixture ``serve``) or as a subprocess
(``python tests/runtime/servers.py KIND [--option value]``, which prints its port), so that
its PID can be probed for CPU and RSS.  Every server logs, per request, the time from the
moment the request head was read to the moment the response was written: that log is the
truth the k6 measurements are compared with.

Kinds:
- ``fixed``: ``service_ms`` (20) per request;
- ``tail``: ``service_ms``, and every ``tail_every``-th request (100) takes ``tail_ms`` (200);
- ``stall``: ``service_ms``; the server freezes ``stall_ms`` (200) every ``period_s`` (2):
  a response due inside a freeze waits for its end;
- ``capacity``: one worker, ``service_ms`` (10) of busy CPU per request, so ~100 req/s max;
- ``drift``: latency ``service_ms`` + ``growth_ms_per_s`` x uptime, and ``leak_kb`` kept per
  request (RSS grows);
- ``garbage``: a TCP server that answers every connection with bytes that are not HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from dataclasses import dataclass, field


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


@dataclass
class Server:
    behaviour: Behaviour
    port: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    _count: int = 0
    _leak: list[bytes] = field(default_factory=list)
    _lock: asyncio.Lock | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _delay(self) -> None:
        b = self.behaviour
        self._count += 1
        if b.kind == "capacity":
            assert self._lock is not None
            async with self._lock:
                end = time.perf_counter() + b.service_ms / 1000
                while time.perf_counter() < end:  # busy CPU, one request at a time
                    pass
            return
        wait = b.service_ms
        if b.kind == "tail" and self._count % b.tail_every == 0:
            wait = b.tail_ms
        if b.kind == "drift":
            wait += b.growth_ms_per_s * (time.monotonic() - self.started)
            self._leak.append(bytes(b.leak_kb * 1024))
        await asyncio.sleep(wait / 1000)
        if b.kind == "stall":
            phase = time.monotonic() % b.period_s
            if phase < b.stall_ms / 1000:
                await asyncio.sleep(b.stall_ms / 1000 - phase)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                t0 = time.perf_counter()
                if self.behaviour.kind == "garbage":
                    writer.write(b"\x00\xffTHIS IS NOT HTTP\r\n\r\n" * 4)
                    await writer.drain()
                    break
                await self._delay()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
                await writer.drain()
                self.latencies_ms.append((time.perf_counter() - t0) * 1000)
                if b"connection: close" in head.lower():
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def _start(self) -> None:
        self._lock = asyncio.Lock()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    def start(self) -> Server:
        ready = threading.Event()

        def main() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            loop.run_until_complete(self._start())
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=main, name="test-server", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def reset(self) -> None:
        self.latencies_ms.clear()


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
