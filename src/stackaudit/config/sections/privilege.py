from __future__ import annotations

from stackaudit.config.sections.base import Section


class PrivilegeConfig(Section):
    """``[tool.stackaudit.privilege]``: least privilege and audit trails."""

    read_only_paths: list[str] = []  # globs of read-only / analytics code paths
    audit_log_calls: list[str] = []  # extra dotted names that count as an audit event
    superuser_accounts: list[str] = []  # more account names treated as superusers
    read_only_markers: list[str] = []  # more name parts that mark a read-only account / variable
