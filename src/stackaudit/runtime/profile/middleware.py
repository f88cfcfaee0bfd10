"""WSGI and ASGI middleware: profile sampled requests and capture their SQL.

    app.wsgi_app = ProfilingMiddleware(app.wsgi_app, root="/srv/shop")
    app = ASGIProfilingMiddleware(app, root="/srv/shop")

Every ``sample_every``-th request is profiled with pyinstrument; every request's
SQL is captured for runtime N+1 detection. ``flush()`` (also called every
``flush_every`` sampled requests) writes the evidence to the stackaudit store
and, with ``out_dir``, each endpoint's latest profile as speedscope JSON and
pyinstrument's self-contained HTML flame view.

The WSGI middleware buffers the response body while profiling, so streaming
responses are profiled whole; sampling keeps the overhead bounded.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pyinstrument import Profiler

from stackaudit.model import Evidence
from stackaudit.runtime.nplusone.capture import Capture, recording
from stackaudit.runtime.nplusone.detect import NPlusOne, detect
from stackaudit.runtime.nplusone.evidence import to_evidence as nplusone_evidence
from stackaudit.runtime.profile.evidence import hot_evidence
from stackaudit.runtime.profile.hot import DEFAULT_THRESHOLD, HotFunction, hot_functions, pyinstrument_samples

_ID_SEGMENT = re.compile(r"/(?:\d+|[0-9a-fA-F-]{32,36})(?=/|$)")
INTERVAL_S = 0.001


def endpoint_of(method: str, path: str) -> str:
    return f"{method.upper()} {_ID_SEGMENT.sub('/{id}', path) or '/'}"


@dataclass
class Aggregator:
    root: Path
    store_url: str | None = None
    out_dir: Path | None = None
    threshold: float = DEFAULT_THRESHOLD
    min_repeats: int = 5
    min_total_ms: float = 50.0
    profiles: dict[str, list[list[HotFunction]]] = field(default_factory=lambda: defaultdict(list))
    nplusone: list[NPlusOne] = field(default_factory=list)
    latest: dict[str, Profiler] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, endpoint: str, profiler: Profiler | None, events: list[Any]) -> None:
        found = detect(events, endpoint, self.min_repeats, self.min_total_ms)
        hot = []
        if profiler is not None and profiler.last_session is not None:
            hot = hot_functions(
                pyinstrument_samples(profiler.last_session.root_frame()), self.root, self.threshold
            )
        with self._lock:
            self.nplusone.extend(found)
            if profiler is not None:
                self.profiles[endpoint].append(hot)
                self.latest[endpoint] = profiler

    def evidence(self, project: str) -> list[Evidence]:
        with self._lock:
            out = [
                e
                for ep, p in self.profiles.items()
                for e in hot_evidence(ep, p, project, "profiling middleware")
            ]
            out += [nplusone_evidence(f, self.root, project, "profiling middleware") for f in self.nplusone]
        return out

    def flush(self) -> list[Evidence]:
        from stackaudit.storage.store import Store, default_url, project_key

        evidence = self.evidence(project_key(self.root))
        if evidence:
            with Store.open(self.store_url or default_url(self.root)) as store:
                store.add_evidence(evidence)
        if self.out_dir is not None:
            self._write_flames()
        with self._lock:
            self.profiles.clear()
            self.nplusone.clear()
        return evidence

    def _write_flames(self) -> None:
        from pyinstrument.renderers import HTMLRenderer, SpeedscopeRenderer

        assert self.out_dir is not None
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for endpoint, profiler in list(self.latest.items()):
            stem = re.sub(r"[^A-Za-z0-9]+", "_", endpoint).strip("_") or "root"
            (self.out_dir / f"{stem}.speedscope.json").write_text(profiler.output(SpeedscopeRenderer()))
            (self.out_dir / f"{stem}.html").write_text(profiler.output(HTMLRenderer()))


class _Sampler:
    def __init__(self, every: int) -> None:
        self.every = max(1, every)
        self.count = 0
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            self.count += 1
            return self.count % self.every == 0


class _Profiling:
    """What the WSGI and ASGI middleware share: sampling, aggregation, flushing, capture."""

    def __init__(
        self,
        root: str | Path,
        *,
        sample_every: int = 1,
        store_url: str | None = None,
        out_dir: Path | None = None,
        flush_every: int = 50,
    ) -> None:
        self.aggregator = Aggregator(Path(root).resolve(), store_url, out_dir)
        self.sampler = _Sampler(sample_every)
        self.flush_every = flush_every
        self.capture = Capture().__enter__()

    def _profiler(self, async_mode: Literal["enabled", "disabled"]) -> Profiler | None:
        return Profiler(interval=INTERVAL_S, async_mode=async_mode) if self.sampler.take() else None

    def _finish(self, endpoint: str, profiler: Profiler | None, events: list[Any]) -> None:
        self.aggregator.add(endpoint, profiler, events)
        if profiler is not None and self.sampler.count % (self.flush_every * self.sampler.every) == 0:
            self.aggregator.flush()

    def close(self) -> list[Evidence]:
        evidence = self.aggregator.flush()
        self.capture.__exit__(None, None, None)
        return evidence


class ProfilingMiddleware(_Profiling):
    """WSGI middleware."""

    def __init__(self, app: Callable[..., Iterable[bytes]], root: str | Path, **options: Any) -> None:
        super().__init__(root, **options)
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        endpoint = endpoint_of(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/"))
        profiler = self._profiler("disabled")
        with recording(endpoint) as recorder:
            if profiler is not None:
                profiler.start()
            try:
                result = self.app(environ, start_response)
                body = list(result)
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            finally:
                if profiler is not None:
                    profiler.stop()
        self._finish(endpoint, profiler, recorder.events)
        return body


Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


class ASGIProfilingMiddleware(_Profiling):
    """ASGI middleware (FastAPI, Starlette): same behaviour as the WSGI one."""

    def __init__(self, app: ASGIApp, root: str | Path, **options: Any) -> None:
        super().__init__(root, **options)
        self.app = app

    async def __call__(
        self, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]
    ) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        endpoint = endpoint_of(scope.get("method", "GET"), scope.get("path", "/"))
        profiler = self._profiler("enabled")
        with recording(endpoint) as recorder:
            if profiler is not None:
                profiler.start()
            try:
                await self.app(scope, receive, send)
            finally:
                if profiler is not None:
                    profiler.stop()
        self._finish(endpoint, profiler, recorder.events)
