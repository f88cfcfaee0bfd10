"""Which models are tenant-scoped, and which of them are scoped by default.

Read from the whole repository with ``ast`` and regular expressions, never imported: model
classes (Django, SQLAlchemy, Flask-SQLAlchemy, SQLModel) with their fields, table names and
managers; the ways a project scopes every query at once (a tenant manager, a tenant base class,
row-level security in SQL, SQLAlchemy ``with_loader_criteria``, schema-per-tenant packages).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from stackaudit.analyzers.pyparse import statement_nodes
from stackaudit.analyzers.python.names import dotted

INFERRED_KEYS = ("tenant_id", "tenant")
MODEL_BASE = re.compile(r"(^|\.)(Model|Base|DeclarativeBase|SQLModel|\w+Model)$")
NOT_MODEL_BASE = re.compile(r"(^|\.)(BaseModel|BaseSettings|TypedDict|NamedTuple|Enum)$")
# Library base classes and managers that filter by tenant themselves (django-multitenant's
# TenantModel/TenantManager, django-scopes' ScopedManager, project-agnostic names).
LIBRARY_SCOPING = re.compile(r"(?i)tenant\w*(model|mixin|aware|scoped|manager)|scoped\w*manager")
RLS_POLICY = re.compile(r'(?i)\bCREATE\s+POLICY\s+"?\w+"?\s+ON\s+"?(?:\w+"?\.)?"?(\w+)"?')
DEFAULT_QUERY = frozenset({"get_queryset", "get_query", "__iter__", "__new__"})
SCHEMA_PER_TENANT = re.compile(r"django_tenants|tenant_schemas|TENANT_MODEL\s*=")


@dataclass
class ModelClass:
    """One class of the project, with what matters for tenant scoping."""

    name: str
    path: str
    bases: tuple[str, ...]  # dotted names as written
    fields: set[str] = field(default_factory=set)
    table: str | None = None
    managers: dict[str, str] = field(default_factory=dict)  # attribute -> manager class name
    mentions_key: bool = False  # the class body names the tenant key (a manager's filter)


@dataclass(frozen=True)
class TenantScope:
    """The analysis inputs: the key, the models to check, and the managers that scope."""

    key: str
    words: tuple[str, ...]  # lower-case stems that name the tenant in code ("tenant")
    scoped: frozenset[str]  # model class names whose queries need the tenant
    safe_models: Mapping[str, str]  # model -> why every query on it is scoped already
    safe_managers: Mapping[str, frozenset[str]]  # model -> manager attributes that scope
    inferred: bool

    def names_tenant(self, text: str) -> bool:
        low = text.lower()
        return any(word in low for word in self.words)


def key_words(key: str, aliases: Iterable[str] = ()) -> tuple[str, ...]:
    """The lower-case stems that name the tenant: the key without ``_id``, and the aliases."""
    base = key.lower().removesuffix("_id").removesuffix("id").rstrip("_") or key.lower()
    return (base, *(a.lower() for a in aliases if a))


def _class_of(value: ast.expr) -> str | None:
    """``TenantManager()``, ``OrderQuerySet.as_manager()``, ``M.from_queryset(Q)()`` -> a class."""
    if not isinstance(value, ast.Call):
        return None
    func = value.func
    if isinstance(func, ast.Call):
        return _class_of(func)
    name = dotted(func) or ""
    parts = name.split(".")
    if parts[-1] in ("as_manager", "from_queryset") and len(parts) > 1:
        return parts[-2]
    return parts[-1] if parts[-1][:1].isupper() else None


def _read_class(node: ast.ClassDef, path: str, words: tuple[str, ...]) -> ModelClass:
    cls = ModelClass(node.name, path, tuple(dotted(b) or "" for b in node.bases))
    for stmt in node.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            targets, value = [stmt.target], stmt.value
        elif isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
            cls.table = cls.table or _meta_table(stmt)
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            if target.id == "__tablename__" and isinstance(value, ast.Constant):
                cls.table = str(value.value)
            elif value is not None and _is_manager(target.id, value):
                cls.managers[target.id] = _class_of(value) or ""
            else:
                cls.fields.add(target.id)
    cls.mentions_key = any(
        any(w in text.lower() for w in words) for text in _names(node) if not text.startswith("__")
    )
    return cls


def _is_manager(attr: str, value: ast.expr) -> bool:
    manager = _class_of(value)
    return manager is not None and (attr == "objects" or "Manager" in manager + attr)


def _meta_table(meta: ast.ClassDef) -> str | None:
    for stmt in meta.body:
        named = isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "db_table" for t in stmt.targets
        )
        if named and isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant):
            return str(stmt.value.value)
    return None


def _names(node: ast.AST) -> Iterable[str]:
    """Names, attributes and keyword names read by the methods that build every query of a
    manager or query class (``get_queryset``): a ``for_tenant()`` helper scopes nothing by default."""
    for fn in statement_nodes(node):  # functions are statements: no need to visit expressions
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or fn.name not in DEFAULT_QUERY:
            continue
        for sub in ast.walk(fn):
            if isinstance(sub, ast.Name):
                yield sub.id
            elif isinstance(sub, ast.Attribute):
                yield sub.attr
            elif isinstance(sub, ast.keyword) and sub.arg:
                yield sub.arg


def _criteria_class(node: ast.AST) -> str | None:
    """``with_loader_criteria(TenantMixin, ...)`` -> ``TenantMixin``."""
    if (
        isinstance(node, ast.Call)
        and (dotted(node.func) or "").endswith("with_loader_criteria")
        and node.args
    ):
        name = dotted(node.args[0])
        return name.rsplit(".", 1)[-1] if name else None
    return None


@dataclass
class Project:
    """Every class of the project, and the repository-wide scoping declarations."""

    classes: dict[str, ModelClass] = field(default_factory=dict)
    rls_tables: set[str] = field(default_factory=set)
    criteria_classes: set[str] = field(default_factory=set)  # with_loader_criteria(X, ...)
    schema_per_tenant: str | None = None  # the file that says so

    def add_python(self, path: str, text: str, tree: ast.Module, words: tuple[str, ...]) -> None:
        # Classes are statements; a ``with_loader_criteria`` call (an expression) is looked for
        # only where the text can name it (identifiers are verbatim in ASCII source).
        criteria = not text.isascii() or "with_loader_criteria" in text
        for node in ast.walk(tree) if criteria else statement_nodes(tree):
            if isinstance(node, ast.ClassDef) and node.name not in self.classes:
                self.classes[node.name] = _read_class(node, path, words)
            elif _criteria_class(node) is not None:
                self.criteria_classes.add(str(_criteria_class(node)))
        self.add_sql(text)
        if self.schema_per_tenant is None and SCHEMA_PER_TENANT.search(text):
            self.schema_per_tenant = path

    def add_sql(self, text: str) -> None:
        if text.isascii() and "policy" not in text.lower():
            return  # no match possible, and the case-insensitive search is slow on large files
        self.rls_tables.update(m.group(1).lower() for m in RLS_POLICY.finditer(text))

    def ancestors(self, name: str) -> list[str]:
        """The class and its project and library ancestors (by last name), nearest first."""
        out: list[str] = []
        todo = [name]
        while todo:
            current = todo.pop(0)
            if current in out:
                continue
            out.append(current)
            cls = self.classes.get(current)
            if cls is not None:
                todo += [b.rsplit(".", 1)[-1] for b in cls.bases if b]
        return out

    def is_model(self, name: str) -> bool:
        for ancestor in self.ancestors(name):
            cls = self.classes.get(ancestor)
            if cls is None:
                continue
            if cls.table or any(MODEL_BASE.search(b) and not NOT_MODEL_BASE.search(b) for b in cls.bases):
                return True
        return False
