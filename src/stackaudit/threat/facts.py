"""What the code shows about an endpoint's controls, read from the service map's syntax trees:
a rate limit on the handler or for the whole app, an audit event on the handler's call path.

These only ever *mitigate* a threat in the model; a control we fail to see leaves the threat
open with a question, which a reviewer answers, so reading too little is safe and reading a
name too generously is not: the patterns are names of real limiters and the audit-trail
analyzer's own event policy.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from stackaudit.analyzers.audit_trail.analyzer import EventPolicy
from stackaudit.analyzers.audit_trail.handlers import dotted
from stackaudit.scope.build import Scope
from stackaudit.scope.model import Endpoint

# @limiter.limit("5/minute") (flask-limiter, slowapi), @ratelimit (django-ratelimit),
# @throttle_classes / throttle_classes = [...] (DRF), @rate_limited, @limits (ratelimit).
_LIMIT_NAME = re.compile(r"(?i)(?:^|[._])(?:limit|limits|ratelimit|rate_limit\w*|rate_limited|throttle\w*)$")
_GLOBAL_SETTING = ("DEFAULT_THROTTLE_CLASSES", "RATELIMIT_DEFAULT", "RATELIMIT_ENABLE")
_GLOBAL_KWARGS = frozenset({"default_limits", "application_limits"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE", "*"})
# CSRF protection for the whole app: Django's middleware, Flask-WTF, starlette-csrf and
# fastapi-csrf-protect, aiohttp-csrf.
_CSRF_GLOBAL = ("django.middleware.csrf.CsrfViewMiddleware",)
_CSRF_CALLS = frozenset({"CSRFProtect", "CsrfProtect", "CSRFMiddleware", "CsrfMiddleware"})
# Credentials a browser does not send on its own: a forged cross-site request carries none.
_HEADER_AUTH = re.compile(r"(?i)bearer|token|jwt|apikey|api_key|oauth2|hmac|signature")


@dataclass(frozen=True, slots=True)
class Controls:
    rate_limit: str = ""  # what was seen ("@limiter.limit", "DEFAULT_THROTTLE_CLASSES in settings.py")
    audit_event: str = ""  # the call that records who did what


class ControlReader:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.policy = EventPolicy()
        self.app_limit = self._app_limit()
        self._audit: dict[str, str] = {}
        self._app_csrf: str | None = None

    def _app_limit(self) -> str:
        """A limit that covers every route: flask-limiter/slowapi ``Limiter(default_limits=...)``,
        DRF's ``DEFAULT_THROTTLE_CLASSES``, django-ratelimit's settings."""
        for mod in sorted(self.scope.index.modules.values(), key=lambda m: m.path):
            for call in mod.calls:
                if dotted(call.func).split(".")[-1] == "Limiter" and any(
                    k.arg in _GLOBAL_KWARGS for k in call.keywords
                ):
                    return f"Limiter(default_limits=…) in {mod.path}"
            for node in ast.walk(mod.tree):
                if isinstance(node, ast.Constant) and node.value in _GLOBAL_SETTING:
                    return f"{node.value} in {mod.path}"
                if isinstance(node, ast.Name) and node.id in _GLOBAL_SETTING:
                    return f"{node.id} in {mod.path}"
        return ""

    def rate_limit(self, endpoint: Endpoint) -> str:
        handler = endpoint.handler
        func = self.scope.graph.funcs.get(handler.ref)
        if func is not None:
            for deco in func.node.decorator_list:
                name = dotted(deco.func if isinstance(deco, ast.Call) else deco)
                if _LIMIT_NAME.search(name):
                    return f"@{name}"
        # a view class answers (a DRF viewset's inherited actions), or the method's own class
        cls = func.cls if func is not None else handler.qualname.split(".")[0]
        if cls and self._class_throttles(handler.module, cls):
            return f"throttle_classes on {cls}"
        return self.app_limit

    def _class_throttles(self, module: str, cls: str) -> bool:
        mod = self.scope.index.modules.get(module)
        node = mod.classes.get(cls.split(".")[-1]) if mod else None
        if node is None:
            return False
        for stmt in node.body:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else []
            if any(
                isinstance(t, ast.Name) and t.id in ("throttle_classes", "throttle_scope") for t in targets
            ):
                return True
        return any(
            _LIMIT_NAME.search(dotted(d.func if isinstance(d, ast.Call) else d)) for d in node.decorator_list
        )

    def audit_event(self, endpoint: Endpoint) -> str:
        """The first audit or log event on the handler's call path (the call graph's reach)."""
        ref = endpoint.handler.ref
        if ref not in self._audit:
            self._audit[ref] = ""
            for func_ref, _via in self.scope.graph.reach(ref):
                found = self._event_in(func_ref)
                if found:
                    self._audit[ref] = found
                    break
        return self._audit[ref]

    def _event_in(self, ref: str) -> str:
        for node in self.scope.graph.nodes.get(ref, []):
            if isinstance(node, ast.Call):
                name = dotted(node.func)
                if name and self.policy.is_event(name):
                    return f"{name}() in {ref}"
        return ""

    def csrf(self, endpoint: Endpoint) -> str:
        """What stops another site from making a signed-in browser send this request: CSRF
        protection for the app (unless the view is exempt), or credentials from a header."""
        func = self.scope.graph.funcs.get(endpoint.handler.ref)
        decorators = (
            [dotted(d.func if isinstance(d, ast.Call) else d) for d in func.node.decorator_list]
            if func
            else []
        )
        if any(name.split(".")[-1] == "csrf_exempt" for name in decorators):
            return ""
        header = next((s for s in endpoint.auth.seen if _HEADER_AUTH.search(s)), "")
        if header:
            return f"credentials from a header ({header}), not a cookie"
        if self._app_csrf is None:
            self._app_csrf = self._find_app_csrf()
        return self._app_csrf

    def _find_app_csrf(self) -> str:
        for mod in sorted(self.scope.index.modules.values(), key=lambda m: m.path):
            for call in mod.calls:
                if dotted(call.func).split(".")[-1] in _CSRF_CALLS:
                    return f"{dotted(call.func)}() in {mod.path}"
            for node in ast.walk(mod.tree):
                if isinstance(node, ast.Constant) and node.value in _CSRF_GLOBAL:
                    return f"CsrfViewMiddleware in {mod.path}"
        return ""

    def controls(self, endpoint: Endpoint) -> Controls:
        return Controls(self.rate_limit(endpoint), self.audit_event(endpoint))


def writes(endpoint: Endpoint) -> bool:
    return bool(WRITE_METHODS & {m.upper() for m in endpoint.methods})
