from __future__ import annotations

from stackaudit.config.sections.base import Section


class SecretsConfig(Section):
    """``[tool.stackaudit.secrets]``: secret detection."""

    min_entropy: float = 3.0  # bits per char for generic assignments
    extra_placeholders: list[str] = []  # more placeholder words, e.g. "notreal"
    exclude: list[str] = []  # path globs skipped by the secret scanner only
