"""Decide the tenant key, the tenant-scoped models, and which are scoped by default."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stackaudit.analyzers.tenant.models import (
    INFERRED_KEYS,
    LIBRARY_SCOPING,
    Project,
    TenantScope,
    key_words,
)
from stackaudit.config.sections.tenant import TenantConfig


@dataclass(frozen=True, slots=True)
class Off:
    """The analyzer has nothing to check here, and says why."""

    reason: str


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _tables(project: Project, name: str) -> set[str]:
    cls = project.classes[name]
    snake = _snake(name)
    return {t for t in (cls.table, name.lower(), snake, snake + "s", name.lower() + "s") if t}


def _fields(project: Project, name: str) -> set[str]:
    out: set[str] = set()
    for ancestor in project.ancestors(name):
        if ancestor in project.classes:
            out |= project.classes[ancestor].fields
    return out


def _key_fields(key: str) -> set[str]:
    base = key_words(key)[0]
    return {key, base, base + "_id"}


def _manager_scopes(project: Project, manager: str, words: tuple[str, ...]) -> bool:
    for ancestor in project.ancestors(manager):
        cls = project.classes.get(ancestor)
        if cls is None and LIBRARY_SCOPING.search(ancestor):
            return True
        if cls is not None and cls.mentions_key:
            return True
    return False


def _why_safe(project: Project, name: str) -> str | None:
    """Why every query on the model is scoped already, or None."""
    ancestors = project.ancestors(name)
    if hit := [a for a in ancestors if a in project.criteria_classes]:
        return f"with_loader_criteria({hit[0]}, ...)"
    tables = _tables(project, name)
    rls = project.rls_tables
    if tables & rls or any(t.endswith("_" + name.lower()) for t in rls):
        return "row-level security (CREATE POLICY) on its table"
    if lib := [a for a in ancestors[1:] if a not in project.classes and LIBRARY_SCOPING.search(a)]:
        return f"tenant base class {lib[0]}"
    return None


def _safe_managers(project: Project, name: str, words: tuple[str, ...]) -> frozenset[str]:
    managers: dict[str, str] = {}
    for ancestor in reversed(project.ancestors(name)):  # nearest declaration wins
        if ancestor in project.classes:
            managers.update(project.classes[ancestor].managers)
    return frozenset(attr for attr, cls in managers.items() if _manager_scopes(project, cls, words))


def build(project: Project, config: TenantConfig) -> TenantScope | Off:
    """The scope to check, from config or inferred from the models; ``Off`` when neither."""
    if project.schema_per_tenant is not None:
        return Off(f"schema-per-tenant isolation ({project.schema_per_tenant}): every query is scoped")
    models = [n for n in project.classes if project.is_model(n)]
    key = config.key
    if key is None:
        key = next((k for k in INFERRED_KEYS if any(k in _fields(project, m) for m in models)), None)
        if key is None:
            return Off("no [tenant] key declared and no model has a tenant/tenant_id field")
    words = key_words(key, config.aliases)
    if config.models:
        wanted = {m.lower() for m in config.models}
        scoped = {m for m in models if m.lower() in wanted or _tables(project, m) & wanted}
    else:
        scoped = {m for m in models if _fields(project, m) & _key_fields(key)}
    if not scoped:
        return Off(f"no tenant-scoped model found for key {key!r}")
    safe = {m: why for m in scoped if (why := _why_safe(project, m))}
    return TenantScope(
        key=key,
        words=words,
        scoped=frozenset(scoped),
        safe_models=safe,
        safe_managers={m: _safe_managers(project, m, words) for m in scoped},
        inferred=config.key is None and not config.models,
    )
