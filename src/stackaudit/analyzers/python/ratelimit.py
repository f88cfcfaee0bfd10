"""The ``rate-limit`` repo analyzer: login, password-reset, token and OTP endpoints with no limit.

It reads the whole repository because the limit is often configured far from the handler: a
global ``Limiter(app, default_limits=[...])``, DRF's ``DEFAULT_THROTTLE_CLASSES`` in
settings, a rate-limiting middleware, or a form class (pretalx) that counts attempts. One
global limiter anywhere means no findings at all. Handlers are found with the same framework
knowledge as ``python-rules`` (one ``Walk`` per candidate module).
"""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from stackaudit.analyzers.base import RepoAnalyzer, RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.pyparse import parse_quietly
from stackaudit.analyzers.python.family import Frame, RuleFamily
from stackaudit.analyzers.python.names import dotted
from stackaudit.analyzers.python.walker import Walk
from stackaudit.model import (
    Category,
    CodeContext,
    Confidence,
    Finding,
    NotAnalysed,
    NotAnalysedReason,
    RuleMeta,
    Severity,
)

NO_RATE_LIMIT_AUTH = RuleMeta(
    id="sec.no-rate-limit-auth",
    title="Login, password-reset, token or OTP endpoint with no rate limit",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    cwe=(307, 770),
    impact=6,
    likelihood=6,
    effort=0.5,
    confidence=Confidence.MEDIUM,
    fix="Limit attempts per client and per account: flask-limiter/slowapi @limiter.limit, "
    "django-ratelimit @ratelimit, DRF throttle_classes, or django-axes lockout.",
    doc="""
    Finds request handlers that accept credentials or one-time codes (login, sign-in,
    authenticate, password reset / reminder / forgot, OTP / TOTP / 2FA / MFA verification,
    token issuance) and have no rate limit: no limiter decorator (``@limiter.limit``,
    ``@ratelimit``, ``@throttle_classes``, ``method_decorator(ratelimit(...))``, a project
    decorator named like ``rate_limit``/``throttle``), no ``throttle_classes`` on the view, no
    call to a limiter in the body, and no reference to a project class or function that
    implements one (a form that counts failed attempts, a fail counter or time-limit policy).
    GET-only handlers (showing the login page), logout, handlers that require a signed-in user
    (``login_required``, ``permission_required``, ``LoginRequiredMixin``, ``IsAuthenticated``,
    a project mixin that declares them) and Django "views" that the project itself calls (helpers
    taking ``request``) are not reported. Nothing is reported when the project configures a
    global limit: ``Limiter(..., default_limits=...)``, DRF ``DEFAULT_THROTTLE_CLASSES``,
    django-axes / django-defender, or a rate-limiting middleware.

    Why it matters: without a limit an attacker can try passwords or 6-digit codes as fast as
    the server answers (credential stuffing, brute force: a 6-digit OTP falls in hours), and a
    password-reset endpoint becomes an email/SMS bomb that costs money and reputation.

    Example::

        @app.post("/login")
        def login():
            user = User.query.filter_by(email=request.form["email"]).first()
            ...

    Fix: ``@limiter.limit("5/minute;50/hour", methods=["POST"])`` (flask-limiter, slowapi),
    ``@ratelimit(key="ip", rate="5/m", block=True)`` (django-ratelimit),
    ``throttle_classes = [AnonRateThrottle]`` with ``DEFAULT_THROTTLE_RATES`` (DRF), and an
    account lockout or growing delay per username.
    """,
)

