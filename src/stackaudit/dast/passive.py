"""Passive checks: what every response the target sent says about its configuration.

Read from the responses of the probes and of Schemathesis alike, so a run with an OpenAPI
document sees many more pages. Header rules are target-wide (one finding per rule, naming
a few of the responses that lack the header); cookie rules are per cookie name; banners per
header value; error pages per request path. Document-only headers (CSP, frame options,
Referrer-Policy) are checked on HTML responses only: a JSON API needs none of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from stackaudit.dast import rules
from stackaudit.dast.guard import Seen, printable
from stackaudit.dast.hits import Hit
from stackaudit.model import RuleMeta

SESSION_NAME = re.compile(r"(?i)(sess|^sid$|_sid$|auth|token|jwt|remember|login|^connect\.sid$|user_?id)")
NOT_SESSION = re.compile(r"(?i)(csrf|xsrf)")  # scripts must read these
VERSION = re.compile(r"\d+\.\d+")
BANNER_HEADERS = ("server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version")
DEBUG_SIGNS = (
    re.compile(r"Werkzeug Debugger|__debugger__|The debugger caught an exception"),
    re.compile(r"seeing this error because you have <code>DEBUG = True</code>"),
)
TRACEBACK = re.compile(r"Traceback \(most recent call last\):\s*\r?\n\s*File \"")
EXAMPLES = 3


@dataclass(frozen=True, slots=True)
class Cookie:
    name: str
    attrs: frozenset[str]  # attribute names, lower case
    samesite: str  # lower case, "" when absent
    deleted: bool  # an expiry in the past / Max-Age=0 / empty value: a cookie being removed


def parse_cookie(header: str) -> Cookie | None:
    """One ``Set-Cookie`` value; the cookie's value itself is never kept."""
    first, *rest = header.split(";")
    name, eq, value = first.partition("=")
    if not eq or not name.strip():
        return None
    attrs: dict[str, str] = {}
    for part in rest:
        key, _, val = part.strip().partition("=")
        attrs[key.strip().lower()] = val.strip()
    deleted = not value.strip().strip('"') or attrs.get("max-age", "1").strip() in ("0", "-1")
    deleted = deleted or "1970" in attrs.get("expires", "")
    return Cookie(printable(name.strip()), frozenset(attrs), attrs.get("samesite", "").lower(), deleted)


def _missing(
    rule: RuleMeta, seen: Sequence[Seen], applies: Callable[[Seen], bool], ok: Callable[[Seen], bool]
) -> list[Hit]:
    relevant = [s for s in seen if applies(s)]
    lacking = [s for s in relevant if not ok(s)]
    if not lacking:
        return []
    names = ", ".join(dict.fromkeys(s.label for s in lacking[:EXAMPLES]))
    message = f"{rule.title}: {len(lacking)} of {len(relevant)} responses ({names})"
    return [Hit(rule, "", message, lacking[0])]


def _frame_ok(s: Seen) -> bool:
    csp = (s.header("content-security-policy") or "").lower()
    return s.header("x-frame-options") is not None or "frame-ancestors" in csp


def headers(seen: Sequence[Seen], https: bool) -> list[Hit]:
    """Security headers missing on successful responses (errors are often the proxy's)."""
    ok_status = [s for s in seen if 200 <= s.status < 400 and s.status != 304]
    hits: list[Hit] = []
    if https:
        hits += _missing(
            rules.MISSING_HSTS,
            ok_status,
            lambda s: True,
            lambda s: bool(s.header("strict-transport-security")),
        )
    with_body = [s for s in ok_status if s.content_type]
    nosniff = lambda s: (s.header("x-content-type-options") or "").lower().strip() == "nosniff"  # noqa: E731
    hits += _missing(rules.MISSING_NOSNIFF, with_body, lambda s: True, nosniff)
    html = [s for s in with_body if s.is_html]
    csp = lambda s: bool(s.header("content-security-policy"))  # noqa: E731
    hits += _missing(rules.MISSING_CSP, html, lambda s: True, csp)
    hits += _missing(rules.MISSING_FRAME_OPTIONS, html, lambda s: True, _frame_ok)
    referrer = lambda s: bool(s.header("referrer-policy"))  # noqa: E731
    hits += _missing(rules.MISSING_REFERRER_POLICY, html, lambda s: True, referrer)
    return hits


def cookies(seen: Sequence[Seen], https: bool) -> list[Hit]:
    """Flags of every cookie set, one finding per rule and cookie name."""
    hits: dict[tuple[str, str], Hit] = {}
    for s in seen:
        for raw in s.all("set-cookie"):
            cookie = parse_cookie(raw)
            if cookie is None or cookie.deleted:
                continue
            for rule, why in _cookie_problems(cookie, https):
                note = f"cookie {cookie.name!r} set by {s.label} {why}"
                hits.setdefault((rule.id, cookie.name), Hit(rule, cookie.name, note, s))
    return list(hits.values())


def _cookie_problems(cookie: Cookie, https: bool) -> list[tuple[RuleMeta, str]]:
    problems: list[tuple[RuleMeta, str]] = []
    if https and "secure" not in cookie.attrs:
        problems.append((rules.COOKIE_NOT_SECURE, "has no Secure flag"))
    session_like = SESSION_NAME.search(cookie.name) and not NOT_SESSION.search(cookie.name)
    if session_like and "httponly" not in cookie.attrs:
        problems.append((rules.COOKIE_NOT_HTTPONLY, "has no HttpOnly flag"))
    if not cookie.samesite:
        problems.append((rules.COOKIE_NO_SAMESITE, "has no SameSite attribute"))
    elif cookie.samesite == "none" and "secure" not in cookie.attrs:
        problems.append((rules.COOKIE_NO_SAMESITE, "has SameSite=None without Secure"))
    return problems


def banners(seen: Sequence[Seen]) -> list[Hit]:
    hits: dict[str, Hit] = {}
    for s in seen:
        for name in BANNER_HEADERS:
            value = s.header(name)
            if value and VERSION.search(value):
                key = f"{name}: {printable(value)}"
                hits.setdefault(key, Hit(rules.VERSION_BANNER, key, f"{s.label} sends {key}", s))
    return list(hits.values())


def error_pages(seen: Sequence[Seen]) -> list[Hit]:
    """Debug pages and tracebacks, one finding per rule and request path."""
    hits: dict[tuple[str, str], Hit] = {}
    for s in seen:
        path = s.operation or s.path.split("?")[0]
        if any(sign.search(s.body) for sign in DEBUG_SIGNS):
            note = f"{s.label} answered {s.status} with a framework debug page"
            hit = Hit(rules.DEBUG_PAGE, path, note, s, endpoint=s.operation or None)
            hits.setdefault((rules.DEBUG_PAGE.id, path), hit)
        elif TRACEBACK.search(s.body):
            note = f"{s.label} answered {s.status} with a Python traceback in the body"
            hit = Hit(rules.STACK_TRACE, path, note, s, endpoint=s.operation or None)
            hits.setdefault((rules.STACK_TRACE.id, path), hit)
    return list(hits.values())


def passive(seen: Sequence[Seen], https: bool) -> list[Hit]:
    return [*headers(seen, https), *cookies(seen, https), *banners(seen), *error_pages(seen)]
