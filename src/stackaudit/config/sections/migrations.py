from __future__ import annotations

from stackaudit.config.sections.base import Section


class MigrationsConfig(Section):
    """``[tool.stackaudit.migrations]``: expand-and-contract checks of schema migrations."""

    # Applied migrations are history: by default only the newest migration of each chain (and
    # anything a gate sees as new) is checked. True checks every migration in the tree.
    check_all: bool = False
