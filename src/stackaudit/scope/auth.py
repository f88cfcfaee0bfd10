"""Who can reach a handler: the auth level its decorators, dependencies, mixins, permission
classes and first statements show.

Names decide most of it, because that is how projects spell auth (``login_required``,
``admin_required``, ``Depends(get_admin_user)``, ``IsAdminUser``, ``LoginRequiredMixin``). A name
the tables do not know is followed into the repository once: a dependency whose own parameters
depend on ``get_current_user``, a permission class that checks ``is_staff``, a decorator whose
wrapper refuses non-admins. Nothing seen means anonymous: the map says what the code shows.
"""

from __future__ import annotations

import ast
import re

from stackaudit.scope.model import Auth, AuthLevel
from stackaudit.scope.source import FuncNode, Index, Module, leaf

ADMIN_WORD = re.compile(r"(?i)admin|superuser|staff|sysadmin|is_root")
AUTH_WORD = re.compile(
    r"(?i)requir|only|permission|check|user|access|login|auth|protect|verif|ensure|mixin|token"
)
AUTHN = re.compile(
    r"(?i)log_?in_?required|auth\w*_?required|requires?_?(auth|login|user|token|perm)|jwt_required"
    r"|token_required|perm(ission)?s?_required|user_passes_test|LoginRequired|PermissionRequired"
    r"|UserPassesTest|IsAuthenticated|get_\w*user|current_\w*user|verif\w*_token|oauth2_scheme"
    r"|^authenticated$|HasPermission|check_\w*(permission|auth|login|token)|^requires?_\w+|Permissions$"
    r"|^(?!csrf|json|args)\w+_required$"  # a role decorator (edit_required, upload_required)
)
# A requirement that the configuration can waive or that only some requests meet.
OPTIONAL = re.compile(r"(?i)optional|_if_|_or_anon|if_no_ano|allow_?anon|maybe|AllowAny|login_not_required")
DEPENDENCY_AUTH = re.compile(r"(?i)auth|token|api_?key|credential|session_user|principal")
WHO = re.compile(r"(?i)user|request|token|current|role|self\.|account|member")
REFUSAL = re.compile(
    r"(?i)40[13]|forbid|unauthori|denied|invalid|login|redirect|error|not_?allowed|permission"
)
READ_ONLY_OK = re.compile(r"OrReadOnly|OrAnonReadOnly")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REFUSES = frozenset(
    {"abort", "HTTPException", "PermissionDenied", "Forbidden", "HTTPForbidden", "HTTPUnauthorized"}
)
FIRST_STATEMENTS = 6  # body checks count only at the top of a handler, before it does work


def name_level(name: str, detail: str = "") -> AuthLevel | None:
    """The level a decorator / dependency / class name promises; None when it promises nothing."""
    if not name or OPTIONAL.search(name):
        return None
    if ADMIN_WORD.search(name) and AUTH_WORD.search(name):
        return AuthLevel.ADMIN
    if AUTHN.search(name):
        # check_token(role="admin") is admin-only; required_role=["user", "admin"] is not
        admin_only = ADMIN_WORD.search(detail) and not re.search(r"""["']user["']""", detail)
        return AuthLevel.ADMIN if admin_only else AuthLevel.AUTHENTICATED
    return None


def _refuses(body: list[ast.stmt]) -> bool:
    """The branch raises, aborts, or returns a refusal (a 401/403, an error, a login redirect)."""
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Raise):
                return True
            if (
                isinstance(node, ast.Return)
                and node.value is not None
                and REFUSAL.search(ast.unparse(node.value))
            ):
                return True
            if isinstance(node, ast.Call) and leaf(node) in REFUSES:
                return True
    return False


def guard_level(body: list[ast.stmt], limit: int = FIRST_STATEMENTS) -> Auth:
    """Checks at the top of a body: ``check_admin_permissions()``, ``if not user.is_admin: abort(403)``."""
    found = Auth()
    for stmt in body[:limit]:
        # A bare call statement: its result is not used to choose what to show, it refuses.
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call | ast.Await):
            call = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
            name = leaf(call)
            level = (
                name_level(name, ast.unparse(call))
                if re.search(r"(?i)check|requir|ensure|assert", name)
                else None
            )
            if level is not None:
                found = found.join(Auth(level, (f"{name}()",)))
        elif isinstance(stmt, ast.If) and _refuses(stmt.body):
            level = _test_level(ast.unparse(stmt.test))
            if level is not None:
                found = found.join(Auth(level, (f"if {ast.unparse(stmt.test)[:60]}: refuse",)))
    return found


def _test_level(test: str) -> AuthLevel | None:
    """``if not user.is_admin: abort(403)`` refuses non-admins; ``if user.is_anonymous: ...`` refuses
    visitors; ``if not user.is_anonymous: ...`` refuses signed-in users (no requirement)."""
    negated = re.match(r"\s*not\b", test) is not None or any(
        w in test for w in (" is None", "!=", " not in ")
    )
    if "is_anonymous" in test:
        return None if negated else AuthLevel.AUTHENTICATED
    if ADMIN_WORD.search(test) and WHO.search(test) and negated:
        return AuthLevel.ADMIN
    if (
        re.search(r"is_authenticated|current_user|logged_in|request\.user|\bg\.user|\btoken\b", test)
        and negated
    ):
        return AuthLevel.AUTHENTICATED
    return None


def decorator_auth(index: Index, mod: Module, decorators: list[ast.expr]) -> Auth:
    found = Auth()
    for dec in decorators:
        name = leaf(dec)
        if name == "method_decorator" and isinstance(dec, ast.Call) and dec.args:
            found = found.join(decorator_auth(index, mod, [dec.args[0]]))
            continue
        if name == "permission_classes" and isinstance(dec, ast.Call) and dec.args:
            found = found.join(permission_auth(index, mod, dec.args[0], "GET"))
            continue
        level = name_level(name, ast.unparse(dec) if isinstance(dec, ast.Call) else "")
        if level is not None:
            level = max(level, _wrapper_level(index, mod, dec))
            found = found.join(Auth(level, (f"@{name}",)))
    return found


