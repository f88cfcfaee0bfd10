"""Profile time goes to the application frame that made the slow call.

Unit cases on stacks shaped like py-spy's: the event loop's idle polling and wake-ups never
credit the CLI entry point that started the server; framework dispatch is skipped; a
thread-pool hop (asyncio.to_thread, starlette's run_in_threadpool) is followed to the frame
that submitted the work; a worker thread credits the submitted function.

Real case (slow): py-spy on a real uvicorn + Starlette server started by a project ``serve``
entry point, under load: ``serve`` must not be hot, the handlers doing the work must be.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from stackaudit.runtime.profile.hot import FrameRef, hot_functions
from stackaudit.runtime.profile.pyspy import profile_pid

SITE = "/usr/lib/python3.12/site-packages"
STDLIB = "/usr/lib/python3.12"


def _lib(path: str, fn: str) -> FrameRef:
    return FrameRef(fn, path, 1)


def _app(root: Path, file: str, fn: str, line: int = 10) -> FrameRef:
    return FrameRef(fn, str(root / file), line)


def _server_prefix(root: Path) -> list[FrameRef]:
    return [
        _app(root, "shop/cli.py", "serve", 5),
        _lib(f"{SITE}/uvicorn/main.py", "run"),
        _lib(f"{STDLIB}/asyncio/runners.py", "run"),
        _lib(f"{STDLIB}/asyncio/base_events.py", "_run_once"),
    ]


def test_event_loop_time_never_credits_the_entry_point(tmp_path: Path) -> None:
    idle = [*_server_prefix(tmp_path), _lib(f"{STDLIB}/selectors.py", "select")]
    wake = [*_server_prefix(tmp_path), _lib(f"{STDLIB}/asyncio/events.py", "_run")]
    view = [
        *_server_prefix(tmp_path),
        _lib(f"{STDLIB}/asyncio/events.py", "_run"),
        _lib(f"{SITE}/starlette/routing.py", "handle"),
        _app(tmp_path, "shop/views.py", "orders", 21),
        _lib(f"{STDLIB}/json/encoder.py", "encode"),
    ]
    hot = hot_functions([(idle, 30.0), (wake, 8.0), (view, 62.0)], tmp_path)
    assert [(h.function, h.path, h.line) for h in hot] == [("orders", "shop/views.py", 21)]
    assert hot[0].fraction == pytest.approx(0.62)


def test_thread_pool_hops_are_followed_to_the_submitting_frame(tmp_path: Path) -> None:
    to_thread = [
        *_server_prefix(tmp_path),
        _lib(f"{SITE}/starlette/routing.py", "handle"),
        _app(tmp_path, "shop/views.py", "report", 40),
        _lib(f"{STDLIB}/asyncio/threads.py", "to_thread"),
        FrameRef("[await]", "", 0),
    ]
    threadpool = [
        *_server_prefix(tmp_path),
        _app(tmp_path, "shop/views.py", "export", 55),
        _lib(f"{SITE}/starlette/concurrency.py", "run_in_threadpool"),
        _lib(f"{SITE}/anyio/to_thread.py", "run_sync"),
        FrameRef("[await]", "", 0),
    ]
    worker = [
        _lib(f"{STDLIB}/threading.py", "_bootstrap"),
        _lib(f"{STDLIB}/concurrent/futures/thread.py", "_worker"),
        _lib(f"{STDLIB}/concurrent/futures/thread.py", "run"),
        _app(tmp_path, "shop/db.py", "fetch_orders", 12),
        _lib(f"{STDLIB}/sqlite3/dbapi2.py", "execute"),
    ]
    hot = {
        h.function: h for h in hot_functions([(to_thread, 1.0), (threadpool, 1.0), (worker, 1.0)], tmp_path)
    }
    assert set(hot) == {"report", "export", "fetch_orders"}
    assert hot["report"].line == 40 and hot["fetch_orders"].path == "shop/db.py"


def test_a_venv_inside_the_project_is_library_code(tmp_path: Path) -> None:
    inner = [
        _app(tmp_path, "shop/views.py", "orders", 3),
        _app(tmp_path, ".venv/lib/python3.12/site-packages/sqlalchemy/orm/query.py", "all", 9),
    ]
    (hot,) = hot_functions([(inner, 1.0)], tmp_path)
    assert hot.function == "orders"


APP = """
import asyncio
import sqlite3

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


def heavy_sql() -> int:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (a INTEGER)")
    db.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(3000)])
    return db.execute("SELECT count(*) FROM t a, t b WHERE a.a < 60 AND b.a < 400").fetchone()[0]


async def report(request):
    rows = await asyncio.to_thread(heavy_sql)
    return JSONResponse({"rows": rows})


def crunch(request):
    total = 0
    for i in range(60000):
        total += i * i % 7
    return JSONResponse({"total": total})


app = Starlette(routes=[Route("/report", report), Route("/crunch", crunch)])
"""

CLI = """
import sys

import uvicorn


def serve(port: int) -> None:
    uvicorn.run("app:app", host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    serve(int(sys.argv[1]))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _drive(port: int, stop: threading.Event) -> None:
    while not stop.is_set():
        for path in ("/report", "/crunch"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).read()
            except OSError:
                time.sleep(0.05)


@pytest.mark.slow
def test_py_spy_on_uvicorn_credits_handlers_not_serve(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")
    pytest.importorskip("starlette")
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "cli.py").write_text(CLI)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "cli.py", str(port)], cwd=tmp_path)
    stop = threading.Event()
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        drivers = [threading.Thread(target=_drive, args=(port, stop)) for _ in range(3)]
        for d in drivers:
            d.start()
        result = profile_pid(proc.pid, 3, tmp_path, tmp_path / "p.json", threshold=0.02)
    finally:
        stop.set()
        proc.kill()
        proc.wait()
    shares = {h.function: round(h.fraction, 3) for h in result.hot}
    print(f"[profile-attribution] {result.samples} samples: {shares}")
    assert "serve" not in shares and "<module>" not in shares, shares
    assert "heavy_sql" in shares and "crunch" in shares, shares
