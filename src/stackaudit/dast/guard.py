"""The fence around every request: the one named origin, a request budget, a deadline.

A DAST run talks to a service the user named and to nothing else. Every request, ours
(httpx) or Schemathesis' (requests), passes through ``Fence.admit`` before it leaves:
a URL whose scheme, host or port differs from the target's is refused (``OutOfScope``),
and the run stops at ``max_requests`` or at its deadline (``BudgetSpent``). Redirects are
never followed by the HTTP libraries; ``probe.Prober`` follows same-origin ones itself and
refuses the others, so a redirect cannot carry the scan to another host or port. Proxy
settings from the environment are ignored (``trust_env=False``): the request goes where
the user said.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

BODY_LIMIT = 65_536  # characters of a response body kept for the passive checks
DEFAULT_PORTS = {"http": 80, "https": 443}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str, limit: int = 120) -> str:
    """A value the target or its document chose (a banner, a cookie name, a path), without
    control characters: reports escape markup, this keeps terminal escapes out of every format."""
    return _CONTROL.sub("?", text)[:limit]


class DastError(Exception):
    """Root of the DAST's own errors."""


class OutOfScope(DastError):
    """A request to an origin other than the named target: refused, never sent."""


class BudgetSpent(DastError):
    """The request or time bound is reached: the run stops and says so."""


class Unreachable(DastError):
    """The target refused the connection, did not answer in time, or spoke no HTTP."""


@dataclass(frozen=True, slots=True)
class Target:
    """The one origin a run may contact, and the path prefix the application lives under."""

    scheme: str
    host: str
    port: int
    prefix: str = ""  # "/app" when the user named http://host/app

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise DastError(f"target must be an http:// or https:// URL with a host, not {url!r}")
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise DastError(f"target has a bad port: {url!r}") from None
        return cls(parts.scheme, parts.hostname.lower(), port, parts.path.rstrip("/"))

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = DEFAULT_PORTS[self.scheme] == self.port
        return f"{self.scheme}://{host}" + ("" if default else f":{self.port}")

    @property
    def https(self) -> bool:
        return self.scheme == "https"

    def url(self, path: str) -> str:
        """The absolute URL of an application path (``/items`` → origin + prefix + path)."""
        return self.origin + self.prefix + ("" if path.startswith("/") else "/") + path

    def contains(self, url: str) -> bool:
        """Same scheme, host and port as the target (a relative URL is resolved by the caller)."""
        parts = urlsplit(url)
        try:
            port = parts.port or DEFAULT_PORTS.get(parts.scheme, -1)
        except ValueError:
            return False
        host = (parts.hostname or "").lower()
        return (parts.scheme, host, port) == (self.scheme, self.host, self.port)


@dataclass
class Fence:
    """Scope check and bounds shared by every client of one run (thread-safe)."""

    target: Target
    max_requests: int
    deadline: float  # time.monotonic() value after which no request starts
    request_timeout: float
    sent: int = 0
    refused: list[str] = field(default_factory=list)  # out-of-scope URLs, for the report
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def start(cls, target: Target, max_requests: int, seconds: float, request_timeout: float) -> Fence:
        return cls(target, max_requests, time.monotonic() + seconds, request_timeout)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def admit(self, url: str) -> float:
        """Count one request to ``url`` or refuse it; returns the timeout it may use."""
        with self._lock:
            if not self.target.contains(url):
                self.refused.append(url)
                raise OutOfScope(f"refused {url}: not the target {self.target.origin}")
            if self.sent >= self.max_requests:
                raise BudgetSpent(f"stopped at the bound of {self.max_requests} requests")
            left = self.remaining()
            if left <= 0:
                raise BudgetSpent("stopped at the time bound")
            self.sent += 1
            return min(self.request_timeout, left)

    @property
    def spent(self) -> bool:
        return self.sent >= self.max_requests or self.remaining() <= 0


@dataclass(frozen=True, slots=True)
class Seen:
    """One response the target sent: what the passive checks read."""

    method: str
    path: str  # path and query as sent, without the origin
    status: int
    headers: tuple[tuple[str, str], ...]  # names lower-cased, repeated headers kept
    body: str  # the first BODY_LIMIT characters
    source: str = "probe"  # "probe" or "schemathesis"
    operation: str = ""  # "GET /items/{item_id}" for a request generated from the document

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml")

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
