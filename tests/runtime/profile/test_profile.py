from __future__ import annotations

import asyncio
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from stackaudit.model import EvidenceKind
from stackaudit.runtime.profile.hot import FrameRef, hot_functions
from stackaudit.runtime.profile.middleware import ASGIProfilingMiddleware, ProfilingMiddleware, endpoint_of
from stackaudit.runtime.profile.pyspy import ProfileError, profile_pid
from stackaudit.storage.store import Store, project_key

APP = """
import sqlite3
import time

from flask import Flask

app = Flask(__name__)


def heavy() -> int:
    total = 0
    deadline = time.perf_counter() + 0.05
    while time.perf_counter() < deadline:
        total += sum(i * i for i in range(200))
    return total


def light() -> int:
    return 1


@app.get("/report")
def report():
    return {"heavy": heavy(), "light": light()}


@app.get("/orders")
def orders():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE o (id INTEGER, customer INTEGER)")
    db.executemany("INSERT INTO o VALUES (?, ?)", [(i, i) for i in range(20)])
    rows = db.execute("SELECT id, customer FROM o").fetchall()
    names = [db.execute("SELECT ? || 'x'", (c,)).fetchone() for _, c in rows]
    return {"n": len(names)}


async def asgi_app(scope, receive, send):
    heavy()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
"""


def _load(project: Path) -> ModuleType:
    (project / "shopapp.py").write_text(APP)
    spec = importlib.util.spec_from_file_location(f"shopapp_{project.name}", project / "shopapp.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hot_function_gets_the_weight_of_its_library_calls(tmp_path: Path) -> None:
    app, lib = str(tmp_path / "app.py"), "/usr/lib/python3/sqlalchemy/orm.py"
    handler, helper = FrameRef("list_orders", app, 10), FrameRef("fmt", app, 30)
    samples = [
        ([handler, FrameRef("execute", lib, 1)], 8.0),
        ([handler, helper], 1.0),
        ([FrameRef("main", lib, 1)], 1.0),
    ]
    hot = hot_functions(samples, tmp_path, threshold=0.10)
    assert [(h.function, h.path, h.line, round(h.fraction, 2)) for h in hot] == [
        ("list_orders", "app.py", 10, 0.8)
    ]


def test_endpoint_names_collapse_ids() -> None:
    assert (
        endpoint_of("get", "/orders/42/items/0b7c7f1e-8f3a-4b1e-9c55-0123456789ab")
        == "GET /orders/{id}/items/{id}"
    )


def test_wsgi_middleware_flags_hot_functions_and_runtime_n_plus_one(tmp_path: Path) -> None:
    module = _load(tmp_path)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    middleware = ProfilingMiddleware(module.app.wsgi_app, tmp_path, store_url=db, out_dir=tmp_path / "flames")
    middleware.aggregator.min_total_ms = 0.0
    module.app.wsgi_app = middleware
    client = module.app.test_client()
    for _ in range(3):
        assert client.get("/report").status_code == 200
    assert client.get("/orders").json == {"n": 20}
    evidence = middleware.close()
    profile = [e for e in evidence if e.kind == EvidenceKind.PROFILE and e.endpoint == "GET /report"]
    assert [e.location.symbol for e in profile if e.location] == ["heavy"]
    assert profile[0].location is not None and profile[0].location.path == "shopapp.py"
    nplusone = [e for e in evidence if e.kind == EvidenceKind.NPLUSONE]
    assert len(nplusone) == 1 and "20 identical queries" in nplusone[0].summary
    assert (tmp_path / "flames" / "GET_report.speedscope.json").stat().st_size > 0
    assert (tmp_path / "flames" / "GET_report.html").stat().st_size > 0
    with Store.open(db) as store:
        stored = store.evidence(project_key(tmp_path))
    assert {e.kind for e in stored} == {EvidenceKind.PROFILE, EvidenceKind.NPLUSONE}


def test_asgi_middleware_profiles_requests(tmp_path: Path) -> None:
    module = _load(tmp_path)
    middleware = ASGIProfilingMiddleware(
        module.asgi_app, tmp_path, store_url=f"sqlite:///{tmp_path / 's.db'}"
    )
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(middleware({"type": "http", "method": "GET", "path": "/x/7"}, receive, send))
    evidence = middleware.close()
    assert sent[0]["status"] == 200
    assert [(e.endpoint, e.location.symbol if e.location else None) for e in evidence] == [
        ("GET /x/{id}", "heavy")
    ]


SPIN = """
import sys, time
def spin(seconds):
    end = time.time() + seconds
    s = 0
    while time.time() < end:
        s += sum(i * i for i in range(100))
    return s
print("ready", flush=True)
spin(float(sys.argv[1]))
"""


@pytest.mark.slow
def test_py_spy_attaches_to_a_running_process(tmp_path: Path) -> None:
    (tmp_path / "spin.py").write_text(SPIN)
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "spin.py"), "20"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    try:
        result = profile_pid(proc.pid, 1.5, tmp_path, tmp_path / "p.json")
    finally:
        proc.kill()
        proc.wait()
    assert result.samples > 10 and result.partial is None
    assert result.hot and result.hot[0].function == "spin" and result.hot[0].fraction > 0.5


@pytest.mark.slow
def test_py_spy_process_that_exits_mid_profile_is_partial(tmp_path: Path) -> None:
    (tmp_path / "spin.py").write_text(SPIN)
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "spin.py"), "1"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    try:
        result = profile_pid(proc.pid, 4, tmp_path, tmp_path / "p.json")
    except ProfileError as exc:  # py-spy may refuse to write a file for a vanished process
        assert str(proc.pid) in str(exc)
    else:
        assert result.partial is not None and "exited" in result.partial
    finally:
        proc.wait()


def test_missing_pid_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="no process with PID"):
        profile_pid(999_999_99, 1, tmp_path, tmp_path / "p.json")
