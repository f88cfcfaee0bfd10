from __future__ import annotations

from stackaudit.config.sections.base import Section


class ApiVersionsConfig(Section):
    """``[tool.stackaudit.api_versions]``: breaking changes of API and event schemas."""

    # The git ref whose schemas the clients still use (a release tag, "origin/main"). None:
    # the newest tag reachable from HEAD, else the merge-base with main/master, else HEAD.
    baseline: str | None = None
    # Globs of schema files or Python modules to leave out (generated clients, vendored specs).
    exclude: list[str] = []
