"""Our own requests (httpx): the baseline page, a missing page, CORS, TRACE, unauthenticated calls.

Why our own code: no well-kept Python library runs these few header probes under a hard
origin fence and request budget; ZAP does, but it is a Java daemon, not a dependency. Each
probe is one or two requests; what they return is read by ``passive`` (headers, cookies,
bodies) and by the small judgements below (CORS, TRACE, authentication).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from urllib.parse import urljoin

import httpx

from stackaudit.dast import rules
from stackaudit.dast.guard import BODY_LIMIT, Fence, Seen, Unreachable, path_of
from stackaudit.dast.hits import Hit
from stackaudit.dast.openapi import Operation

MAX_REDIRECTS = 3
PROBE_ORIGINS = ("https://stackaudit-probe.invalid", "null")
TRACE_MARKER_HEADER = "x-stackaudit-probe"


class Prober:
    """An httpx client behind the fence; keeps every response it saw in ``seen``."""

    def __init__(self, fence: Fence, verify: bool = True) -> None:
        self.fence = fence
        self.seen: list[Seen] = []
        self.refused_redirects: list[str] = []
        self._client = httpx.Client(follow_redirects=False, trust_env=False, verify=verify)

    def close(self) -> None:
        self._client.close()

    def send(self, method: str, path: str, headers: Mapping[str, str] | None = None) -> Seen:
        """One request (and same-origin redirects of a GET); redirects elsewhere are refused."""
        url = self.fence.target.url(path)
        seen = self._once(method, url, headers)
        for _ in range(MAX_REDIRECTS):
            location = seen.header("location")
            if not (300 <= seen.status < 400 and location and method in ("GET", "HEAD")):
                break
            nxt = urljoin(url, location)
            if not self.fence.target.contains(nxt):
                self.refused_redirects.append(nxt)
                self.fence.refused.append(nxt)
                break
            url = nxt
            seen = self._once(method, url, headers)
        return seen

    def _once(self, method: str, url: str, headers: Mapping[str, str] | None) -> Seen:
        timeout = self.fence.admit(url)
        try:
            with self._client.stream(method, url, headers=dict(headers or {}), timeout=timeout) as resp:
                body = _read_capped(resp)
        except httpx.TimeoutException:
            raise Unreachable(f"{method} {path_of(url)}: no answer within {timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise Unreachable(f"{method} {path_of(url)}: {type(exc).__name__}: {exc}") from None
        seen = Seen(
            method=method,
            path=path_of(url),
            status=resp.status_code,
            headers=tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in resp.headers.raw),
            body=body,
        )
        self.seen.append(seen)
        return seen


def _read_capped(resp: httpx.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    for chunk in resp.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= BODY_LIMIT:
            break
    return b"".join(chunks).decode(resp.encoding or "utf-8", errors="replace")[:BODY_LIMIT]


def missing_page(prober: Prober) -> Seen:
    """A path no application serves: its error page shows debug modes and banners."""
    return prober.send("GET", f"/stackaudit-dast-{secrets.token_hex(4)}")


def cors(prober: Prober, paths: list[str]) -> list[Hit]:
    """Send foreign Origins; report an echo with credentials, or ``*`` with credentials."""
    hits: list[Hit] = []
    for path in paths:
        for origin in PROBE_ORIGINS:
            seen = prober.send("GET", path, {"Origin": origin})
            allowed = (seen.header("access-control-allow-origin") or "").strip()
            creds = (seen.header("access-control-allow-credentials") or "").strip().lower() == "true"
            if creds and allowed == origin:
                note = f"{seen.label} echoes Origin: {origin} with Access-Control-Allow-Credentials: true"
                return [Hit(rules.CORS_REFLECTED, "", note, seen)]
            if creds and allowed == "*" and not hits:
                note = f"{seen.label} sends Access-Control-Allow-Origin: * with credentials allowed"
                hits.append(Hit(rules.CORS_WILDCARD_CREDENTIALS, "", note, seen))
    return hits


def trace(prober: Prober) -> list[Hit]:
    """TRACE answered with 2xx and our marker header echoed back."""
    marker = secrets.token_hex(8)
    seen = prober.send("TRACE", "/", {TRACE_MARKER_HEADER: marker})
    if 200 <= seen.status < 300 and marker in seen.body:
        return [Hit(rules.TRACE_ENABLED, "", f"TRACE / answered {seen.status} and echoed the request", seen)]
    return []


def unauthenticated(prober: Prober, operations: list[Operation], limit: int = 20) -> list[Hit]:
    """GET operations that declare a security requirement, called with no credentials."""
    hits: list[Hit] = []
    for op in [o for o in operations if o.secured and o.method == "GET"][:limit]:
        seen = prober.send("GET", op.sample_path())
        if 200 <= seen.status < 300:
            note = (
                f"{op.label} declares security ({', '.join(op.schemes) or 'a scheme'}) but "
                f"{seen.label} answered {seen.status} without credentials"
            )
            hits.append(Hit(rules.UNAUTHENTICATED, op.label, note, seen, endpoint=op.label))
    return hits
