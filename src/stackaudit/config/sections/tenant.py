from __future__ import annotations

from stackaudit.config.sections.base import Section


class TenantConfig(Section):
    """``[tool.stackaudit.tenant]``: tenant isolation of queries, object fetches and cache keys."""

    # The column or field that names the tenant ("tenant_id", "organization"). None: inferred
    # from models that declare a field named ``tenant``/``tenant_id`` (said in a notice); with
    # nothing declared and nothing inferred the analyzer is off.
    key: str | None = None
    # Tenant-scoped model class names or table names. Empty: every model that has the key field.
    models: list[str] = []
    # Other names the tenant goes by in code ("org" for organization_id): a filter, check or
    # cache key naming one of them names the tenant.
    aliases: list[str] = []
