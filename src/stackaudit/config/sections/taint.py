from __future__ import annotations

import re

from pydantic import Field, field_validator

from stackaudit.config.sections.base import Section

# The sink classes of the taint engine (kept equal to analyzers/taint/rules.TAINT_RULES by a test).
TAINT_CWES = frozenset({22, 78, 79, 89, 90, 94, 113, 501, 502, 601, 611, 643, 918})
_DOTTED = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")


def _cwes(text: str, entry: str) -> None:
    for part in text.split(","):
        if not part.strip().isdigit() or int(part) not in TAINT_CWES:
            known = ", ".join(str(c) for c in sorted(TAINT_CWES))
            raise ValueError(f"{entry!r}: CWE {part.strip()!r} is not a taint sink class ({known})")


class TaintConfig(Section):
    """``[tool.stackaudit.taint]``: the taint engine."""

    max_call_depth: int = Field(default=4, ge=0, le=10_000)  # inter-procedural summary depth
    file_time_limit_s: float = Field(default=10.0, gt=0)  # per-file bound; beyond it the file is "partial"
    max_expression_depth: int = Field(default=200, ge=10)  # deeper expressions are cut (file "partial")
    # dotted names whose call result is user input ("myapp.util.get_param"), or a parameter
    # that receives user input: "module:function:param" ("myapp.hooks:Bot.on_message:text")
    extra_sources: list[str] = []
    extra_sanitizers: list[str] = []  # "dotted.name" (cleans for every sink) or "dotted.name:79,113"
    extra_sinks: list[str] = []  # "dotted.name:CWE" e.g. "myapp.db.run:89" (first argument checked)

    @field_validator("extra_sources")
    @classmethod
    def _sources(cls, value: list[str]) -> list[str]:
        for entry in value:
            parts = entry.split(":")
            if len(parts) not in (1, 3) or not all(_DOTTED.match(p) for p in parts):
                raise ValueError(f"{entry!r} is not a dotted name (or module:function:param)")
            if len(parts) == 3 and "." in parts[2]:
                raise ValueError(f"{entry!r}: the parameter {parts[2]!r} is not a plain name")
        return value

    @field_validator("extra_sanitizers")
    @classmethod
    def _sanitizers(cls, value: list[str]) -> list[str]:
        for entry in value:
            name, sep, cwes = entry.partition(":")
            if not _DOTTED.match(name):
                raise ValueError(f"{entry!r}: expected dotted.name or dotted.name:CWE[,CWE]")
            if sep:
                _cwes(cwes, entry)
        return value

    @field_validator("extra_sinks")
    @classmethod
    def _sinks(cls, value: list[str]) -> list[str]:
        for entry in value:
            name, sep, cwe = entry.partition(":")
            if not _DOTTED.match(name) or not sep:
                raise ValueError(f"{entry!r}: expected dotted.name:CWE, e.g. myapp.db.run:89")
            _cwes(cwe, entry)
        return value
