"""The DAST rules: what a light scan of a running target can observe, declared once.

Every rule here is reported from a response the target actually sent (or, for the
Schemathesis rules, from a failed check on one), so confidence is high by default; the
message names the request that showed it. ``RULES`` is the list the registry reads.
"""

from __future__ import annotations

from stackaudit.model import Category, Confidence, RuleMeta, Severity


def _rule(
    rid: str,
    title: str,
    severity: Severity,
    cwe: tuple[int, ...],
    scores: tuple[float, float, float],
    fix: str,
    doc: str,
) -> RuleMeta:
    impact, likelihood, effort = scores
    return RuleMeta(
        id=f"dast.{rid}",
        title=title,
        category=Category.SECURITY,
        severity=severity,
        doc=doc,
        cwe=cwe,
        impact=impact,
        likelihood=likelihood,
        effort=effort,
        confidence=Confidence.HIGH,
        fix=fix,
        tags=("dast",),
    )


MISSING_HSTS = _rule(
    "missing-hsts",
    "HTTPS responses without Strict-Transport-Security",
    Severity.MEDIUM,
    (319,),
    (5, 4, 0.25),
    "Send Strict-Transport-Security: max-age=31536000; includeSubDomains on every HTTPS response.",
    """
    An HTTPS target answered without ``Strict-Transport-Security`` (checked on HTTPS targets only).

    Why it matters: the first plain-HTTP request of a browser can be intercepted and the user kept on
    HTTP (SSL stripping); HSTS makes the browser refuse plain HTTP for the site.

    Fix: ``Strict-Transport-Security: max-age=31536000; includeSubDomains`` at the proxy or with
    a middleware (Django ``SECURE_HSTS_SECONDS``, Flask-Talisman, Starlette middleware).
    """,
)
MISSING_CSP = _rule(
    "missing-csp",
    "HTML pages without Content-Security-Policy",
    Severity.LOW,
    (693,),
    (4, 4, 1),
    "Send a Content-Security-Policy on HTML responses (start from default-src 'self').",
    """
    An HTML response (``text/html``) came without ``Content-Security-Policy``. API responses
    (JSON) are not checked: a policy only protects documents a browser renders.

    Why it matters: a CSP is the second line of defence against cross-site scripting: an
    injected script that the policy does not allow never runs.

    Fix: ``Content-Security-Policy: default-src 'self'; frame-ancestors 'none'`` and widen
    it for what the pages need (django-csp, Flask-Talisman, a proxy header).
    """,
)
MISSING_NOSNIFF = _rule(
    "missing-nosniff",
    "Responses without X-Content-Type-Options: nosniff",
    Severity.LOW,
    (693,),
    (3, 3, 0.25),
    "Send X-Content-Type-Options: nosniff on every response.",
    """
    A response came without ``X-Content-Type-Options: nosniff``.

    Why it matters: without it a browser may guess a response's type and run an uploaded
    file or a JSON body as a script or a page.

    Fix: ``X-Content-Type-Options: nosniff`` everywhere (Django's ``SecurityMiddleware`` sends
    it by default; add it in a Flask ``after_request`` or at the proxy).
    """,
)
MISSING_FRAME_OPTIONS = _rule(
    "missing-frame-options",
    "HTML pages that any site can frame",
    Severity.LOW,
    (1021,),
    (4, 3, 0.25),
    "Send X-Frame-Options: DENY (or CSP frame-ancestors 'none' / 'self') on HTML responses.",
    """
    An HTML response came with neither ``X-Frame-Options`` nor a CSP ``frame-ancestors``
    directive.

    Why it matters: another site can load the page in an invisible frame and trick the user
    into clicking its buttons (clickjacking).

    Fix: ``X-Frame-Options: DENY`` or ``Content-Security-Policy: frame-ancestors 'self'``.
    """,
)
MISSING_REFERRER_POLICY = _rule(
    "missing-referrer-policy",
    "HTML pages without Referrer-Policy",
    Severity.INFO,
    (200,),
    (2, 3, 0.25),
    "Send Referrer-Policy: strict-origin-when-cross-origin (or stricter) on HTML responses.",
    """
    An HTML response came without ``Referrer-Policy``.

    Why it matters: the full URL of a page (tokens in query strings, private paths) leaks to
    every third party it links to or loads from, on browsers with a lax default.

    Fix: ``Referrer-Policy: strict-origin-when-cross-origin`` (or ``no-referrer``).
    """,
)
COOKIE_NOT_SECURE = _rule(
    "cookie-not-secure",
    "Cookie set over HTTPS without Secure",
    Severity.MEDIUM,
    (614,),
    (5, 4, 0.25),
    "Set the Secure flag (Django SESSION_COOKIE_SECURE, Flask SESSION_COOKIE_SECURE, secure=True).",
    """
    An HTTPS target set a cookie without the ``Secure`` attribute (checked on HTTPS targets).

    Why it matters: the browser also sends the cookie over plain HTTP, where anyone on the
    network path can read it; for a session cookie that is the account.

    Fix: ``Secure`` on every cookie of an HTTPS site (``SESSION_COOKIE_SECURE = True``,
    ``CSRF_COOKIE_SECURE = True``, ``response.set_cookie(..., secure=True)``).
    """,
)
COOKIE_NOT_HTTPONLY = _rule(
    "cookie-not-httponly",
    "Session-like cookie readable by scripts (no HttpOnly)",
    Severity.MEDIUM,
    (1004,),
    (5, 4, 0.25),
    "Set HttpOnly on session and authentication cookies (httponly=True).",
    """
    A cookie whose name says it holds a session or a credential (``session``, ``sid``, ``auth``,
    ``token``, ``jwt``, ``remember``…) was set without ``HttpOnly``. CSRF cookies are not
    reported: scripts must read those.

    Why it matters: any cross-site scripting bug can read the cookie and take the session.

    Fix: ``httponly=True`` on ``set_cookie``; ``SESSION_COOKIE_HTTPONLY = True``.
    """,
)
COOKIE_NO_SAMESITE = _rule(
    "cookie-no-samesite",
    "Cookie without a SameSite attribute",
    Severity.LOW,
    (1275,),
    (4, 3, 0.25),
    "Set SameSite=Lax (or Strict) on cookies; SameSite=None only with Secure.",
    """
    A cookie was set without ``SameSite`` (or with ``SameSite=None`` but no ``Secure``, which
    browsers reject).

    Why it matters: browsers that do not default to Lax send the cookie on cross-site
    requests, which is what cross-site request forgery needs.

    Fix: ``samesite="Lax"`` on ``set_cookie``; ``SESSION_COOKIE_SAMESITE = "Lax"``.
    """,
)
CORS_REFLECTED = _rule(
    "cors-reflected-origin",
    "CORS reflects any Origin and allows credentials",
    Severity.HIGH,
    (942, 346),
    (8, 6, 0.5),
    "Allow only a fixed list of origins; never echo the request's Origin with credentials.",
    """
    A request with an ``Origin`` of a site the target cannot know (``https://stackaudit-probe.invalid``
    or ``null``) got it echoed in ``Access-Control-Allow-Origin`` together with
    ``Access-Control-Allow-Credentials: true``.

    Why it matters: any web site a signed-in user visits can read the user's data from the
    API with the user's cookies.

    Fix: configure the CORS middleware with an explicit origin list (flask-cors ``origins=``,
    django-cors-headers ``CORS_ALLOWED_ORIGINS``, Starlette ``allow_origins=[...]``), never a
    regex that matches everything together with ``allow_credentials``.
    """,
)
CORS_WILDCARD_CREDENTIALS = _rule(
    "cors-wildcard-credentials",
    "CORS allows every origin with credentials",
    Severity.MEDIUM,
    (942,),
    (5, 4, 0.25),
    "Drop Access-Control-Allow-Credentials or replace * with an explicit origin list.",
    """
    ``Access-Control-Allow-Origin: *`` came with ``Access-Control-Allow-Credentials: true``.

    Why it matters: browsers refuse the combination, so the configuration does not do what
    its author meant, and the usual "fix" is to reflect the Origin, which opens the API to
    every site.

    Fix: an explicit origin list with credentials, or ``*`` without credentials.
    """,
)
TRACE_ENABLED = _rule(
    "trace-enabled",
    "HTTP TRACE is enabled",
    Severity.LOW,
    (693,),
    (3, 3, 0.25),
    "Refuse the TRACE method (405) at the application or the proxy.",
    """
    A ``TRACE`` request was answered with 2xx and the request echoed back.

    Why it matters: TRACE echoes request headers, cookies included; combined with other bugs
    it lets a script read HttpOnly cookies (cross-site tracing), and it has no use in production.

    Fix: disable TRACE at the proxy (``TraceEnable off``) or in the application's routes.
    """,
)
DEBUG_PAGE = _rule(
    "debug-page",
    "Framework debug page exposed",
    Severity.HIGH,
    (489, 215),
    (8, 6, 0.25),
    "Turn debug mode off in production (DEBUG = False, app.run(debug=False), no Werkzeug debugger).",
    """
    A response was the Werkzeug interactive debugger or Django's technical error page
    (``DEBUG = True``).

    Why it matters: the Werkzeug debugger runs Python code for whoever has (or guesses) its
    PIN; Django's page prints settings, paths and local variables.

    Fix: ``DEBUG = False``; never ``app.run(debug=True)`` or ``use_debugger=True`` outside a
    developer's machine.
    """,
)
STACK_TRACE = _rule(
    "stack-trace",
    "Python traceback in a response",
    Severity.MEDIUM,
    (209,),
    (5, 5, 0.5),
    "Return a generic error page; log the traceback server-side only.",
    """
    A response body held a Python traceback (``Traceback (most recent call last):`` followed
    by ``File "...", line N``).

    Why it matters: file paths, library versions, code lines and sometimes values help an
    attacker aim the next request.

    Fix: catch exceptions in an error handler that logs them and returns a generic message.
    """,
)
VERSION_BANNER = _rule(
    "version-banner",
    "Server software and version in response headers",
    Severity.INFO,
    (200,),
    (2, 3, 0.25),
    "Strip or shorten Server / X-Powered-By headers (no version numbers).",
    """
    ``Server``, ``X-Powered-By``, ``X-AspNet-Version`` or ``X-Runtime`` named software with a
    version number (``Werkzeug/3.1.3 Python/3.12.3``, ``nginx/1.25.1``).

    Why it matters: the version tells an attacker which known vulnerabilities to try first.

    Fix: ``server_tokens off`` (nginx), ``--no-server-header`` (uvicorn), or set the header in
    the application; never run a development server in production.
    """,
)
UNAUTHENTICATED = _rule(
    "unauthenticated-access",
    "Endpoint declared as authenticated answers without credentials",
    Severity.HIGH,
    (306, 862),
    (8, 7, 1),
    "Enforce the declared security requirement in the handler (a dependency or decorator).",
    """
    An operation whose OpenAPI document declares a ``security`` requirement answered a
    request sent with no credentials with a 2xx status. Only safe methods (GET, HEAD) are
    tried, with example or minimal path parameters.

    Why it matters: the document tells clients the data is protected, and it is not; the
    usual cause is a handler that lost its dependency or decorator.

    Fix: add the authentication dependency or decorator to the handler (FastAPI
    ``Depends(...)``/``Security(...)``, Flask ``@login_required``, DRF ``permission_classes``),
    and a test that calls it without credentials.
    """,
)
SERVER_ERROR = _rule(
    "server-error",
    "Server error on generated input (Schemathesis)",
    Severity.MEDIUM,
    (755, 248),
    (5, 6, 1),
    "Validate the input the operation accepts and handle its errors; reproduce with the request named.",
    """
    Schemathesis generated requests from the OpenAPI document and the target answered one of
    them with a 5xx status. The message carries the operation and a reproducing request.

    Why it matters: an unhandled error is a crash on input a client may send; it often hides
    a missing validation, and repeated it is a cheap denial of service.

    Fix: reproduce with the request shown, then validate the input or handle the error.
    """,
)
SCHEMA_VIOLATION = _rule(
    "schema-violation",
    "Response does not match the OpenAPI document (Schemathesis)",
    Severity.LOW,
    (1068,),
    (3, 5, 1),
    "Make the handler return what the document declares, or fix the document.",
    """
    Schemathesis found a response whose body does not match the schema the OpenAPI document
    declares for its status code.

    Why it matters: clients generated from the document break on it, and an undeclared field
    is often data that was never meant to leave the server.

    Fix: reproduce with the request shown; fix the response model or the document.
    """,
)

RULES: tuple[RuleMeta, ...] = (
    MISSING_HSTS,
    MISSING_CSP,
    MISSING_NOSNIFF,
    MISSING_FRAME_OPTIONS,
    MISSING_REFERRER_POLICY,
    COOKIE_NOT_SECURE,
    COOKIE_NOT_HTTPONLY,
    COOKIE_NO_SAMESITE,
    CORS_REFLECTED,
    CORS_WILDCARD_CREDENTIALS,
    TRACE_ENABLED,
    DEBUG_PAGE,
    STACK_TRACE,
    VERSION_BANNER,
    UNAUTHENTICATED,
    SERVER_ERROR,
    SCHEMA_VIOLATION,
)
