"""Each passive rule on recorded responses: a positive and a negative case per rule.

The app tests show the rules on real servers; these pin the edges the apps do not have
(a CSRF cookie, a deleted cookie, a JSON API without CSP, frame-ancestors in a CSP, a banner
without a version, Django's debug page, HTTPS-only rules on plain HTTP).
"""

from __future__ import annotations

import pytest

from stackaudit.dast.guard import Seen
from stackaudit.dast.openapi import BadDocument, operations, parse_text
from stackaudit.dast.passive import parse_cookie, passive

HARDENED = (
    ("content-type", "text/html; charset=utf-8"),
    ("content-security-policy", "default-src 'self'; frame-ancestors 'none'"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("strict-transport-security", "max-age=31536000"),
)


def _page(*headers: tuple[str, str], body: str = "<html></html>", status: int = 200) -> Seen:
    return Seen("GET", "/", status, headers, body)


def _rules(seen: Seen, https: bool = False) -> set[str]:
    return {h.rule.id for h in passive([seen], https)}


CASES = [
    # (name, response, https, expected rules)
    ("hardened html over https", _page(*HARDENED), True, set()),
    ("no hsts over https", _page(*HARDENED[:4]), True, {"dast.missing-hsts"}),
    ("no hsts over http is not a finding", _page(*HARDENED[:4]), False, set()),
    (
        "no csp",
        _page(("content-type", "text/html"), *HARDENED[2:4], ("x-frame-options", "DENY")),
        False,
        {"dast.missing-csp"},
    ),
    (
        "json needs no csp",
        _page(("content-type", "application/json"), ("x-content-type-options", "nosniff")),
        False,
        set(),
    ),
    (
        "no nosniff",
        _page(*(h for h in HARDENED if h[0] != "x-content-type-options")),
        False,
        {"dast.missing-nosniff"},
    ),
    ("frame-ancestors stands for x-frame-options", _page(*HARDENED), False, set()),
    (
        "no frame protection",
        _page(
            ("content-type", "text/html"), ("content-security-policy", "default-src 'self'"), *HARDENED[2:4]
        ),
        False,
        {"dast.missing-frame-options"},
    ),
    ("no referrer policy", _page(*HARDENED[:3]), False, {"dast.missing-referrer-policy"}),
    (
        "error responses are not judged on headers",
        _page(("content-type", "text/html"), status=404),
        False,
        set(),
    ),
    (
        "session cookie flags missing",
        _page(*HARDENED, ("set-cookie", "sessionid=abc; Path=/")),
        True,
        {"dast.cookie-not-secure", "dast.cookie-not-httponly", "dast.cookie-no-samesite"},
    ),
    (
        "session cookie well set",
        _page(*HARDENED, ("set-cookie", "sessionid=abc; Secure; HttpOnly; SameSite=Lax")),
        True,
        set(),
    ),
    (
        "csrf cookie may be read by scripts",
        _page(*HARDENED, ("set-cookie", "csrftoken=abc; Secure; SameSite=Lax")),
        True,
        set(),
    ),
    (
        "a deleted cookie is not judged",
        _page(*HARDENED, ("set-cookie", "sessionid=; Max-Age=0; Path=/")),
        True,
        set(),
    ),
    (
        "samesite none needs secure",
        _page(*HARDENED, ("set-cookie", "pref=1; HttpOnly; SameSite=None")),
        False,
        {"dast.cookie-no-samesite"},
    ),
    (
        "secure is not checked over http",
        _page(*HARDENED, ("set-cookie", "pref=1; SameSite=Lax")),
        False,
        set(),
    ),
    ("versioned banner", _page(*HARDENED, ("server", "nginx/1.25.1")), False, {"dast.version-banner"}),
    (
        "banner without a version",
        _page(*HARDENED, ("server", "nginx"), ("x-powered-by", "Express")),
        False,
        set(),
    ),
    (
        "django debug page",
        _page(
            *HARDENED,
            body="<p>You're seeing this error because you have <code>DEBUG = True</code> in</p>",
            status=500,
        ),
        False,
        {"dast.debug-page"},
    ),
    (
        "a traceback in a body",
        _page(
            *HARDENED,
            body='Traceback (most recent call last):\n  File "/app/x.py", line 3, in f\n',
            status=500,
        ),
        False,
        {"dast.stack-trace"},
    ),
    ("the word traceback alone", _page(*HARDENED, body="<h1>Traceback viewer</h1>"), False, set()),
]


@pytest.mark.parametrize(("name", "seen", "https", "expected"), CASES, ids=[c[0] for c in CASES])
def test_passive_rule(name: str, seen: Seen, https: bool, expected: set[str]) -> None:
    assert _rules(seen, https) == expected


def test_a_cookie_value_is_never_kept() -> None:
    cookie = parse_cookie("sessionid=very-secret-value; HttpOnly; SameSite=Strict")
    assert cookie is not None
    assert "very-secret-value" not in repr(cookie)
    assert cookie.samesite == "strict" and "httponly" in cookie.attrs


def test_security_requirements_of_operations() -> None:
    doc = parse_text(
        """
openapi: 3.0.3
info: {title: t, version: "1"}
security: [{bearer: []}]
paths:
  /public: {get: {security: [], responses: {"200": {description: ok}}}}
  /maybe: {get: {security: [{}, {bearer: []}], responses: {"200": {description: ok}}}}
  /orders/{order_id}:
    get:
      parameters: [{name: order_id, in: path, required: true, schema: {type: integer, example: 7}}]
      responses: {"200": {description: ok}}
""",
        "doc.yaml",
    )
    ops = {o.path: o for o in operations(doc)}
    assert not ops["/public"].secured and not ops["/maybe"].secured
    assert ops["/orders/{order_id}"].secured and ops["/orders/{order_id}"].schemes == ("bearer",)
    assert ops["/orders/{order_id}"].sample_path() == "/orders/7"


@pytest.mark.parametrize(
    "text", ["{not json", "just: [a, list", "- 1\n- 2\n", "openapi: 3.0.0\ninfo: {}\n", "paths: {}\n"]
)
def test_documents_that_do_not_parse_are_refused(text: str) -> None:
    with pytest.raises(BadDocument):
        parse_text(text, "doc")