def _wrapper_level(index: Index, mod: Module, dec: ast.expr) -> AuthLevel:
    """A project's own decorator: admin when its wrapper refuses non-admins."""
    func = index.func(mod, dec.func if isinstance(dec, ast.Call) else dec)
    if func is None:
        return AuthLevel.ANONYMOUS
    for node in ast.walk(func.node):
        if isinstance(node, FuncNode) and guard_level(node.body, 12).level == AuthLevel.ADMIN:
            return AuthLevel.ADMIN
    return AuthLevel.ANONYMOUS


def dependency_auth(index: Index, mod: Module, target: ast.expr, depth: int = 0) -> Auth:
    """``Depends(get_admin_user)``: by the dependency's name, else by what it depends on."""
    name = leaf(target)
    level = name_level(name)
    if level is None and DEPENDENCY_AUTH.search(name) and not OPTIONAL.search(name):
        level = AuthLevel.AUTHENTICATED  # a dependency named for auth (get_scim_auth, api_key)
    if level is not None:
        return Auth(level, (f"Depends({name})",))
    func = index.func(mod, target) if depth < 3 else None
    if func is None:
        return Auth()
    owner = index.modules.get(func.module, mod)
    inner = params_auth(index, owner, func.node, depth + 1).join(guard_level(func.node.body))
    return Auth(inner.level, (f"Depends({name})", *inner.seen)) if inner.level else Auth()


def _depends_target(node: ast.expr | None) -> ast.expr | None:
    if isinstance(node, ast.Call) and leaf(node) in ("Depends", "Security") and node.args:
        return node.args[0]
    return None


def params_auth(index: Index, mod: Module, func: FuncNode, depth: int = 0) -> Auth:
    """FastAPI parameters: ``user=Depends(...)``, ``Annotated[User, Depends(...)]``, or an alias of one."""
    found = Auth()
    for owner, target in depends_targets(index, mod, func):
        found = found.join(dependency_auth(index, owner, target, depth))
    return found


def _alias_value(index: Index, mod: Module, node: ast.expr | None) -> tuple[Module, ast.expr] | None:
    """``CurrentUser = Annotated[User, Depends(get_current_user)]`` used as an annotation (here or
    imported): the alias's value, with the module its names resolve in."""
    if not isinstance(node, ast.Name):
        return None
    found = index.resolve(mod, node.id)
    if found is None or not found[1] or found[1] not in found[0].assigns:
        return None
    return found[0], found[0].assigns[found[1]]


def depends_targets(index: Index, mod: Module, func: FuncNode) -> list[tuple[Module, ast.expr]]:
    """The dependencies FastAPI calls before the handler (each a callee of the handler), with
    the module their names resolve in."""
    out: list[tuple[Module, ast.expr]] = []
    args = [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]
    values = [*func.args.defaults, *func.args.kw_defaults, *(a.annotation for a in args)]
    for node in values:
        alias = _alias_value(index, mod, node)
        for owner, value in ((mod, node), alias or (mod, None)):
            for sub in ast.walk(value) if value is not None else ():
                target = _depends_target(sub) if isinstance(sub, ast.expr) else None
                if target is not None:
                    out.append((owner, target))
    return out


def dependencies_auth(index: Index, mod: Module, node: ast.expr | None) -> Auth:
    """``dependencies=[Depends(...), Security(...)]`` on a route, a router or an include."""
    found = Auth()
    if isinstance(node, ast.List | ast.Tuple):
        for elt in node.elts:
            target = _depends_target(elt)
            if target is not None:
                found = found.join(dependency_auth(index, mod, target))
    return found


def permission_auth(index: Index, mod: Module, node: ast.expr, method: str) -> Auth:
    """DRF ``permission_classes``: every class must pass, so the strictest one decides."""
    found = Auth()
    elts = node.elts if isinstance(node, ast.List | ast.Tuple) else [node]
    for elt in elts:
        found = found.join(_permission_class(index, mod, elt, method))
    return found


def _permission_class(index: Index, mod: Module, node: ast.expr, method: str) -> Auth:
    operands = [node.left, node.right] if isinstance(node, ast.BinOp) else [node]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # A | B: the weaker one
        levels = [_permission_class(index, mod, o, method) for o in operands]
        return min(levels, key=lambda a: a.level)
    name = leaf(node)
    if READ_ONLY_OK.search(name) and method in SAFE_METHODS:
        return Auth()
    found = index.class_def(mod, node)
    if found is not None:
        for _owner, cls, base in index.lineage(*found):
            level = _class_name_level(base) if cls is None or cls is not found[1] else None
            if cls is not None and level is None:
                level = _has_permission_level(cls)
            if level is not None:
                return Auth(level, (name,))
        return Auth()
    level = name_level(name)
    return Auth(level, (name,)) if level is not None else Auth()


def _class_name_level(name: str) -> AuthLevel | None:
    short = name.rsplit(".", 1)[-1]
    return None if short in ("BasePermission", "object") else name_level(short)


def _has_permission_level(cls: ast.ClassDef) -> AuthLevel | None:
    for node in cls.body:
        if isinstance(node, FuncNode) and node.name in ("has_permission", "has_object_permission"):
            text = ast.unparse(node)
            if ADMIN_WORD.search(text):
                return AuthLevel.ADMIN
            if re.search(r"is_authenticated|request\.user", text):
                return AuthLevel.AUTHENTICATED
    return name_level(cls.name)
