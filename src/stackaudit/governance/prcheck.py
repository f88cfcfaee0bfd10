"""Which checklist items a diff demands, read statically from the changed files, and the verdict.

Nothing here imports or runs the changed code: Python files are parsed with ``ast`` to find
request handlers (route decorators, view classes) and security-relevant imports.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from stackaudit.governance.checklist import ITEMS, ChecklistItem, ItemKey, satisfied_by

ROUTE_ATTRS = frozenset(
    {"route", "get", "post", "put", "patch", "delete", "head", "options", "api_route", "websocket", "view"}
)
ROUTE_NAMES = frozenset({"api_view", "route", "view_config", "action"})
VIEW_BASES = re.compile(r"(View|ViewSet|APIView|RequestHandler|Resource|Endpoint|HTTPEndpoint)$")
URL_CALLS = frozenset({"path", "re_path", "url", "add_url_rule", "add_route", "add_api_route"})
MIGRATION_DIRS = frozenset({"migrations", "migration", "alembic", "migrate", "versions_sql"})
_FLYWAY = re.compile(r"^[VU]\d+(?:[._]\d+)*__.+\.sql$")
# Path words (split on / _ . -) that mark authentication or secrets handling; "author" is not auth.
AUTH_WORDS = re.compile(
    r"^(auth|authn|authz|authenticat\w*|authoriz\w*|login|logout|signin|signup|sessions?|permissions?|"
    r"oauth2?|oidc|jwt|passwords?|passwd|tokens?|credentials?|secrets?|crypto\w*|acls?|rbac|sso|saml|csrf|"
    r"security|keys?|vault|\.?env)$"
)
SECRET_ENV = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL", re.IGNORECASE)
AUTH_IMPORTS = re.compile(
    r"^(jwt|authlib|passlib|bcrypt|argon2|oauthlib|cryptography|hmac|secrets|itsdangerous|keyring|"
    r"django\.contrib\.auth|flask_login|flask_jwt_extended|fastapi\.security|rest_framework\.authentication|"
    r"rest_framework\.permissions|hvac|google\.cloud\.secretmanager)\b"
)
MANIFESTS = re.compile(
    r"^(requirements[\w.-]*\.(txt|in)|constraints[\w.-]*\.txt|pyproject\.toml|setup\.(py|cfg)|Pipfile(\.lock)?|"
    r"poetry\.lock|uv\.lock|pdm\.lock|package(-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|"
    r"bun\.lockb?|go\.(mod|sum)|Cargo\.(toml|lock)|Gemfile(\.lock)?|composer\.(json|lock))$"
)
DOC_SUFFIXES = frozenset({".md", ".rst", ".adoc", ".txt"})
DOC_NAMES = re.compile(
    r"^(LICENSE|LICENCE|COPYING|CHANGELOG|CHANGES|AUTHORS|NOTICE|CONTRIBUTING)", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class ItemVerdict:
    """One checklist item: why the diff demands it, and how the body satisfies it (None: missing)."""

    item: ChecklistItem
    reasons: tuple[str, ...]
    satisfied: str | None


@dataclass(frozen=True, slots=True)
class PrCheck:
    """The verdict: demanded items with their state, and the items the diff does not demand."""

    demanded: tuple[ItemVerdict, ...]
    not_demanded: tuple[ChecklistItem, ...]
    changed_files: int
    body_empty: bool

    @property
    def missing(self) -> tuple[ItemVerdict, ...]:
        return tuple(v for v in self.demanded if v.satisfied is None)

    @property
    def passed(self) -> bool:
        return not self.missing


def is_doc(path: str) -> bool:
    p = PurePosixPath(path)
    if p.parts and p.parts[0] in {"docs", "doc"}:
        return True
    if DOC_NAMES.match(p.name):
        return True
    return p.suffix.lower() in DOC_SUFFIXES and not MANIFESTS.match(p.name)


def is_migration(path: str) -> bool:
    p = PurePosixPath(path)
    return any(part.lower() in MIGRATION_DIRS for part in p.parts[:-1]) or bool(_FLYWAY.match(p.name))


def _decorator_is_route(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr in ROUTE_ATTRS and not isinstance(target.value, ast.Constant)
    return isinstance(target, ast.Name) and target.id in ROUTE_NAMES


def _handler_signal(tree: ast.AST) -> str | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if any(_decorator_is_route(d) for d in node.decorator_list):
                return f"route handler {node.name}()"
        elif isinstance(node, ast.ClassDef):
            for base in node.bases:
                name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
                if VIEW_BASES.search(name):
                    return f"view class {node.name}"
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in URL_CALLS and node.args and isinstance(node.args[0], ast.Constant):
                return f"URL route {name}()"
    return None


def is_auth_path(path: str) -> bool:
    """A path whose words name authentication or secrets handling (``app/auth/views.py``, ``.env``)."""
    return any(AUTH_WORDS.match(word) for word in re.split(r"[/_.-]+", path.lower()) if word) or (
        PurePosixPath(path).name.startswith(".env")
    )


def _secret_env_read(node: ast.AST) -> str | None:
    """``os.getenv("API_TOKEN")`` / ``os.environ["DB_PASSWORD"]``: the code handles a secret."""
    name: ast.expr | None = None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr in {"getenv", "get"} and node.args:
            name = node.args[0]
    elif (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "environ"
    ):
        name = node.slice
    if isinstance(name, ast.Constant) and isinstance(name.value, str) and SECRET_ENV.search(name.value):
        return f"reads secret {name.value} from the environment"
    return None


def _auth_import(tree: ast.AST) -> str | None:
    for node in ast.walk(tree):
        secret = _secret_env_read(node)
        if secret:
            return secret
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            if AUTH_IMPORTS.match(name):
                return f"imports {name}"
    return None


def _python_signals(path: str, source: str | None) -> tuple[str | None, str | None]:
    """(handler reason, auth reason) for one changed Python file, read statically."""
    name = PurePosixPath(path).name
    by_name = f"{path}: Django {name}" if name in {"views.py", "urls.py"} else None
    if source is None:
        return by_name, None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        # CPython raises MemoryError ("parser stack overflowed") on deeply nested brackets
        return by_name, None
    handler = _handler_signal(tree)
    auth = _auth_import(tree)
    return (f"{path}: {handler}" if handler else by_name), (f"{path}: {auth}" if auth else None)


def demanded_items(changed: Sequence[str], read: Callable[[str], str | None]) -> dict[ItemKey, list[str]]:
    """Each demanded item with the changed files that demand it."""
    reasons: dict[ItemKey, list[str]] = {}

    def add(key: ItemKey, why: str) -> None:
        reasons.setdefault(key, []).append(why)

    for path in changed:
        p = PurePosixPath(path)
        if not is_doc(path):
            add(ItemKey.ROLLBACK, f"{path}: not documentation")
        if is_migration(path):
            add(ItemKey.MIGRATIONS, f"{path}: migration")
        if MANIFESTS.match(p.name):
            add(ItemKey.THREATS, f"{path}: dependency manifest or lock")
        elif not is_doc(path) and is_auth_path(path):
            add(ItemKey.THREATS, f"{path}: authentication or secrets path")
        if p.suffix == ".py" and not is_migration(path):
            handler, auth = _python_signals(path, read(path))
            if handler:
                add(ItemKey.LATENCY, handler)
            if auth:
                add(ItemKey.THREATS, auth)
    return reasons


def check(body: str, changed: Sequence[str], read: Callable[[str], str | None]) -> PrCheck:
    """Check a PR body against the items its diff demands."""
    reasons = demanded_items(changed, read)
    demanded = tuple(
        ItemVerdict(item, tuple(reasons[item.key]), satisfied_by(body, item))
        for item in ITEMS
        if item.key in reasons
    )
    not_demanded = tuple(item for item in ITEMS if item.key not in reasons)
    return PrCheck(demanded, not_demanded, len(changed), not body.strip())