AUTH_NAME = re.compile(
    r"(?i)(log_?in|sign_?in|log_?on|authenticat|forgot|lost_?passw|passw\w*_?(reset|recover|remind)"
    r"|(reset|recover|remind)\w*_?passw|recover\w*_?(code|account)|otp|totp|2fa|two_?factor|mfa"
    r"|magic_?link|verify_?code|auth_?token|(obtain|issue|refresh)_?token|token_?(obtain|refresh))"
)
AUTH_PATH = re.compile(r"(?i)(/token/?(refresh/?)?$|/oauth2?/token)")
NOT_AUTH = re.compile(r"(?i)(log_?out|sign_?out|log_?off)")
LIMIT_WORD = re.compile(
    r"(?i)(rate_?limit|throttl|limiter|lockout|axes_|brute_?force|time_?limit|fail_?counter|max_?fail"
    r"|login_?attempt)"
)
GLOBAL_TEXT = re.compile(
    r"DEFAULT_THROTTLE_CLASSES|default_limits|application_limits|AxesMiddleware|axes\.middleware"
    r"|defender\.middleware|SlowAPIMiddleware|RateLimit\w*Middleware|Throttl\w*Middleware"
)
CANDIDATE = re.compile(
    r"(?i)log_?in|sign_?in|passw|token|otp|auth|mfa|2fa|forgot|recover"
)  # cheap pre-filter
# An endpoint that requires a signed-in user (or an admin) is not where guessing happens.
AUTH_REQUIRED = re.compile(
    r"(?i)(login_required|permission_required|admin_required|requires?_(admin|auth|login|permission|user)"
    r"|staff_member_required|superuser_required|LoginRequired|PermissionRequired|IsAuthenticated"
    r"|IsAdmin|check_base_action|jwt_required|auth_required|(?<!un)authenticated_only)"
)
BASE_MARK = "<base>:"  # a base class of the handler's view class
HELPER_MARK = "<implicit-view>:"  # a Django function view found by its ``request`` parameter only
GUARD_TEXT = re.compile(
    r"permission_required|permission_classes|LoginRequired|PermissionRequired|login_required"
)
READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})
# The whole-file searches of the case-insensitive patterns, case-sensitive on the lowered text
# when it is ASCII (the same answer: no other character folds to an ASCII letter there), which is
# three times faster (rate-limit spent 2 of its 4 s on Django in these two searches).
_LOWERED = {rx: re.compile(rx.pattern.removeprefix("(?i)")) for rx in (LIMIT_WORD, CANDIDATE)}


def _search_text(rx: re.Pattern[str], text: str, lowered: str | None) -> bool:
    """``rx.search(text)`` for a ``(?i)`` pattern of lowercase literals; ``lowered``: the text
    lowered when it is ASCII, else None."""
    return bool(_LOWERED[rx].search(lowered) if lowered is not None else rx.search(text))


def _limited_symbols(tree: ast.Module) -> set[str]:
    """Classes and functions of a module whose code uses a limiter (reads a name, calls a
    method or defines a helper named like one): a handler that uses one of them (a login form
    counting attempts) is protected. Constants that merely name a limit (an enum member
    ``AUTH_TIMELIMIT = "auth_timelimit"``) do not count."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and _uses_limiter(node):
            names.add(node.name)
    return names


# An answer that says "too many": HTTP 429 (a number or a named status) or a TooManyRequests error.
TOO_MANY = re.compile(r"(?i)too_?many|429")
ATTEMPT_NAME = re.compile(r"(?i)attempt|fail(ed|ure)?_?count|tries")


def _counts_attempts(node: ast.AST) -> bool:
    """``if challenge.attempts >= 5: raise HTTPException(429, ...)``: a limit the project wrote
    itself (open-webui's MFA challenges count their attempts in utils/mfa.py)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and any(
            _too_many(a) for a in (*sub.args, *(k.value for k in sub.keywords))
        ):
            return True  # raise HTTPException(429, ...), abort(429), Response(status=HTTP_429_...)
        if isinstance(sub, ast.Raise) and sub.exc is not None and _too_many(sub.exc):
            return True  # raise TooManyRequests
        if (
            isinstance(sub, ast.Compare)
            and isinstance(sub.ops[0], ast.Gt | ast.GtE | ast.Lt | ast.LtE)
            and any(  # a stored counter (challenge.attempts), not a retry loop's variable
                isinstance(side, ast.Attribute) and ATTEMPT_NAME.search(side.attr)
                for side in (sub.left, *sub.comparators)
            )
        ):
            return True
    return False


