from __future__ import annotations

import http.server
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from stackaudit.runtime.metrics.bands import CACHE_HIT_BANDS, Verdict, cache_hit_verdict, utilisation_verdict
from stackaudit.runtime.metrics.report import EVIDENCE_SEVERITY, to_evidence, to_json
from stackaudit.runtime.metrics.sources import postgres_snapshot, redis_snapshot
from stackaudit.runtime.metrics.window import Reading, Targets, derive, sample


@pytest.mark.parametrize(
    ("ratio", "verdict"),
    [
        (0.5, Verdict.WASTEFUL),
        (0.69, Verdict.WASTEFUL),
        (0.7, Verdict.BELOW_TARGET),
        (0.85, Verdict.TARGET),
        (0.92, Verdict.ABOVE_TARGET),
        (0.97, Verdict.SUSPECT),
        (None, Verdict.NO_DATA),
    ],
)
def test_cache_band(ratio: float | None, verdict: Verdict) -> None:
    assert cache_hit_verdict(ratio)[0] == verdict


def test_every_verdict_has_an_evidence_mapping() -> None:
    assert set(EVIDENCE_SEVERITY) == set(Verdict)
    assert {v for _, v, _ in CACHE_HIT_BANDS} <= set(Verdict)
    assert utilisation_verdict(90, 100)[0] == Verdict.HIGH and utilisation_verdict(10, 100)[0] == Verdict.OK


def _traffic(redis_url: str, hits: int, misses: int) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.set("stackaudit:test:key", "v")
    for _ in range(hits):
        client.get("stackaudit:test:key")
    for i in range(misses):
        client.get(f"stackaudit:test:missing:{i}")
    client.close()


@pytest.mark.redis
@pytest.mark.parametrize(
    ("hits", "misses", "verdict"),
    [(85, 15, Verdict.TARGET), (40, 60, Verdict.WASTEFUL), (99, 1, Verdict.SUSPECT)],
)
def test_redis_hit_ratio_over_the_window(redis_url: str, hits: int, misses: int, verdict: Verdict) -> None:
    first = redis_snapshot(redis_url, ["stackaudit:test:queue"])
    _traffic(redis_url, hits, misses)
    last = redis_snapshot(redis_url, ["stackaudit:test:queue"])
    reading = next(r for r in derive({"redis": [first, last]}, 1.0) if r.name == "cache hit ratio")
    assert reading.value == pytest.approx(hits / (hits + misses))
    assert reading.verdict == verdict


