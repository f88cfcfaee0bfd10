"""Run real WSGI (werkzeug) and ASGI (uvicorn) apps on 127.0.0.1 in threads, for the DAST tests."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn
from werkzeug.serving import WSGIRequestHandler, make_server


@contextlib.contextmanager
def wsgi(app: Any, banner: bool = True, tls: tuple[str, str] | None = None) -> Iterator[str]:
    """Serve ``app`` with werkzeug's threaded server; yields its base URL.

    ``banner=False`` hides werkzeug's ``Server: Werkzeug/x.y Python/x.y`` (the dev server's
    default, which the version-banner rule reports).
    """

    class Handler(WSGIRequestHandler):
        def version_string(self) -> str:
            return super().version_string() if banner else "shop"

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            return None

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Handler, ssl_context=tls)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@contextlib.contextmanager
def asgi(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a socket bound here; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()


def free_port() -> int:
    """A port with nothing listening (bound and released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