def _too_many(node: ast.expr) -> bool:
    """A 429 answer given (not a 429 received: ``if r.status_code == 429`` is a client's retry)."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Constant):
        return node.value == 429
    if isinstance(node, ast.Name):
        return bool(TOO_MANY.search(node.id))
    return isinstance(node, ast.Attribute) and bool(TOO_MANY.search(node.attr))


def _counting_through_calls(trees: list[ast.Module], hops: int = 3) -> set[str]:
    """Functions whose body counts attempts, and the functions that call them (a few hops):
    ``verify_mfa_challenge`` calls ``load_challenge(attempt=True)``, which counts them. Only
    a body that counts starts the chain (a limiter decorator limits its own endpoint only), and
    it never passes through common names (``get``, ``save``) that many unrelated functions share."""
    calls: dict[str, set[str]] = {}
    counting: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name in _COMMON_NAMES:
                continue
            if any(_counts_attempts(stmt) for stmt in node.body):
                counting.add(node.name)
            called = {
                c.func.attr if isinstance(c.func, ast.Attribute) else c.func.id
                for c in ast.walk(node)
                if isinstance(c, ast.Call) and isinstance(c.func, ast.Name | ast.Attribute)
            }
            calls.setdefault(node.name, set()).update(called - {node.name} - _COMMON_NAMES)
    out = set(counting)
    for _ in range(hops):
        grown = {name for name, called in calls.items() if name not in out and called & out}
        if not grown:
            break
        out |= grown
    return out


# Method names too common to say which function is meant.
_COMMON_NAMES = frozenset(
    {"get", "post", "put", "patch", "delete", "dispatch", "run", "call", "execute", "save", "load", "check"}
    | {"validate", "verify", "process", "handle", "update", "create", "send", "__init__", "__call__"}
)


def _uses_limiter(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            word = sub.id
        elif isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Load):
            word = sub.attr
        elif isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef) and sub is not node:
            word = sub.name
        else:
            continue
        if LIMIT_WORD.search(word):
            return True
    return False


def _mentions(nodes: list[ast.AST]) -> set[str]:
    """Every name and attribute referenced (dotted and last part) inside the nodes."""
    found: set[str] = set()
    for root in nodes:
        for node in ast.walk(root):
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
                full = dotted(node)
                if full:
                    found.add(full)
    return found


GUARD_ATTRIBUTES = frozenset({"permission_required", "permission_classes", "login_required"})


def _class_guards(node: ast.ClassDef) -> list[ast.AST]:
    """What can say a view class needs a signed-in user: its bases, decorators and
    ``permission_required`` / ``permission_classes`` declarations."""
    declared = [
        stmt
        for stmt in node.body
        if isinstance(stmt, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id in GUARD_ATTRIBUTES for t in stmt.targets)
    ]
    return [*node.bases, *node.decorator_list, *declared]


def _guarded_classes(trees: list[ast.Module]) -> set[str]:
    """Project classes (mixins) that require a signed-in user, directly or by inheritance."""
    classes = {n.name: n for tree in trees for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    guarded = {
        name
        for name, node in classes.items()
        if any(AUTH_REQUIRED.search(m) for m in _mentions(_class_guards(node)))
    }
    changed = True
    while changed:
        changed = False
        for name, node in classes.items():
            bases = {(dotted(b) or "").rsplit(".", 1)[-1] for b in node.bases}
            if name not in guarded and bases & guarded:
                guarded.add(name)
                changed = True
    return guarded


def _declares_write(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """``methods=["GET", "POST"]`` on a route decorator (the route keeps only the first)."""
    for dec in node.decorator_list:
        if not isinstance(dec, ast.Call):
            continue
        for kw in dec.keywords:
            if kw.arg == "methods" and isinstance(kw.value, ast.List | ast.Tuple | ast.Set):
                verbs = {
                    e.value.upper()
                    for e in kw.value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                }
                if verbs - READ_ONLY:
                    return True
    return False


class _AuthHandlers(RuleFamily):
    """Collects auth handlers and what they reference (decorators, class body, function body)."""

    rules = (NO_RATE_LIMIT_AUTH,)

    def __init__(self, walk: Walk) -> None:
        super().__init__(walk)
        self.candidates: list[tuple[Finding, set[str]]] = []

    def on_function_enter(self, frame: Frame) -> None:
        route = frame.route
        node = frame.node
        if route is None or route.framework == "celery":
            return
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        if route.method in READ_ONLY and not _declares_write(node):
            return
        label = f"{frame.qualname or node.name} {route.path or ''}"
        if NOT_AUTH.search(label) or not (AUTH_NAME.search(label) or AUTH_PATH.search(route.path or "")):
            return
        owner = self.walk.classes[-1] if self.walk.frames[-2].kind == "class" else None
        guards = [*node.decorator_list, *(_class_guards(owner) if owner else [])]
        if any(AUTH_REQUIRED.search(name) for name in _mentions(guards)):
            return
        refs = _mentions([*node.decorator_list, node, *([owner] if owner else [])])
        refs |= {BASE_MARK + (dotted(b) or "").rsplit(".", 1)[-1] for b in (owner.bases if owner else [])}
        where = f"{route.path} ({frame.qualname})" if route.path else frame.qualname or node.name
        finding = self.walk.prepare(
            NO_RATE_LIMIT_AUTH,
            node,
            f"auth endpoint {where} accepts credentials or codes with no rate limit",
            snippet=self.walk.header(node),
            context=CodeContext.HANDLER,
        )
        implicit = route.framework == "django" and route.method is None and not node.decorator_list
        self.candidates.append((finding, refs | ({HELPER_MARK + node.name} if implicit else set())))


def _called_by_project(refs: set[str], texts: dict[str, str]) -> bool:
    """A "view" found only by its ``request`` parameter that the project's own code calls is a
    helper (``get_login_redirect(request)``), not an endpoint."""
    for ref in refs:
        if ref.startswith(HELPER_MARK):
            name = ref.removeprefix(HELPER_MARK)
            call = re.compile(rf"(?<!def )\b{re.escape(name)}\(")
            return any(call.search(text) for text in texts.values())
    return False


def _collector(out: list[tuple[Finding, set[str]]]) -> type[_AuthHandlers]:
    """A collector class whose instance (the walker creates it) appends to ``out``."""

    class Collector(_AuthHandlers):
        def __init__(self, walk: Walk) -> None:
            super().__init__(walk)
            self.candidates = out

    return Collector


class RateLimitAnalyzer(RepoAnalyzer):
    """Auth endpoints with no rate limit, judged with the whole repository in view."""

    name: ClassVar[str] = "rate-limit"
    version: ClassVar[str] = "2"
    rules: ClassVar[tuple[RuleMeta, ...]] = (NO_RATE_LIMIT_AUTH,)
    cpu_bound: ClassVar[bool] = True

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        texts = self._python_texts(ctx.files)
        if any(GLOBAL_TEXT.search(text) for text in texts.values()):
            return RepoResult()  # a global limit covers every endpoint
        limited: set[str] = set()
        candidates: list[tuple[Finding, set[str]]] = []
        guard_trees: list[ast.Module] = []
        call_trees: list[ast.Module] = []
        skipped: list[NotAnalysed] = []
        for path, text in texts.items():
            lowered = text.lower() if text.isascii() else None
            has_limit, has_guard = _search_text(LIMIT_WORD, text, lowered), bool(GUARD_TEXT.search(text))
            candidate = _search_text(CANDIDATE, text, lowered)
            if not (has_limit or has_guard or candidate):
                continue
            tree = parse_quietly(text, path, ctx.parsed)
            if tree is None:
                reason = "does not parse: its handlers were not checked for a rate limit"
                skipped.append(NotAnalysed(path, NotAnalysedReason.SYNTAX_ERROR, reason, self.name))
                continue
            if has_limit:
                limited |= _limited_symbols(tree)
            if has_guard:
                guard_trees.append(tree)
            if candidate:
                candidates += self._candidates(path, text, tree)
                call_trees.append(tree)
        limited |= _counting_through_calls(call_trees)
        guarded = {BASE_MARK + name for name in _guarded_classes(guard_trees)}
        findings = [
            f
            for f, refs in candidates
            if not (self._protected(refs, limited) or refs & guarded or _called_by_project(refs, texts))
        ]
        return RepoResult(tuple(findings), tuple(skipped))

    @staticmethod
    def _python_texts(files: tuple[SourceFile, ...]) -> dict[str, str]:
        texts: dict[str, str] = {}
        for source in files:
            if source.language != "python":
                continue
            try:
                texts[source.path] = source.abspath.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
        return texts

    @staticmethod
    def _candidates(path: str, text: str, tree: ast.Module) -> list[tuple[Finding, set[str]]]:
        found: list[tuple[Finding, set[str]]] = []
        walk = Walk(path, text, (_collector(found),))
        if walk.path_context is not None:
            return []  # tests, scripts, migrations
        try:
            walk.run(tree)
        except RecursionError:
            return []
        return found

    @staticmethod
    def _protected(refs: set[str], limited: set[str]) -> bool:
        if any(LIMIT_WORD.search(ref) for ref in refs):
            return True
        return bool(refs & limited)
