"""Recognising auth, admin and export handlers in a Python module (AST only, never imported)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from enum import StrEnum

HTTP_VERBS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE"}
ROUTE_ATTRS = {"route", "api_route", "websocket", *HTTP_VERBS}
_VIEW_METHODS = {
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "form_valid",
    "create",
    "update",
    "destroy",
    "list",
    "retrieve",
    "perform_create",
    "perform_destroy",
}

AUTH_WORDS = re.compile(
    r"(?i)log_?in|log_?out|sign_?in|sign_?out|signin|signout|authenticat|passw(?:or)?d|reset|forgot"
    r"|token|oauth|sso|mfa|2fa|otp|impersonat"
)
ADMIN_DECORATORS = re.compile(
    r"(?i)admin_required|staff_member_required|superuser_required|staff_required|roles?_required"
    r"|permission_required|requires_admin|admin_only|is_admin|admin\.action"
)
_ADMIN_TEST = re.compile(r"is_staff|is_superuser|is_admin|admin")  # inside @user_passes_test(...)
ADMIN_NAMES = re.compile(
    r"(?i)^admin_|_admin$|delete_user|ban_user|deactivate_user|suspend_user|grant_role|set_role|assign_role"
    r"|promote|demote|change_role|impersonat"
)
EXPORT_NAMES = re.compile(
    r"(?i)(?:^|[\s_/.<>-])(?:exports?|downloads?|dumps?|backups?|reports?)(?:$|[\s_/.<>-])|csv"
)
# File responses count as an export only with as_attachment=True or an export-like name/route
FILE_CALLS = re.compile(r"(?:^|\.)(?:send_file|send_from_directory|FileResponse|StreamingResponse)$")


class Kind(StrEnum):
    AUTH = "authentication"
    ADMIN = "admin"
    EXPORT = "export"


@dataclass(frozen=True, slots=True)
class Handler:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    qualname: str
    kind: Kind
    endpoint: str | None
    reason: str


def dotted(node: ast.AST) -> str:
    """``a.b.c`` for names/attributes; calls in the chain keep their callee (``getLogger().info``)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Call):
        return dotted(node.func) + "()"
    return ""


def _route(deco: ast.expr) -> tuple[str, str, frozenset[str]] | None:
    """(first METHOD, path, every method) for route decorators (Flask, FastAPI, Starlette), else None."""
    if not isinstance(deco, ast.Call) or not isinstance(deco.func, ast.Attribute):
        return None
    attr = deco.func.attr
    if attr not in ROUTE_ATTRS:
        return None
    path = ""
    if deco.args and isinstance(deco.args[0], ast.Constant) and isinstance(deco.args[0].value, str):
        path = deco.args[0].value
    if not path.startswith("/"):
        return None  # mock.patch("pkg.mod"), dict.get("x"), router.route("pkg:npm/.*"): not an HTTP route
    methods = [HTTP_VERBS.get(attr, "GET")]
    for kw in deco.keywords:
        if kw.arg == "methods" and isinstance(kw.value, ast.List | ast.Tuple) and kw.value.elts:
            named = [
                e.value.upper()
                for e in kw.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            ]
            methods = named or methods
    return methods[0], path, frozenset(methods)


# Calls that change state: a GET handler making one is not a read-only page.
_WRITES = re.compile(
    r"(?:^|\.)(?:save|delete|commit|add|add_all|update|create|bulk_create|remove|flush|execute"
    r"|set_password|login|logout|login_user|logout_user|authenticate|send_mail|send)$"
)
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_READ_VIEW_METHODS = frozenset({"get", "list", "retrieve"})
_NOT_READS = frozenset({"post", "put", "patch", "delete", "create", "update", "destroy", "perform_create"})


def _writes_state(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(n, ast.Call) and _WRITES.search(dotted(n.func)) for n in ast.walk(fn))


def _read_only(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, methods: frozenset[str], view_class: str | None
) -> bool:
    """A page that only shows something: admin and auth GET views that change nothing need no
    audit event (exports do: reading is what they are about)."""
    if view_class is not None:
        reads = fn.name in _READ_VIEW_METHODS
    else:
        reads = bool(methods) and methods <= _READ_METHODS
    return reads and not _writes_state(fn)