@pytest.mark.redis
def test_growing_queue_is_flagged(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.delete("stackaudit:test:jobs")
    client.rpush("stackaudit:test:jobs", *range(3))
    first = redis_snapshot(redis_url, ["stackaudit:test:jobs"])
    client.rpush("stackaudit:test:jobs", *range(20))
    last = redis_snapshot(redis_url, ["stackaudit:test:jobs"])
    client.delete("stackaudit:test:jobs")
    reading = next(r for r in derive({"redis": [first, last]}, 1.0) if r.name.startswith("queue depth"))
    assert reading.verdict == Verdict.HIGH and reading.value == 23


@pytest.mark.postgres
def test_postgres_buffers_connections_and_lock_waits(pg_url: str) -> None:
    import psycopg

    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    first = postgres_snapshot(pg_url)
    with psycopg.connect(dsn, autocommit=True) as setup:
        setup.execute("CREATE TABLE IF NOT EXISTS stackaudit_lock_test (id int)")
    holder = psycopg.connect(dsn)
    holder.execute("LOCK TABLE stackaudit_lock_test IN ACCESS EXCLUSIVE MODE")
    waiter = psycopg.connect(dsn, autocommit=True)
    blocked = threading.Thread(target=lambda: waiter.execute("SELECT count(*) FROM stackaudit_lock_test"))
    blocked.start()
    try:
        for _ in range(50):
            during = postgres_snapshot(pg_url)
            if during.values["waiting"] >= 1:
                break
            threading.Event().wait(0.1)
    finally:
        holder.rollback()
        holder.close()
        blocked.join(10)
        waiter.close()
    readings = {r.name: r for r in derive({"postgres": [first, during]}, 1.0)}
    assert readings["sessions waiting on locks (peak)"].value >= 1
    assert readings["sessions waiting on locks (peak)"].verdict == Verdict.HIGH
    assert readings["connections (peak)"].value >= 2
    ratio = readings["buffer hit ratio"].value
    assert ratio is not None and 0.0 < ratio <= 1.0


@pytest.fixture
def prometheus_url() -> Iterator[str]:
    registry = CollectorRegistry()
    hits = Counter("app_cache_hits", "hits", registry=registry)
    misses = Counter("app_cache_misses", "misses", registry=registry)
    Gauge("worker_queue_depth", "depth", registry=registry).set(7)
    state = {"n": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state["n"] += 1
            hits.inc(60)
            misses.inc(40)  # 60 % hits per scrape interval: wasteful
            body = generate_latest(registry)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/metrics"
    server.shutdown()


def test_prometheus_window_and_dead_source(prometheus_url: str, tmp_path: Path) -> None:
    targets = Targets(prometheus=(prometheus_url, "http://127.0.0.1:9/metrics"))
    report = sample(targets, window_s=0.2, interval_s=0.1, label="peak")
    by_name = {r.name: r for r in report.readings}
    assert by_name["app_cache hit ratio"].value == pytest.approx(0.6)
    assert by_name["app_cache hit ratio"].verdict == Verdict.WASTEFUL
    assert by_name["worker_queue_depth"].value == 7
    assert len(report.errors) == 1 and "127.0.0.1:9" in report.errors[0]
    assert '"partial": true' in to_json(report)
    evidence = to_evidence(report, "proj")
    assert any("hit ratio 60.0%" in e.summary and "wasteful" in e.summary for e in evidence)


def test_reading_is_plain_data() -> None:
    r = Reading("redis", "cache hit ratio", 0.5, "ratio", Verdict.WASTEFUL, "x")
    assert r.verdict == "wasteful"


@pytest.mark.redis
def test_missing_postgres_driver_names_the_extra_and_keeps_redis(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """psycopg not installed (its import fails, as on a bare install): one source fails, the
    other's readings stay, and the message says which extra to install."""
    monkeypatch.setitem(sys.modules, "psycopg", None)  # makes `import psycopg` raise ImportError
    traffic = threading.Thread(target=_traffic, args=(redis_url, 170, 30))
    traffic.start()
    report = sample(
        Targets(redis=redis_url, postgres="postgresql://u@127.0.0.1:1/db"),
        0.3,
        0.15,
        "peak",
        _sleep_until(traffic),
    )
    assert any("pip install 'stackaudit[postgres]'" in e for e in report.errors), report.errors
    names = {r.name for r in report.readings}
    assert "cache hit ratio" in names and not any(r.source == "postgres" for r in report.readings)


def _sleep_until(worker: threading.Thread) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        worker.join()
        time.sleep(seconds)

    return sleep


def _traffic_inside_the_window(worker: threading.Thread) -> Callable[[float], None]:
    """Start the traffic after the window's first snapshot and finish it before the next one:
    on a loaded machine a thread started earlier ran some lookups before the window opened."""

    def sleep(seconds: float) -> None:
        if not worker.is_alive() and worker.ident is None:
            worker.start()
        worker.join()
        time.sleep(seconds)

    return sleep


@pytest.mark.redis
def test_idle_window_is_too_little_traffic_not_peak(redis_url: str) -> None:
    _traffic(redis_url, 500, 500)  # lifetime counters full of lookups, the window idle
    report = sample(Targets(redis=redis_url, queues=()), 0.2, 0.1, "peak")
    ratio = next(r for r in report.readings if r.name == "cache hit ratio")
    assert ratio.value is None and ratio.verdict is Verdict.TOO_LITTLE_TRAFFIC
    assert "too little traffic" in ratio.detail and "cumulative" not in ratio.detail
    assert report.label == "too little traffic" and report.label_note and "idle" in report.label_note
    assert not to_evidence(report, "proj")


@pytest.mark.redis
def test_busy_window_keeps_its_peak_label(redis_url: str) -> None:
    traffic = threading.Thread(target=_traffic, args=(redis_url, 170, 30))
    report = sample(
        Targets(redis=redis_url, queues=()), 0.2, 0.1, "peak", _traffic_inside_the_window(traffic)
    )
    rate = next(r for r in report.readings if r.name == "cache lookups per second")
    ratio = next(r for r in report.readings if r.name == "cache hit ratio")
    assert rate.value is not None and rate.value >= 1 and report.label == "peak"
    assert ratio.value == pytest.approx(0.85, abs=0.02)


def test_metrics_cli_without_psycopg_exits_0_with_redis_readings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    redis_url = os.environ.get("STACKAUDIT_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("needs STACKAUDIT_TEST_REDIS_URL")
    import typer
    from typer.testing import CliRunner

    from stackaudit.commands import metrics as metrics_cmd

    monkeypatch.setitem(sys.modules, "psycopg", None)
    app = typer.Typer()
    metrics_cmd.register(app)
    app.command("noop")(lambda: None)
    res = CliRunner().invoke(
        app,
        [
            "metrics",
            "--redis",
            redis_url,
            "--postgres",
            "postgresql://u@127.0.0.1:1/db",
            "--window",
            "0.2",
            "--interval",
            "0.1",
            "--format",
            "json",
            "--db",
            f"sqlite:///{tmp_path / 'm.db'}",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "stackaudit[postgres]" in res.output and "internal error" not in res.output
    assert '"source": "redis"' in res.output
