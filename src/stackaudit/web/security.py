"""The page's own security: headers, the access token, and CSRF tokens for every form.

* Headers on every response: a strict CSP (``default-src 'self'``, no inline script or
  style, ``frame-ancestors 'none'``), ``nosniff``, no referrer, no caching.
* Access token: when one is set (required to bind beyond loopback) every request needs it,
  as ``Authorization: Bearer T`` or the session cookie the login form sets; compared with
  ``hmac.compare_digest``. The cookie holds an HMAC of the token, never the token.
* CSRF: a random per-browser cookie; each form carries HMAC(per-process secret, cookie), and
  a POST whose field does not match is refused before anything is written.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}
CSRF_COOKIE = "stackaudit_csrf"
SESSION_COOKIE = "stackaudit_session"
OPEN_PATHS = ("/login", "/static/")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and "localhost"; anything else (0.0.0.0, a LAN address, a name) is not."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Guard:
    """The token (None: open, loopback only) and the per-process secret the HMACs use."""

    token: str | None = None
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self.secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def token_ok(self, given: str) -> bool:
        if self.token is None:
            return True
        return hmac.compare_digest(given.encode(), self.token.encode())

    def session_value(self) -> str:
        return self._mac("session", self.token or "")

    def authorised(self, request: Request) -> bool:
        if self.token is None:
            return True
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer ") and self.token_ok(header[7:].strip()):
            return True
        cookie = request.cookies.get(SESSION_COOKIE, "")
        return bool(cookie) and hmac.compare_digest(cookie.encode(), self.session_value().encode())

    def csrf_token(self, browser: str) -> str:
        return self._mac("csrf", browser)

    def csrf_ok(self, request: Request, given: str) -> bool:
        browser = request.cookies.get(CSRF_COOKIE, "")
        return bool(browser and given) and hmac.compare_digest(
            given.encode(), self.csrf_token(browser).encode()
        )


Handler = Callable[[Request], Awaitable[Response]]


async def guard_requests(guard: Guard, request: Request, call_next: Handler) -> Response:
    """Check the token, give the browser a CSRF cookie, and put the headers on the answer."""
    fresh = ""
    browser = request.cookies.get(CSRF_COOKIE, "")
    if not browser:
        fresh = browser = secrets.token_urlsafe(24)
    request.state.csrf = guard.csrf_token(browser)
    request.state.csrf_fresh = bool(fresh)
    open_path = request.url.path.startswith(OPEN_PATHS)
    response: Response
    if open_path or guard.authorised(request):
        response = await call_next(request)
    elif request.method in ("GET", "HEAD"):
        response = RedirectResponse("/login", status_code=303)
    else:
        response = PlainTextResponse("a valid token is required", status_code=403)
    for name, value in HEADERS.items():
        response.headers[name] = value
    if fresh:
        response.set_cookie(CSRF_COOKIE, fresh, httponly=True, samesite="strict", path="/")
    return response