def _body_exports(fn: ast.FunctionDef | ast.AsyncFunctionDef, named_export: bool) -> str | None:
    """The strongest sign in the body that the handler hands data out as a file, if any."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            if name.endswith(("csv.writer", "csv.DictWriter")):
                return name.rsplit(".", 1)[-1]
            attachment = any(kw.arg == "as_attachment" for kw in node.keywords)
            if FILE_CALLS.search(name) and (attachment or named_export):
                return name.rsplit(".", 1)[-1]
            for kw in node.keywords:
                value = kw.value.value if isinstance(kw.value, ast.Constant) else None
                if (
                    kw.arg in {"mimetype", "content_type", "media_type"}
                    and isinstance(value, str)
                    and value.startswith(("text/csv", "application/vnd.ms-excel"))
                ):
                    return f"{kw.arg}={value}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "attachment" in node.value:
            return "Content-Disposition: attachment"
    return None


def _decorator_name(deco: ast.expr) -> str:
    name = dotted(deco.func if isinstance(deco, ast.Call) else deco)
    admin_check = isinstance(deco, ast.Call) and _ADMIN_TEST.search(ast.unparse(deco))
    if name.endswith("user_passes_test") and admin_check:
        return "user_passes_test(admin check)"
    return name


# What an admin action must touch to be security-relevant: staff editing content (tickets,
# checklists, comments) is not an audit event; changing who may do what is.
SECURITY_OBJECTS = re.compile(
    r"(?i)user|role|permission|perm_|group|member|setting|config|key|token|secret|passw|account|auth"
    r"|impersonat|ban|suspend|deactivat|activat|promote|demote|invite|sso|mfa|otp|admin"
)
# A function taking ``request`` first but named like a helper is not a handler (``get_token``).
_HELPER_NAME = re.compile(r"^(?:_|get_|check_|is_|has_|build_|make_|parse_|validate_|require_)")
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def classify(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str, view_class: str | None
) -> Handler | None:
    """The handler kind of ``fn`` (first match: admin, auth, export), or None when it is not one."""
    if fn.name.startswith("test") or qualname.startswith("Test"):
        return None  # test code, not a handler
    decos = [_decorator_name(d) for d in fn.decorator_list]
    routes = [r for r in (_route(d) for d in fn.decorator_list) if r is not None]
    endpoint = f"{routes[0][0]} {routes[0][1]}" if routes and routes[0][1] else None
    methods = frozenset(m for r in routes for m in r[2])
    args = [a.arg for a in fn.args.args]
    in_class = "." in qualname
    plain = not in_class and "request" in args[:1] and not _HELPER_NAME.match(fn.name)
    is_handler = bool(routes) or view_class is not None or plain
    admin_deco = next((d for d in decos if ADMIN_DECORATORS.search(d)), None)
    path = " ".join(r[1] for r in routes)
    words = f"{view_class or ''} {fn.name} {path}"
    read_only = _read_only(fn, methods, view_class)
    # staff (not admin) decorators guard content editing too: only security objects count there
    privileged = admin_deco and ("staff" not in admin_deco.lower() or SECURITY_OBJECTS.search(words))
    if privileged and not read_only:
        return Handler(fn, qualname, Kind.ADMIN, endpoint, f"decorated @{admin_deco}")
    if not is_handler:
        return None
    admin = "/admin" in path or ADMIN_NAMES.search(fn.name) or (view_class and ADMIN_NAMES.search(view_class))
    if admin and not read_only:
        return Handler(fn, qualname, Kind.ADMIN, endpoint, "admin route or name")
    if AUTH_WORDS.search(words) and not read_only and not admin:
        return Handler(fn, qualname, Kind.AUTH, endpoint, "authentication route or name")
    if (methods & _WRITE_METHODS and not methods & _READ_METHODS) or (view_class and fn.name in _NOT_READS):
        return None  # a write is not an export: data leaves through reads
    named_export = bool(EXPORT_NAMES.search(words))
    exported = _body_exports(fn, named_export)
    if exported or named_export:
        return Handler(fn, qualname, Kind.EXPORT, endpoint, exported or "export route or name")
    return None


def find_handlers(tree: ast.Module) -> list[Handler]:
    out: list[Handler] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            handler = classify(node, node.name, None)
            if handler:
                out.append(handler)
        elif isinstance(node, ast.ClassDef):
            bases = [dotted(b) for b in node.bases]
            is_view = any(b.endswith(("View", "ViewSet", "APIView", "Resource", "Handler")) for b in bases)
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    view = node.name if is_view and item.name in _VIEW_METHODS else None
                    handler = classify(item, f"{node.name}.{item.name}", view)
                    if handler:
                        out.append(handler)
    return out
