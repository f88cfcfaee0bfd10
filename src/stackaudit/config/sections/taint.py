from __future__ import annotations

from stackaudit.config.sections.base import Section


class TaintConfig(Section):
    """``[tool.stackaudit.taint]``: the taint engine."""

    max_call_depth: int = 4  # inter-procedural summary depth
    file_time_limit_s: float = 10.0  # per-file bound; beyond it the file is "partial"
    max_expression_depth: int = 200
    extra_sources: list[str] = []  # dotted names treated as sources, e.g. "myapp.util.get_param"
    extra_sanitizers: list[str] = []  # dotted names that clean taint
    extra_sinks: list[str] = []  # "dotted.name:CWE" e.g. "myapp.db.run:89"
